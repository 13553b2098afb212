import {
  anyInt,
  anyValue,
  BOUNDS,
  byteSize,
  count,
  countOrZero,
  durationMs,
  durationMsOrZero,
  durationSeconds,
  exitCode,
  httpUrl,
  instanceCount,
  intUpTo,
  isBoolean,
  isString,
  nonEmptyString,
  numberUpTo,
  oneOf,
  orNull,
  port,
  signalName,
  stringArray,
  stringMap,
  timeoutMs,
  userOrGroup,
} from './checks.js';
import { clone, isPlainObject } from './merge.js';
import { applyShape, checkKeys, type Check, type Shape } from './shape.js';
import type { NodeSpec } from './types.js';

/**
 * The keys of template.json and nodes/*.json (DESIGN §1 node-key table) with
 * their checks and defaults. Defaults that depend on the node (`cwd` = dataDir,
 * `sync.group` = name) are filled by the resolver, not here.
 */

const leaf = (check: Check, extra: { default?: unknown; required?: boolean } = {}): Shape => ({
  kind: 'leaf',
  check,
  ...extra,
});
const num = (check: Check, def?: unknown): Shape => ({ kind: 'leaf', check, default: def, coerce: 'number' });

export const PROBE_TYPES = ['http', 'jsonrpc', 'prometheus', 'command', 'tcp'] as const;

function refineProbe(
  p: Record<string, unknown>,
  report: (key: string, message: string, value?: unknown) => void,
): void {
  const type = p.type;
  if (type === 'http' || type === 'jsonrpc' || type === 'prometheus') {
    if (p.url === undefined) report('url', `is required for type "${type}"`);
    else if (typeof p.url === 'string' && httpUrl(p.url) !== null) report('url', httpUrl(p.url)!, p.url);
  }
  if (type === 'jsonrpc' && p.method === undefined) report('method', 'is required for type "jsonrpc"');
  if (type === 'prometheus' && p.metric === undefined) report('metric', 'is required for type "prometheus"');
  if (type === 'command' && p.command === undefined) report('command', 'is required for type "command"');
  if (type === 'tcp') {
    if (typeof p.url === 'string') {
      const m = /^tcp:\/\/(\[[^\]]+\]|[^:/]+):(\d+)\/?$/.exec(p.url);
      const portNo = m ? Number(m[2]) : NaN;
      if (!m || port(portNo) !== null) return report('url', 'must look like tcp://host:port', p.url);
      p.host ??= m[1]!.replace(/^\[|\]$/g, '');
      p.port ??= portNo;
    } else if (p.url === undefined && (p.host === undefined || p.port === undefined)) {
      report('', 'type "tcp" needs url (tcp://host:port) or host and port');
    }
  }
}

/** One probe (`probes.<name>` and each `sync.reference[]` entry). */
export const probeShape: Shape = {
  kind: 'object',
  fields: {
    type: leaf(oneOf(PROBE_TYPES), { required: true }),
    url: leaf(isString),
    method: leaf(nonEmptyString),
    params: leaf(anyValue),
    auth: {
      kind: 'object',
      optional: true,
      fields: { user: leaf(isString, { required: true }), pass: leaf(isString, { required: true }) },
    },
    command: leaf((v) => stringArray(v) ?? ((v as unknown[]).length > 0 ? null : 'must not be empty')),
    path: leaf(isString),
    metric: leaf(nonEmptyString),
    labels: leaf(stringMap),
    label: leaf(nonEmptyString),
    host: leaf(nonEmptyString),
    port: num(port),
    intervalMs: num(durationMs, 10_000),
    timeoutMs: num(timeoutMs, 5_000),
  },
  refine: refineProbe,
};

const fileShape: Shape = {
  kind: 'object',
  fields: {
    path: leaf(nonEmptyString, { required: true }),
    json: leaf(anyValue),
    template: leaf(nonEmptyString),
  },
  refine: (f, report) => {
    const hasJson = 'json' in f;
    const hasTemplate = 'template' in f;
    if (hasJson === hasTemplate)
      report('', hasJson ? 'has both json and template; give one' : 'needs json or template');
  },
};

const runFields: Record<string, Shape> = {
  binary: leaf(nonEmptyString, { required: true }),
  args: { kind: 'list', of: leaf(isString) },
  env: { kind: 'map', of: leaf(isString) },
  cwd: leaf(nonEmptyString),
  dataDir: leaf(nonEmptyString, { required: true }),
  user: leaf(orNull(userOrGroup), { default: null }),
  group: leaf(orNull(userOrGroup), { default: null }),
  autostart: { kind: 'leaf', check: isBoolean, default: true, coerce: 'boolean' },
  priority: num(anyInt, 100),
  shed: { kind: 'leaf', check: isBoolean, default: false, coerce: 'boolean' },
  restart: {
    kind: 'object',
    fields: {
      policy: leaf(oneOf(['always', 'on-failure', 'never']), { default: 'always' }),
      startSeconds: num(durationSeconds, 3),
      maxRetries: num(countOrZero, 5),
      fatalRetryMs: num(durationMsOrZero, 600_000),
      backoffMs: num(durationMs, 1_000),
      backoffMaxMs: num(durationMs, 60_000),
      stableSeconds: num(durationSeconds, 60),
      permanentExitCodes: { kind: 'list', of: num(exitCode) },
    },
    refine: (r, report) => {
      const { backoffMs: lo, backoffMaxMs: hi } = r;
      if (typeof lo === 'number' && typeof hi === 'number' && hi < lo) {
        report('backoffMaxMs', `must be >= restart.backoffMs (${lo})`, hi);
      }
    },
  },
  stop: {
    kind: 'object',
    fields: { signal: leaf(signalName, { default: 'SIGTERM' }), graceMs: num(durationMs, 120_000) },
  },
  limits: {
    kind: 'object',
    fields: {
      nofile: num(orNull(intUpTo(1, BOUNDS.nofile)), null),
      maxRssMb: num(orNull(numberUpTo(BOUNDS.rssMb, 'MB', '16 TiB')), null),
      maxCpuPercent: num(orNull(numberUpTo(BOUNDS.cpuPercent, '%', '1000 cores')), null),
      forSamples: num(count, 3),
    },
  },
  logs: {
    kind: 'object',
    fields: {
      maxBytes: num(byteSize, 20 * 1024 * 1024),
      backups: num(countOrZero, 10),
      compress: { kind: 'leaf', check: isBoolean, default: false, coerce: 'boolean' },
    },
  },
  probes: { kind: 'map', of: probeShape },
  sync: {
    kind: 'object',
    fields: {
      group: leaf(nonEmptyString),
      minHealthy: num(intUpTo(0, BOUNDS.nodes), 1),
      reference: { kind: 'list', of: probeShape },
      maxLag: num(intUpTo(0, BOUNDS.blocks, 'blocks'), 10),
      windowMs: num(durationMs, 300_000),
      stallMs: num(durationMs, 600_000),
      startupGraceMs: num(durationMsOrZero, 120_000),
    },
  },
  files: { kind: 'list', of: fileShape },
};

/** What a profile may override: every node key except `instances` and `profiles`. */
export const overrideShape: Shape = { kind: 'object', fields: runFields };

const profilesShape: Shape = {
  kind: 'custom',
  apply: (v, key, ctx) => {
    if (v === undefined) return {};
    if (!isPlainObject(v)) return (ctx.problems.push({ key, message: 'must be an object', value: v }), {});
    for (const [name, p] of Object.entries(v)) {
      const at = `${key}.${name}`;
      if (!isPlainObject(p)) ctx.problems.push({ key: at, message: 'must be an object', value: p });
      else {
        for (const k of ['instances', 'profiles']) {
          if (k in p) ctx.problems.push({ key: `${at}.${k}`, message: 'cannot be set in a profile' });
        }
        const { instances: _i, profiles: _p, ...rest } = p;
        checkKeys(overrideShape, rest, at, ctx.problems);
      }
    }
    return clone(v);
  },
};

/** A whole node config: template.json merged with one nodes/*.json. */
export const nodeShape: Shape = {
  kind: 'object',
  fields: {
    ...runFields,
    // Not coerced: the count is read before interpolation, so a template here could not be honoured.
    instances: leaf(instanceCount, { default: 1 }),
    profiles: profilesShape,
  },
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
  | 'restart'
  | 'stop'
  | 'limits'
  | 'logs'
  | 'probes'
  | 'files'
> & { readonly sync: Omit<NodeSpec['sync'], 'group'> };

/**
 * The settings a node gets when its config leaves them out, read from the same
 * shape the loader applies, so code that needs a spec for something that has
 * no config (a survivor of a removed node) cannot drift from DESIGN's defaults.
 */
export function runDefaults(): RunDefaults {
  // binary and dataDir are required and have no default: their problems are expected and dropped.
  const ctx = { problems: [], templated: { has: () => false } };
  return applyShape(overrideShape, {}, '', ctx) as RunDefaults;
}
