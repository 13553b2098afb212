import { describe, test } from 'node:test';
import assert from 'node:assert/strict';
import { BOUNDS } from '../../../src/config/checks.js';
import { formatIssue } from '../../../src/config/issues.js';
import { loadConfig } from '../../../src/config/load.js';
import { deref, leafInfo, type JsonSchema } from '../../../src/config/json-schema.js';
import { mergedNodeSchema } from '../../../src/config/node-schema.js';
import { FORMAT_CHECKS, managerSchema } from '../../../src/config/schema.js';
import { MemorySecrets } from '../../../src/config/secrets.js';
import type { Check } from '../../../src/config/shape.js';
import { isPlainObject } from '../../../src/config/merge.js';
import { assertIssue, configDirMaker, expectIssues } from './fixture.js';

const dirWith = configDirMaker();
const load = (dir: string) => loadConfig(dir, { secrets: new MemorySecrets() });

/** `{a: {b: v}}` from `a.b`. */
function nest(key: string, v: unknown): Record<string, unknown> {
  return key
    .split('.')
    .reverse()
    .reduce<unknown>((acc, k) => ({ [k]: acc }), v) as Record<string, unknown>;
}

/** Node keys, their bound, and what the message names. */
const NODE_BOUNDS: [key: string, max: number, says: RegExp][] = [
  ['restart.startSeconds', BOUNDS.durationSeconds, /at most 2592000 s \(30 days\)/],
  ['restart.stableSeconds', BOUNDS.durationSeconds, /at most 2592000 s \(30 days\)/],
  ['restart.maxRetries', BOUNDS.count, /at most 1000$/],
  ['restart.fatalRetryMs', BOUNDS.durationMs, /at most 2592000000 ms \(30 days\)/],
  ['restart.backoffMaxMs', BOUNDS.durationMs, /at most 2592000000 ms/],
  ['stop.graceMs', BOUNDS.durationMs, /at most 2592000000 ms \(30 days\)/],
  ['limits.nofile', BOUNDS.nofile, /at most 1073741824$/],
  ['limits.maxRssMb', BOUNDS.rssMb, /at most 16777216 MB \(16 TiB\)/],
  ['limits.maxCpuPercent', BOUNDS.cpuPercent, /at most 100000 %/],
  ['limits.forSamples', BOUNDS.count, /at most 1000$/],
  ['logs.maxBytes', BOUNDS.bytes, /at most 1099511627776 bytes \(1 TiB\)/],
  ['logs.backups', BOUNDS.count, /at most 1000$/],
  ['sync.minHealthy', BOUNDS.nodes, /at most 10000$/],
  ['sync.maxLag', BOUNDS.blocks, /at most 1000000000 blocks/],
  ['sync.windowMs', BOUNDS.durationMs, /at most 2592000000 ms/],
  ['sync.stallMs', BOUNDS.durationMs, /at most 2592000000 ms/],
  ['sync.startupGraceMs', BOUNDS.durationMs, /at most 2592000000 ms/],
  ['probes.height.intervalMs', BOUNDS.durationMs, /at most 2592000000 ms/],
  ['probes.height.timeoutMs', BOUNDS.timeoutMs, /at most 3600000 ms \(1 hour\)/],
  ['instances', BOUNDS.instances, /at most 1000$/],
];

const MANAGER_BOUNDS: [key: string, max: number, says: RegExp][] = [
  ['log.maxBytes', BOUNDS.bytes, /at most 1099511627776 bytes/],
  ['log.backups', BOUNDS.count, /at most 1000$/],
  ['sampling.intervalMs', BOUNDS.durationMs, /at most 2592000000 ms \(30 days\)/],
  ['startup.concurrency', BOUNDS.nodes, /at most 10000$/],
  ['startup.intervalMs', BOUNDS.durationMs, /at most 2592000000 ms/],
  ['pressure.samples', BOUNDS.count, /at most 1000$/],
  ['alerts.throttleSeconds', BOUNDS.durationSeconds, /at most 2592000 s \(30 days\)/],
  ['retention.eventsDays', BOUNDS.retentionDays, /at most 3650 days \(10 years\)/],
  ['retention.samplesDays', BOUNDS.retentionDays, /at most 3650 days/],
  ['retention.maxEvents', BOUNDS.events, /at most 100000000$/],
];

const PROBE = { type: 'tcp', url: 'tcp://127.0.0.1:9' };

/** A node file setting `key` to `v` (the probe keys need a probe around them). */
function nodeFileWith(key: string, v: unknown): Record<string, unknown> {
  if (key.startsWith('probes.height.'))
    return { probes: { height: { ...PROBE, [key.split('.').pop()!]: v } } };
  return nest(key, v);
}

describe('config bounds', () => {
  for (const [key, max, says] of NODE_BOUNDS) {
    test(`node key ${key}: ${max} is accepted, ${max + 1} is rejected naming the bound`, () => {
      const over = expectIssues(dirWith({ 'nodes/a.json': nodeFileWith(key, max + 1) }));
      const found = assertIssue(over, 'nodes/a.json', key, says);
      assert.equal(found.value, max + 1);
      if (key === 'instances') return; // a full-size fleet is loaded below
      const spec = load(dirWith({ 'nodes/a.json': nodeFileWith(key, max) })).nodes[0]!;
      const value = key.split('.').reduce<unknown>((o, k) => (o as Record<string, unknown>)[k], spec);
      assert.equal(value, max);
    });
  }

  for (const [key, max, says] of MANAGER_BOUNDS) {
    test(`manager key ${key}: ${max} is accepted, ${max + 1} is rejected naming the bound`, () => {
      const over = expectIssues(dirWith({ 'nodewarden.json': nest(key, max + 1) }));
      assert.equal(assertIssue(over, 'nodewarden.json', key, says).value, max + 1);
      const m = load(dirWith({ 'nodewarden.json': nest(key, max) })).manager;
      const value = key.split('.').reduce<unknown>((o, k) => (o as Record<string, unknown>)[k], m);
      assert.equal(value, max);
    });
  }

  test('a webhook timeout over an hour is rejected with the entry, the value and the bound', () => {
    const issues = expectIssues(
      dirWith({
        'nodewarden.json': { alerts: { webhooks: [{ url: 'http://127.0.0.1:9/h', timeoutMs: 3_600_001 }] } },
      }),
    );
    assertIssue(issues, 'nodewarden.json', 'alerts.webhooks.0.timeoutMs', /at most 3600000 ms \(1 hour\)/);
  });

  test('stop.graceMs 3000000000 is shown as file, key, bound and value', () => {
    const [i] = expectIssues(dirWith({ 'nodes/geth.json': { stop: { graceMs: 3_000_000_000 } } }));
    assert.equal(
      formatIssue(i!, ''),
      'nodes/geth.json: stop.graceMs: must be at most 2592000000 ms (30 days) (3000000000)',
    );
  });

  test('a bound set in template.json is blamed on template.json, once for all instances', () => {
    const issues = expectIssues(
      dirWith({
        'template.json': {
          binary: './bin/fake-node',
          dataDir: 'data/{{name}}',
          restart: { fatalRetryMs: 1e10 },
        },
        'nodes/a.json': { instances: 3 },
      }),
    );
    assert.equal(issues.length, 1, JSON.stringify(issues));
    assertIssue(issues, 'template.json', 'restart.fatalRetryMs', /at most 2592000000 ms/);
  });

  test('instances: 20000 is an error, not one silent node', () => {
    const issues = expectIssues(dirWith({ 'nodes/ant.json': { instances: 20_000 } }));
    assert.equal(issues.length, 1, JSON.stringify(issues));
    assert.equal(assertIssue(issues, 'nodes/ant.json', 'instances', /must be at most 1000$/).value, 20_000);
  });

  test('instances works up to the bound: 1000 nodes ant-1 … ant-1000', () => {
    const nodes = load(
      dirWith({ 'nodes/ant.json': { instances: 1000, args: ['--port', '{{add 12000 index}}'] } }),
    ).nodes;
    assert.equal(nodes.length, 1000);
    assert.equal(nodes[999]!.name, 'ant-1000');
    assert.deepEqual(nodes[999]!.args, ['--port', '13000']);
  });

  test('instances given as a template is an error (the count is needed before interpolation)', () => {
    const issues = expectIssues(dirWith({ 'nodes/ant.json': { instances: '{{add 1 2}}' } }));
    assertIssue(issues, 'nodes/ant.json', 'instances', /must be a positive integer/);
  });

  test('a bound is a bound on templated numbers too', () => {
    const issues = expectIssues(
      dirWith({ 'nodes/a.json': { stop: { graceMs: '{{add 3000000000 index}}' } } }),
    );
    assert.equal(
      assertIssue(issues, 'nodes/a.json', 'stop.graceMs', /at most 2592000000 ms/).value,
      3_000_000_001,
    );
  });
});

/** Keys that are durations or counts by their name. */
const BOUNDED_NAME =
  /(Ms|Seconds|Days|Retries|Samples|samples|backups|concurrency|minHealthy|maxLag|maxEvents|maxBytes|instances|nofile|maxRssMb|maxCpuPercent)$/;

function nodeLeaves(schema: JsonSchema, prefix: string, out: [string, Check][]): void {
  const node = deref(schema, mergedNodeSchema)!;
  const info = leafInfo(node);
  if (info) return void out.push([prefix, info.kind.check]);
  const at = (k: string): string => (prefix === '' ? k : `${prefix}.${k}`);
  for (const [k, s] of Object.entries((node.properties ?? {}) as Record<string, JsonSchema>))
    nodeLeaves(s, at(k), out);
  if (isPlainObject(node.additionalProperties)) nodeLeaves(node.additionalProperties, at('*'), out);
  if (isPlainObject(node.items)) nodeLeaves(node.items, at('*'), out);
}

function managerLeaves(node: Record<string, unknown>, prefix: string, out: [string, Check][]): void {
  for (const [k, v] of Object.entries(node)) {
    const key = prefix === '' ? k : `${prefix}.${k}`;
    if (isPlainObject(v) && !('default' in v)) managerLeaves(v, key, out);
    else if (isPlainObject(v)) out.push([key, FORMAT_CHECKS[v.format as string]!]);
  }
}

describe('every duration and count has a maximum', () => {
  test('each such key of both schemas rejects an absurd value with "must be at most"', () => {
    const leaves: [string, Check][] = [];
    nodeLeaves(mergedNodeSchema, '', leaves);
    managerLeaves(managerSchema, '', leaves);
    const bounded = leaves.filter(([k]) => BOUNDED_NAME.test(k));
    assert.ok(bounded.length >= 30, `found ${bounded.length} keys`);
    const unbounded = bounded.filter(([, check]) => !/must be at most/.test(check(1e15) ?? ''));
    assert.deepEqual(
      unbounded.map(([k]) => k),
      [],
    );
  });
});
