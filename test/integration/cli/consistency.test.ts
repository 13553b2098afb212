/**
 * One behaviour across the read verbs, through the built CLI against a real
 * daemon: node globs on events/uptime/export (and the API's `node` query), one
 * order for a verb's table and its --json, `export --json`, and whole numbers
 * in every ms/byte/count figure after a real crash/restart cycle.
 */
import { after, before, describe, test } from 'node:test';
import assert from 'node:assert/strict';
import type { NodewardenEvent } from '../../../src/events/types.js';
import type { NodeStatus, UptimeResponse } from '../../../src/protocol/types.js';
import { simArgs, startTestDaemon, waitUntil, type TestDaemon } from '../../helpers/daemon.js';

type Stored = NodewardenEvent & { id: number; ts: number };

/** Every number found in `v` with the key path leading to it. */
function numbers(v: unknown, at = ''): Array<[string, number]> {
  if (typeof v === 'number') return [[at, v]];
  if (v === null || typeof v !== 'object') return [];
  return Object.entries(v as Record<string, unknown>).flatMap(([k, x]) => numbers(x, at ? `${at}.${k}` : k));
}

/** Percentages may have fractions; every other figure (ms, bytes, counts, heights, ids) is whole. */
function assertWholeNumbers(what: string, v: unknown): void {
  for (const [key, n] of numbers(v)) {
    if (/percent$/i.test(key)) continue;
    assert.ok(Number.isInteger(n), `${what}: ${key} is ${n}, not an integer`);
  }
}

describe('read verbs: globs, one order, --json, integers', { timeout: 120_000 }, () => {
  let t: TestDaemon;
  before(async () => {
    t = await startTestDaemon({
      nodes: {
        ant: { instances: 2 },
        geth: {},
        // Crashes 1.5 s after each start: crashed (uptimeMs), backoff (delayMs), started again.
        crasher: {
          args: simArgs('--block-ms', '1000', '--crash-after', '1500'),
          restart: { maxRetries: 50 },
        },
      },
    });
    await t.waitRunning(['ant-1', 'ant-2', 'geth']);
    const crashes = async (): Promise<boolean> => {
      const r = await t.client.events({ node: 'crasher', type: 'crashed' });
      return r.events.length >= 2;
    };
    await waitUntil(crashes, 'crasher crashed twice', 30_000);
  });
  after(async () => t?.close());

  test('events --node with a glob shows only the nodes it matches; the API takes the glob too', async () => {
    const r = await t.cli(['events', '--node', 'ant-*', '--json']);
    assert.equal(r.code, 0, r.stderr);
    const nodes = new Set((JSON.parse(r.stdout) as Stored[]).map((e) => e.node));
    assert.deepEqual([...nodes].sort(), ['ant-1', 'ant-2']);
    const api = await t.client.send('GET', '/api/events?node=ant-*&type=started');
    assert.equal(api.status, 200, api.text);
    const started = (JSON.parse(api.text) as { events: Stored[] }).events;
    assert.deepEqual([...new Set(started.map((e) => e.node))].sort(), ['ant-1', 'ant-2']);
    // A plain name still works, and a removed node's history stays readable by name.
    const one = await t.cli(['events', '--node', 'geth', '--json']);
    assert.equal(one.code, 0, one.stderr);
    assert.ok((JSON.parse(one.stdout) as Stored[]).every((e) => e.node === 'geth'));
  });

  test('a glob that matches no configured node is an error on events, export and uptime, as on status', async () => {
    const status = await t.cli(['status', 'zzz-*']);
    assert.equal(status.code, 1);
    for (const args of [
      ['events', '--node', 'zzz-*'],
      ['export', 'events', '--node', 'zzz-*'],
      ['uptime', 'zzz-*'],
    ]) {
      const r = await t.cli(args);
      assert.equal(r.code, status.code, `${args.join(' ')}: ${r.stderr}`);
      assert.match(r.stderr, /zzz-\*/, args.join(' '));
      assert.match(r.stderr, /no such node/, args.join(' '));
    }
    const api = await t.client.send('GET', '/api/events?node=zzz-*');
    assert.equal(api.status, 404);
    assert.match(api.text, /E_NODE_NOT_FOUND/);
    // The glob guards of the action routes hold here too: a backtracking trap is answered at once,
    // a reversed range is bad usage (exit 2) naming the range.
    const trap = await t.cli(['events', '--node', `${'*a'.repeat(40)}!`]);
    assert.equal(trap.code, 1, trap.stderr);
    assert.match(trap.stderr, /no such node/);
    const reversed = await t.cli(['export', 'events', '--node', 'ant-[9-1]']);
    assert.equal(reversed.code, 2, reversed.stderr);
    assert.match(reversed.stderr, /range 9-1 is reversed/);
  });

  test('export --node and uptime take globs', async () => {
    const csv = await t.cli(['export', 'events', '--node', 'ant-*']);
    assert.equal(csv.code, 0, csv.stderr);
    const lines = csv.stdout.trim().split('\n').slice(1);
    assert.ok(lines.length > 0);
    assert.ok(
      lines.every((l) => /(^|,)ant-[12],/.test(l)),
      csv.stdout,
    );
    const up = await t.cli(['uptime', 'ant-*', 'geth', '--json']);
    assert.equal(up.code, 0, up.stderr);
    const rows = (JSON.parse(up.stdout) as UptimeResponse).nodes;
    assert.deepEqual(rows.map((r) => r.node).sort(), ['ant-1', 'ant-2', 'geth']);
    const missing = await t.cli(['uptime', 'geth', 'nosuch']);
    assert.equal(missing.code, 1);
    assert.match(missing.stderr, /^nosuch: ERROR \(no such node\)$/m);
    assert.match(missing.stdout, /geth/);
  });

  test('events and events --json print one order, oldest first; --limit keeps the newest', async () => {
    // ant-1, ant-2 and geth only: a fixed set (the crasher keeps adding events).
    const glob = '[ag]*';
    const all = JSON.parse((await t.cli(['events', '--node', glob, '--json'])).stdout) as Stored[];
    assert.ok(all.length >= 3, JSON.stringify(all));
    for (let i = 1; i < all.length; i++) {
      const a = all[i - 1]!;
      const b = all[i]!;
      assert.ok(a.ts < b.ts || (a.ts === b.ts && a.id < b.id), `event ${a.id} listed before ${b.id}`);
    }
    const json = JSON.parse(
      (await t.cli(['events', '--node', glob, '--limit', '2', '--json'])).stdout,
    ) as Stored[];
    assert.deepEqual(
      json.map((e) => e.id),
      all.slice(-2).map((e) => e.id),
      '--limit 2 --json: the newest two, oldest first',
    );
    const table = await t.cli(['events', '--node', glob, '--limit', '2']);
    assert.equal(table.code, 0, table.stderr);
    const rows = table.stdout
      .trim()
      .split('\n')
      .slice(1)
      .map((l) => l.split(/\s{2,}/))
      .map((cols) => `${cols[1]} ${cols[2]}`);
    assert.deepEqual(
      rows,
      json.map((e) => `${e.node} ${e.type}`),
      'the table shows the same rows in the same order',
    );
    // The API keeps newest first by default; order=asc gives the same rows oldest first.
    const q = `/api/events?node=${encodeURIComponent(glob)}&limit=2`;
    const desc = (JSON.parse((await t.client.send('GET', q)).text) as { events: Stored[] }).events;
    const asc = (JSON.parse((await t.client.send('GET', `${q}&order=asc`)).text) as { events: Stored[] })
      .events;
    assert.deepEqual(
      desc.map((e) => e.id),
      json.map((e) => e.id).reverse(),
    );
    assert.deepEqual(
      asc.map((e) => e.id),
      json.map((e) => e.id),
    );
  });

  test('uptime and uptime --json list the nodes in one order, worst first', async () => {
    const json = (JSON.parse((await t.cli(['uptime', '--json'])).stdout) as UptimeResponse).nodes;
    const pct = json.map((r) => r.uptimePercent ?? Infinity);
    assert.deepEqual(
      [...pct].sort((a, b) => a - b),
      pct,
    );
    const table = (await t.cli(['uptime'])).stdout
      .trim()
      .split('\n')
      .slice(1)
      .map((l) => l.split(/\s+/)[0]);
    assert.deepEqual(new Set(table), new Set(json.map((r) => r.node)));
  });

  test('export --json is --format json; --format csv --json is a usage error', async () => {
    const a = await t.cli(['export', 'uptime', '--json']);
    assert.equal(a.code, 0, a.stderr);
    const b = await t.cli(['export', 'uptime', '--format', 'json']);
    assert.deepEqual(
      (JSON.parse(a.stdout) as Array<{ node: string }>).map((r) => r.node).sort(),
      (JSON.parse(b.stdout) as Array<{ node: string }>).map((r) => r.node).sort(),
    );
    assert.equal((await t.cli(['export', 'uptime', '--format', 'json', '--json'])).code, 0);
    const bad = await t.cli(['export', 'events', '--format', 'csv', '--json']);
    assert.equal(bad.code, 2);
    assert.match(bad.stderr, /--json.*--format.*"csv"/);
    assert.equal(bad.stdout, '');
  });

  test('ms, byte and count figures are integers: events of a crash cycle, status --json, exports', async () => {
    const events = JSON.parse(
      (await t.cli(['events', '--node', 'crasher', '--limit', '1000', '--json'])).stdout,
    ) as Stored[];
    const crashed = events.filter((e) => e.type === 'crashed');
    assert.ok(crashed.length >= 2);
    for (const e of crashed) assert.equal(typeof e.details['uptimeMs'], 'number');
    assert.ok(events.some((e) => e.type === 'backoff' && typeof e.details['delayMs'] === 'number'));
    assertWholeNumbers('events --json', events);
    const status = JSON.parse((await t.cli(['status', '--json'])).stdout) as NodeStatus[];
    assertWholeNumbers('status --json', status);
    const api = JSON.parse(
      (await t.client.send('GET', '/api/events?node=crasher&limit=1000')).text,
    ) as unknown;
    assertWholeNumbers('GET /api/events', api);
    const exported = JSON.parse(
      (await t.cli(['export', 'events', '--node', 'crasher', '--json'])).stdout,
    ) as Array<Record<string, unknown>>;
    assert.ok(exported.length >= 2);
    assertWholeNumbers(
      'export events --json',
      exported.map((r) => ({
        ...r,
        details: typeof r['details'] === 'string' ? JSON.parse(r['details']) : r['details'],
      })),
    );
  });
});
