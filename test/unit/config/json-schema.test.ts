import { describe, test } from 'node:test';
import assert from 'node:assert/strict';
import fs from 'node:fs';
import path from 'node:path';
import { Ajv2020 } from 'ajv/dist/2020.js';
import { configSchema, FORMAT_KINDS, schemaFiles, SCHEMA_KINDS } from '../../../src/config/config-schemas.js';
import { durationIn } from '../../../src/config/checks.js';
import { deref, leafInfo, type JsonSchema } from '../../../src/config/json-schema.js';
import { loadConfig } from '../../../src/config/load.js';
import { isPlainObject } from '../../../src/config/merge.js';
import { mergedNodeSchema } from '../../../src/config/node-schema.js';
import { DURATION_FORMATS, FORMAT_CHECKS, managerSchema } from '../../../src/config/schema.js';
import { MemorySecrets } from '../../../src/config/secrets.js';
import { assertIssue, configDirMaker, expectIssues } from './fixture.js';

/**
 * The JSON Schemas of the config files: the shipped schema/ files are what the
 * code generates, they accept the shipped configs, every duration key takes a
 * duration string, and the schema decides what the node validator accepts.
 */

const ROOT = path.resolve(new URL('../../../../', import.meta.url).pathname);
const dirWith = configDirMaker();
const load = (dir: string) => loadConfig(dir, { secrets: new MemorySecrets() });

function shipped(kind: string): JsonSchema {
  return JSON.parse(fs.readFileSync(path.join(ROOT, 'schema', `${kind}.schema.json`), 'utf8')) as JsonSchema;
}

describe('schema files', () => {
  test('schema/*.json are exactly what the code generates (run scripts/write-schemas.mjs after a change)', () => {
    const files = schemaFiles();
    assert.deepEqual(Object.keys(files).sort(), SCHEMA_KINDS.map((k) => `${k}.schema.json`).sort());
    for (const [name, text] of Object.entries(files)) {
      assert.equal(fs.readFileSync(path.join(ROOT, 'schema', name), 'utf8'), text, `schema/${name} is stale`);
    }
  });

  test('the shipped configs and fixtures validate against the shipped schema files (plain ajv)', () => {
    const ajv = new Ajv2020({ allErrors: true, strict: false });
    const validators = Object.fromEntries(SCHEMA_KINDS.map((k) => [k, ajv.compile(shipped(k))]));
    const checked: string[] = [];
    for (const dir of ['configs', 'test/fixtures/configs/example']) {
      const files: [string, string][] = [
        [path.join(dir, 'nodewarden.json'), 'nodewarden'],
        [path.join(dir, 'template.json'), 'template'],
        ...fs
          .readdirSync(path.join(ROOT, dir, 'nodes'))
          .map((f): [string, string] => [path.join(dir, 'nodes', f), 'node']),
      ];
      for (const [rel, kind] of files) {
        const value: unknown = JSON.parse(fs.readFileSync(path.join(ROOT, rel), 'utf8'));
        const validate = validators[kind]!;
        assert.ok(validate(value), `${rel}: ${JSON.stringify(validate.errors, null, 1)}`);
        checked.push(rel);
      }
    }
    assert.ok(checked.length >= 8, checked.join(', '));
  });

  test('the shipped schema files refuse what the validator refuses', () => {
    const ajv = new Ajv2020({ allErrors: true, strict: false });
    const node = ajv.compile(shipped('node'));
    const manager = ajv.compile(shipped('nodewarden'));
    assert.equal(node({ stop: { graceMs: '2 minutes' } }), false);
    assert.equal(node({ stop: { gracems: 1 } }), false);
    assert.equal(node({ overrides: { '0': { priority: 1 } } }), false);
    assert.equal(node({ overrides: { '2': { instances: 2 } } }), false);
    assert.equal(node({ profiles: { fallback: { instances: 2 } } }), false);
    assert.equal(node({ restart: { startSeconds: 0 } }), false);
    assert.equal(node({ limits: { nofile: 2 ** 31 } }), false);
    assert.equal(manager({ sampling: { intervalMs: '5 s' } }), false);
    assert.equal(manager({ retention: { eventsDays: 5000 } }), false);
    assert.equal(manager({ logs: { timestamps: 'yes' } }), false);
    // ...and accept durations, $schema and the new keys.
    assert.ok(
      node({
        $schema: '../schema/node.schema.json',
        stop: { graceMs: '2m' },
        restart: { startSeconds: '500ms', stableSeconds: 90 },
        'args+': ['--x'],
        overrides: {
          '2': { args: ['--y'], probes: { h: { type: 'tcp', url: 'tcp://h:1', intervalMs: '5s' } } },
        },
        env: { PORT: '{{add 9000 index}}' },
        priority: '{{add 1 index}}',
      }),
      JSON.stringify(node.errors),
    );
    assert.ok(
      manager({
        $schema: '../schema/nodewarden.schema.json',
        sampling: { intervalMs: '5s' },
        logs: { timestamps: false },
      }),
      JSON.stringify(manager.errors),
    );
  });

  test('every key has a description; every setting with a default states it', () => {
    const missing: string[] = [];
    for (const kind of SCHEMA_KINDS) {
      const root = configSchema(kind);
      const walk = (s: JsonSchema, at: string): void => {
        const node = deref(s, root)!;
        if (typeof s.description !== 'string' && typeof node.description !== 'string') missing.push(at);
        for (const [k, c] of Object.entries((node.properties ?? {}) as Record<string, JsonSchema>))
          walk(c, `${at}.${k}`);
      };
      walk(root, kind);
      for (const [name, d] of Object.entries((root.$defs ?? {}) as Record<string, JsonSchema>))
        walk(d, `${kind}#${name}`);
    }
    assert.deepEqual(missing, []);
    const m = configSchema('nodewarden').properties as Record<string, JsonSchema>;
    assert.equal((m.logs!.properties as Record<string, JsonSchema>).timestamps!.default, true);
    const n = mergedNodeSchema.properties as Record<string, JsonSchema>;
    const group = (k: string): Record<string, JsonSchema> =>
      deref(n[k], mergedNodeSchema)!.properties as Record<string, JsonSchema>;
    assert.equal(group('stop').graceMs!.default, 120_000);
    assert.equal(group('logs').timestamps, undefined, "arrival stamps are the manager's setting");
  });
});

describe('nodewarden.json schema and convict agree', () => {
  const SAMPLES: unknown[] = [
    0,
    1,
    -1,
    1.5,
    50,
    100,
    101,
    65535,
    70000,
    1e15,
    '',
    'x',
    'info',
    '5000',
    '90s',
    '2 minutes',
    null,
    true,
    [],
    ['crashed'],
    ['nope'],
    ['a.example'],
    ['http://a'],
    [''],
    {},
    [{ url: 'http://h' }],
    [{ url: 'ftp://h' }],
    [{ url: 'http://h', timeoutMs: '3s' }],
    [{ url: 'http://h', extra: 1 }],
  ];

  test('every setting: the JSON Schema accepts a value exactly when the loader does', () => {
    const ajv = new Ajv2020({ allErrors: true, strict: false });
    const props = configSchema('nodewarden');
    const disagree: string[] = [];
    const walk = (conv: Record<string, unknown>, schema: JsonSchema, at: string): void => {
      for (const [k, v] of Object.entries(conv)) {
        if (!isPlainObject(v)) continue;
        const s = (schema.properties as Record<string, JsonSchema>)[k]!;
        const key = at === '' ? k : `${at}.${k}`;
        if (!('format' in v && 'default' in v)) {
          walk(v, s, key);
          continue;
        }
        const format = v.format as string;
        assert.ok(FORMAT_KINDS[format], `${key}: ${format}`);
        const validate = ajv.compile(JSON.parse(JSON.stringify(s)) as JsonSchema);
        const unit = DURATION_FORMATS[format];
        for (const sample of [v.default, ...SAMPLES]) {
          let given = unit ? durationIn(sample, unit) : sample;
          if (format === 'nw-webhooks' && Array.isArray(given))
            given = given.map((w: unknown) =>
              isPlainObject(w) && 'timeoutMs' in w ? { ...w, timeoutMs: durationIn(w.timeoutMs, 'ms') } : w,
            );
          const byConvict = FORMAT_CHECKS[format]!(given) === null;
          const bySchema = validate(sample) === true;
          if (byConvict !== bySchema)
            disagree.push(`${key} ${JSON.stringify(sample)}: loader ${byConvict}, schema ${bySchema}`);
        }
      }
    };
    walk(managerSchema, props, '');
    assert.deepEqual(disagree, []);
  });
});

describe('node configs through the schema', () => {
  test('the node validator accepts exactly what each leaf schema accepts', () => {
    const ajv = new Ajv2020({ allErrors: true, strict: false });
    const SAMPLES: unknown[] = [
      0,
      1,
      -1,
      1.5,
      255,
      256,
      65536,
      1e15,
      '',
      'x',
      'SIGTERM',
      'SIGNOPE',
      'http',
      '90s',
      null,
      true,
      [],
      ['a'],
      [1],
      {},
      { a: 'b' },
      { a: 1 },
    ];
    const disagree: string[] = [];
    const seen = new Set<unknown>();
    const walk = (s: JsonSchema, at: string): void => {
      const node = deref(s, mergedNodeSchema)!;
      const info = leafInfo(node);
      if (info) {
        if (seen.has(info.kind) && !info.nullable) return;
        seen.add(info.kind);
        const validate = ajv.compile(JSON.parse(JSON.stringify(node)) as JsonSchema);
        for (const sample of SAMPLES) {
          const given = info.kind.unit ? durationIn(sample, info.kind.unit) : sample;
          const byCheck = (info.nullable && given === null) || info.kind.check(given) === null;
          if (byCheck !== validate(sample))
            disagree.push(`${at} ${JSON.stringify(sample)}: check says ${byCheck}`);
        }
        return;
      }
      for (const [k, c] of Object.entries((node.properties ?? {}) as Record<string, JsonSchema>))
        walk(c, `${at}.${k}`);
      if (isPlainObject(node.additionalProperties)) walk(node.additionalProperties, `${at}.*`);
      if (isPlainObject(node.items)) walk(node.items, `${at}.*`);
    };
    walk(mergedNodeSchema, '');
    assert.deepEqual(disagree, []);
  });

  test('every duration key takes a duration string in its own unit', () => {
    const dir = dirWith({
      'nodewarden.json': {
        $schema: '../schema/nodewarden.schema.json',
        sampling: { intervalMs: '5s' },
        startup: { intervalMs: '250ms' },
        alerts: { throttleSeconds: '15m', webhooks: [{ url: 'http://127.0.0.1:1/x', timeoutMs: '3s' }] },
      },
      'nodes/geth.json': {
        $schema: '../schema/node.schema.json',
        stop: { graceMs: '2m' },
        restart: {
          startSeconds: '500ms',
          stableSeconds: '2m',
          fatalRetryMs: '1h',
          backoffMs: '1.5s',
          backoffMaxMs: '1m',
        },
        probes: { h: { type: 'tcp', url: 'tcp://127.0.0.1:1', intervalMs: '10s', timeoutMs: '2s' } },
        sync: {
          windowMs: '5m',
          stallMs: '10m',
          startupGraceMs: '0ms',
          reference: [{ type: 'tcp', host: 'h', port: 1, intervalMs: '1m' }],
        },
      },
    });
    const { manager, nodes } = load(dir);
    assert.equal(manager.sampling.intervalMs, 5000);
    assert.equal(manager.startup.intervalMs, 250);
    assert.equal(manager.alerts.throttleSeconds, 900);
    assert.equal(manager.alerts.webhooks[0]!.timeoutMs, 3000);
    const [n] = nodes;
    assert.ok(n);
    assert.equal(n.stop.graceMs, 120_000);
    assert.equal(n.restart.startSeconds, 0.5);
    assert.equal(n.restart.stableSeconds, 120);
    assert.equal(n.restart.fatalRetryMs, 3_600_000);
    assert.equal(n.restart.backoffMs, 1500);
    assert.equal(n.restart.backoffMaxMs, 60_000);
    assert.equal(n.probes.h!.intervalMs, 10_000);
    assert.equal(n.probes.h!.timeoutMs, 2000);
    assert.equal(n.sync.windowMs, 300_000);
    assert.equal(n.sync.stallMs, 600_000);
    assert.equal(n.sync.startupGraceMs, 0);
    assert.equal(n.sync.reference[0]!.intervalMs, 60_000);
  });

  test('a bad duration names the key and the value as written; bounds apply after conversion', () => {
    const issues = expectIssues(
      dirWith({
        'nodewarden.json': { sampling: { intervalMs: '5 seconds' }, alerts: { throttleSeconds: '31d' } },
        'nodes/geth.json': {
          stop: { graceMs: '2 minutes' },
          restart: { backoffMs: '31d', startSeconds: 'soon' },
        },
      }),
    );
    const grace = assertIssue(
      issues,
      'nodes/geth.json',
      'stop.graceMs',
      /^must be a positive integer \(milliseconds\) or a duration such as "90s"/,
    );
    assert.equal(grace.value, '2 minutes');
    assert.equal(
      assertIssue(issues, 'nodes/geth.json', 'restart.backoffMs', /must be at most 2592000000 ms/).value,
      '31d',
    );
    assertIssue(issues, 'nodes/geth.json', 'restart.startSeconds', /\(seconds\) or a duration/);
    assert.equal(
      assertIssue(issues, 'nodewarden.json', 'sampling.intervalMs', /or a duration such as/).value,
      '5 seconds',
    );
    assertIssue(issues, 'nodewarden.json', 'alerts.throttleSeconds', /must be at most 2592000 s/);
  });

  test('templated numbers still work, durations included', () => {
    const dir = dirWith({
      'nodes/geth.json': {
        instances: 2,
        stop: { graceMs: '{{add 1000 index}}' },
        probes: { h: { type: 'tcp', host: 'h', port: '{{add 9000 index}}', intervalMs: '{{index}}s' } },
      },
    });
    const nodes = load(dir).nodes;
    assert.deepEqual(
      nodes.map((n) => [n.stop.graceMs, n.probes.h!.port, n.probes.h!.intervalMs]),
      [
        [1001, 9001, 1000],
        [1002, 9002, 2000],
      ],
    );
  });

  test("overrides and args+ validate; misplaced keys are named; logs.timestamps is the manager's", () => {
    const ok = dirWith({
      'nodes/geth.json': {
        instances: 2,
        'args+': ['--verbose'],
        overrides: { '2': { priority: 5, stop: { graceMs: '30s' }, profiles: { fallback: { shed: true } } } },
      },
    });
    assert.equal(load(ok).nodes.length, 2);
    const issues = expectIssues(
      dirWith({
        'nodes/geth.json': {
          instances: 2,
          'args+': 'x',
          logs: { timestamps: 'no' },
          overrides: { '0': {}, '2': { instances: 3, prioity: 1, stop: { graceMs: -1 } } },
          profiles: { fallback: { overrides: {} } },
        },
      }),
    );
    assertIssue(issues, 'nodes/geth.json', 'args+', /must be an array/);
    assertIssue(issues, 'nodes/geth.json', 'logs.timestamps', /unknown key/);
    assertIssue(issues, 'nodes/geth.json', 'overrides.0', /must be an instance index/);
    assertIssue(issues, 'nodes/geth.json', 'overrides.2.instances', /cannot be set in an override/);
    assertIssue(
      issues,
      'nodes/geth.json',
      'overrides.2.prioity',
      /unknown key \(did you mean "priority"\?\)/,
    );
    assertIssue(issues, 'nodes/geth.json', 'overrides.2.stop.graceMs', /must be a positive integer/);
    assertIssue(issues, 'nodes/geth.json', 'profiles.fallback.overrides', /cannot be set in a profile/);
  });

  test('$schema is accepted in every file and ignored', () => {
    const dir = dirWith({
      'nodewarden.json': { $schema: '../schema/nodewarden.schema.json' },
      'template.json': {
        $schema: '../schema/template.schema.json',
        binary: './bin/fake-node',
        dataDir: 'data/{{name}}',
      },
      'nodes/geth.json': { $schema: '../schema/node.schema.json' },
    });
    const { nodes } = load(dir);
    assert.equal(nodes.length, 1);
    assert.ok(!('$schema' in nodes[0]!));
  });
});

describe('README', () => {
  /**
   * Every setting of a schema as the README names it: `restart.backoffMs`,
   * `probes.<name>.url`, `files[].path`; a list or map of plain values
   * (`args`, `env`) is one setting, and so is a profile or override.
   */
  function settings(root: JsonSchema): string[] {
    const out: string[] = [];
    const expanded = new Set<string>();
    const leafy = (s: unknown): boolean => {
      const n = isPlainObject(s) ? deref(s, root) : undefined;
      return n !== undefined && (leafInfo(n) !== undefined || (n.type === 'string' && !n.properties));
    };
    const walk = (s: JsonSchema, key: string): void => {
      const ref = typeof s.$ref === 'string' ? s.$ref : null;
      if (ref !== null && (ref.endsWith('/profile') || ref.endsWith('/override') || expanded.has(ref)))
        return void out.push(key);
      if (ref !== null) expanded.add(ref);
      const n = deref(s, root)!;
      if (leafy(n) || leafy(n.items) || leafy(n.additionalProperties)) return void out.push(key);
      const at = (k: string): string => (key === '' ? k : `${key}.${k}`);
      for (const [k, c] of Object.entries((n.properties ?? {}) as Record<string, JsonSchema>)) walk(c, at(k));
      for (const c of Object.values((n.patternProperties ?? {}) as Record<string, JsonSchema>))
        walk(c, at('<index>'));
      if (isPlainObject(n.additionalProperties)) walk(n.additionalProperties, at('<name>'));
      if (isPlainObject(n.items)) walk(n.items, `${key}[]`);
    };
    walk(root, '');
    return out;
  }

  test("every setting of every schema is in README's key tables", () => {
    const readme = fs.readFileSync(path.join(ROOT, 'README.md'), 'utf8');
    const nodeStart = readme.indexOf('### Node keys');
    const managerStart = readme.indexOf('### Manager keys');
    const end = readme.indexOf('\n### ', managerStart + 1);
    assert.ok(nodeStart > 0 && managerStart > nodeStart && end > managerStart);
    const tableRows = (text: string): string =>
      text
        .split('\n')
        .filter((l) => l.startsWith('| `'))
        .join('\n');
    const nodeTable = tableRows(readme.slice(nodeStart, managerStart));
    const managerTable = tableRows(readme.slice(managerStart, end));
    const missing: string[] = [];
    const node = settings(mergedNodeSchema);
    const manager = settings(configSchema('nodewarden'));
    assert.ok(node.length > 50 && manager.length > 35, `${node.length} / ${manager.length}`);
    for (const k of node) if (!nodeTable.includes(`\`${k}\``)) missing.push(`node key ${k}`);
    for (const k of manager) if (!managerTable.includes(`\`${k}\``)) missing.push(`manager key ${k}`);
    // Target files: their own table; a probe's keys are those of a node's probes, listed in the node table.
    const targetStart = readme.indexOf('### Target keys');
    assert.ok(targetStart > 0, 'a Target keys section');
    const targetTable = tableRows(readme.slice(targetStart, readme.indexOf('\n### ', targetStart + 1)));
    for (const k of settings(configSchema('target'))) {
      const inProbe = k.startsWith('probes.<name>.') && nodeTable.includes(`\`${k}\``);
      if (!targetTable.includes(`\`${k}\``) && !inProbe) missing.push(`target key ${k}`);
    }
    assert.deepEqual(missing, []);
  });
});
