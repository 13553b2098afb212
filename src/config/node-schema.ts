import { DRAFT, enumKind, group, leaf, NODE_KINDS as K, SCHEMA_KEY, type JsonSchema } from './json-schema.js';
import { PRESETS } from './probe-presets.js';
import type { NodeSpec } from './types.js';

/**
 * The keys of template.json and nodes/*.json (DESIGN §1 node-key table) as
 * JSON Schema, with descriptions and defaults. Defaults that depend on the
 * node (`cwd` = dataDir, `sync.group` = name) are filled by the resolver, not
 * here. The validator (node-validate.ts) runs on these very objects.
 */

export const PROBE_TYPES = ['http', 'jsonrpc', 'prometheus', 'command', 'tcp', 'multi'] as const;

const MiB = 1024 * 1024;

function probe(description: string): JsonSchema {
  return group(
    description,
    {
      type: leaf(
        enumKind(PROBE_TYPES),
        'how the probe asks: http, jsonrpc, prometheus, command, tcp or multi',
      ),
      preset: leaf(enumKind(PRESETS), `a chain daemon whose API the probe knows: ${PRESETS.join(', ')}`),
      cookieFile: leaf(K.nonEmptyString, 'bitcoind-style cookie file giving basic auth; relative to dataDir'),
      reads: leaf(
        K.any,
        'requests of a multi probe: [{type, url, method, params, jsonrpc, fields, onError}]',
      ),
      url: leaf(
        K.string,
        'http(s):// URL for http, jsonrpc and prometheus probes; tcp://host:port for tcp probes',
      ),
      method: leaf(K.nonEmptyString, 'JSON-RPC method (type jsonrpc)'),
      params: leaf(K.any, 'JSON-RPC params (type jsonrpc)'),
      auth: group(
        'HTTP basic auth',
        {
          user: leaf(K.string, 'user name'),
          pass: leaf(K.string, 'password'),
        },
        { required: ['user', 'pass'] },
      ),
      command: leaf(K.command, 'argv of a command probe (no shell); its stdout is the answer'),
      path: leaf(K.string, 'dotted path of the value in a JSON answer (e.g. "result.height")'),
      metric: leaf(K.nonEmptyString, 'metric name (type prometheus)'),
      labels: leaf(K.stringMap, 'label values the prometheus sample must have'),
      label: leaf(K.nonEmptyString, "prometheus: read this label's value instead of the sample value"),
      host: leaf(K.nonEmptyString, 'host of a tcp probe (or give url tcp://host:port)'),
      port: leaf(K.port, "port of a tcp probe (or give url tcp://host:port), or of a preset's daemon"),
      intervalMs: leaf(K.durationMs, 'time between two probes (ms or a duration such as "10s")', {
        default: 10_000,
      }),
      timeoutMs: leaf(K.timeoutMs, 'a probe gives up after this long (ms or a duration, at most 1 hour)', {
        default: 5_000,
      }),
    },
    // `type` is required unless a preset fills it: node-validate.ts checks.
    {},
  );
}

const file = group(
  'a config file rendered for the node before every start',
  {
    path: leaf(K.nonEmptyString, 'where the file is written (a relative path is under the config directory)'),
    json: leaf(K.any, 'JSON written as the file (give json or template)'),
    template: leaf(K.nonEmptyString, 'Handlebars template file under templatesDir (give json or template)'),
  },
  { required: ['path'] },
);

function hookArgv(description: string): JsonSchema {
  return {
    description: `${description}; run with the node's env, user and cwd, plus NODEWARDEN_NODE and NODEWARDEN_EVENT`,
    type: 'array',
    items: leaf(K.string, 'one argument (the first: a path or a name looked up in PATH)'),
    default: [],
  };
}

/** Every key a node file, a profile and an override share. */
function runProperties(): Record<string, JsonSchema> {
  return {
    binary: leaf(
      K.nonEmptyString,
      'the executable: a path (relative to the config dir) or a name looked up in PATH',
    ),
    args: {
      description: 'arguments, never through a shell',
      type: 'array',
      items: leaf(K.string, 'one argument'),
      default: [],
    },
    'args+': {
      description: "arguments appended to the template's args",
      type: 'array',
      items: leaf(K.string, 'one argument'),
      default: [],
    },
    env: {
      description: "environment variables of the node (added to the manager's)",
      type: 'object',
      additionalProperties: leaf(K.string, 'a value'),
      default: {},
    },
    cwd: leaf(K.nonEmptyString, 'working directory (default: dataDir)'),
    dataDir: leaf(K.nonEmptyString, "the node's data directory (created if missing)"),
    user: leaf(K.userOrGroup, "run the node as this user (name or uid); null = the manager's", {
      default: null,
      nullable: true,
    }),
    group: leaf(K.userOrGroup, "run the node as this group (name or gid); null = the manager's", {
      default: null,
      nullable: true,
    }),
    autostart: leaf(K.boolean, 'start with the manager', { default: true }),
    priority: leaf(K.integer, 'lower number = more important; shed last under pressure', { default: 100 }),
    shed: leaf(K.boolean, 'the node may be paused while the host is under pressure (pressure.enabled)', {
      default: false,
    }),
    dependsOn: leaf(
      K.stringArray,
      'nodes this node starts after and stops before: node names, or node file names (all their instances)',
      { default: [] },
    ),
    restart: group(
      'when and how a node is restarted',
      {
        policy: leaf(enumKind(['always', 'on-failure', 'never']), 'always, on-failure or never', {
          default: 'always',
        }),
        startSeconds: leaf(
          K.durationSeconds,
          'alive this long = started, else a failed start (s or a duration)',
          {
            default: 3,
          },
        ),
        maxRetries: leaf(K.countOrZero, 'failed starts in a row before fatal', { default: 5 }),
        fatalRetryMs: leaf(K.durationMsOrZero, 'a fatal node is tried again after this long (0 = never)', {
          default: 600_000,
        }),
        backoffMs: leaf(K.durationMs, 'first wait after a failed start; doubles (jittered) per failure', {
          default: 1_000,
        }),
        backoffMaxMs: leaf(K.durationMs, 'longest wait between restarts (>= backoffMs)', { default: 60_000 }),
        stableSeconds: leaf(
          K.durationSeconds,
          'running this long resets the failure count (s or a duration)',
          {
            default: 60,
          },
        ),
        permanentExitCodes: {
          description: 'exit codes that mean "do not retry": straight to fatal',
          type: 'array',
          items: leaf(K.exitCode, 'an exit code 0-255'),
          default: [],
        },
      },
      { default: {} },
    ),
    hooks: group(
      "commands run around the node's start and stop: argv arrays, never through a shell; [] = none",
      {
        preStart: hookArgv('before every start; a failure (non-zero exit, timeout) fails the start'),
        postStart: hookArgv('once the node counts as started (running); a failure is recorded'),
        preStop: hookArgv('as a stop begins, alongside the stop signal; never delays the stop'),
        postStop: hookArgv("once the node's process is gone after a stop; a failure is recorded"),
        timeoutMs: leaf(
          K.durationMs,
          'a hook still running after this long is killed with its process group',
          {
            default: 60_000,
          },
        ),
      },
      { default: {} },
    ),
    stop: group(
      'how a node is stopped',
      {
        signal: leaf(K.signal, 'the polite stop signal', { default: 'SIGTERM' }),
        graceMs: leaf(K.durationMs, 'wait this long after the signal, then SIGKILL the process tree', {
          default: 120_000,
        }),
      },
      { default: {} },
    ),
    limits: group(
      'resource limits',
      {
        nofile: leaf(K.nofile, 'open-files limit of the child; null = inherited', {
          default: null,
          nullable: true,
        }),
        maxRssMb: leaf(K.rssMb, 'restart when resident memory stays above this (MB); null = off', {
          default: null,
          nullable: true,
        }),
        maxCpuPercent: leaf(
          K.cpuPercent,
          'restart when CPU use stays above this (% of one core); null = off',
          {
            default: null,
            nullable: true,
          },
        ),
        forSamples: leaf(K.count, 'samples in a row over a limit before the restart', { default: 3 }),
      },
      { default: {} },
    ),
    logs: group(
      'the node log <logDir>/<name>.log',
      {
        maxBytes: leaf(K.bytes, 'rotate at this size (bytes)', { default: 20 * MiB }),
        backups: leaf(K.countOrZero, 'rotated files kept', { default: 10 }),
        compress: leaf(K.boolean, 'gzip rotated files', { default: false }),
      },
      { default: {} },
    ),
    probes: {
      description: 'probes by name; `height` feeds sync, others feed node info (version, peerId, peers …)',
      type: 'object',
      additionalProperties: { $ref: '#/$defs/probe' },
      default: {},
    },
    sync: group(
      'out-of-sync detection within a group of nodes of one chain',
      {
        group: leaf(K.nonEmptyString, 'nodes of one chain are compared with each other (default: node name)'),
        minHealthy: leaf(K.nodesOrZero, 'the manager never takes the group below this many running nodes', {
          default: 1,
        }),
        reference: {
          description: "extra probes giving the network's tip (explorer, pool tool)",
          type: 'array',
          items: { $ref: '#/$defs/probe' },
          default: [],
        },
        maxLag: leaf(K.blocks, 'blocks behind the group (or reference) tip that count as out of sync', {
          default: 10,
        }),
        windowMs: leaf(K.durationMs, 'lagging this long makes a node out of sync', { default: 300_000 }),
        stallMs: leaf(K.durationMs, 'no new block for this long makes a node out of sync', {
          default: 600_000,
        }),
        startupGraceMs: leaf(K.durationMsOrZero, 'no sync verdict this long after a start', {
          default: 120_000,
        }),
      },
      { default: {} },
    ),
    files: {
      description: 'config files rendered for the node before every start: {path, json} or {path, template}',
      type: 'array',
      items: file,
      default: [],
    },
  };
}

/** Keys that may not appear in a profile / an override, with the reason given. */
export const NOT_IN_PROFILE = ['instances', 'profiles', 'overrides', 'dependsOn'] as const;
export const NOT_IN_OVERRIDE = ['instances', 'overrides'] as const;

/** Groups of settings kept once under `$defs` (every node, profile and override refers to them). */
const SHARED_GROUPS = ['restart', 'stop', 'limits', 'logs', 'sync'] as const;

/** runProperties() with the shared groups as references: `{"$ref": "#/$defs/restart", "default": {}}`. */
function sharedProperties(): Record<string, JsonSchema> {
  const props = runProperties();
  for (const k of SHARED_GROUPS) props[k] = { $ref: `#/$defs/${k}`, default: {} };
  return props;
}

/** Shared parts, referred to as `#/$defs/<name>`. */
function defs(): Record<string, JsonSchema> {
  const full = runProperties();
  const groups = Object.fromEntries(
    SHARED_GROUPS.map((k) => {
      const { default: _default, ...body } = full[k]!;
      return [k, body];
    }),
  );
  return {
    ...groups,
    probe: probe('one probe'),
    profile: group(
      'settings merged on top of the node config while this profile is active',
      sharedProperties(),
    ),
    override: group('settings of this instance only, merged on top of the node config', {
      ...sharedProperties(),
      profiles: {
        description: 'profiles of this instance',
        type: 'object',
        additionalProperties: { $ref: '#/$defs/profile' },
        default: {},
      },
    }),
  };
}

/** A node config's keys (template.json and nodes/*.json share them). */
function nodeProperties(): Record<string, JsonSchema> {
  return {
    $schema: SCHEMA_KEY,
    ...sharedProperties(),
    instances: leaf(K.instances, 'replicas of this node file, named <file>-1 … <file>-N', { default: 1 }),
    profiles: {
      description: 'profiles by name (e.g. fallback): settings merged on top while that profile is active',
      type: 'object',
      additionalProperties: { $ref: '#/$defs/profile' },
      default: {},
    },
    overrides: {
      description: 'per-instance settings by instance index ("1", "2", …), merged on top for that instance',
      type: 'object',
      patternProperties: { '^[1-9][0-9]*$': { $ref: '#/$defs/override' } },
      additionalProperties: false,
      default: {},
    },
  };
}

function nodeSchema(description: string): JsonSchema {
  return {
    $schema: DRAFT,
    ...group(
      `${description}; durations take milliseconds (…Ms) or seconds (…Seconds), or a string such as "90s"`,
      nodeProperties(),
    ),
    $defs: defs(),
  };
}

/** A copy without `required`: one file holds part of a node config (the rest may come from the other). */
function partial(v: unknown): unknown {
  if (Array.isArray(v)) return v.map(partial);
  if (typeof v !== 'object' || v === null) return v;
  const out: Record<string, unknown> = {};
  for (const [k, x] of Object.entries(v)) if (!(k === 'required' && Array.isArray(x))) out[k] = partial(x);
  return out;
}

/**
 * The schema of one file kind, as shipped under schema/ (plain JSON). Each
 * file may hold part of a node config, so nothing is required in it; the
 * merged config must have binary, dataDir and each probe's type.
 */
export function nodeFileSchema(kind: 'template' | 'node'): JsonSchema {
  const schema = nodeSchema(
    kind === 'template'
      ? 'template.json: settings every node file starts from (binary and dataDir are needed here or in each node file)'
      : 'nodes/<name>.json: one node file, merged on top of template.json',
  );
  return {
    title: `nodewarden ${kind === 'template' ? 'template.json' : 'node file'}`,
    ...(partial(schema) as JsonSchema),
  };
}

/** What the validator checks: template.json merged with a node file, which must name binary and dataDir. */
export const mergedNodeSchema: JsonSchema = {
  ...nodeSchema('a node config: template.json merged with a node file'),
  required: ['binary', 'dataDir'],
};

/** The per-node settings that have a default in DESIGN §1 (everything but identity, paths and the sync group). */
export type RunDefaults = Pick<
  NodeSpec,
  | 'args'
  | 'env'
  | 'user'
  | 'group'
  | 'autostart'
  | 'priority'
  | 'shed'
  | 'dependsOn'
  | 'restart'
  | 'stop'
  | 'hooks'
  | 'limits'
  | 'logs'
  | 'probes'
  | 'files'
> & { readonly sync: Omit<NodeSpec['sync'], 'group'> };
