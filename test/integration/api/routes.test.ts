/**
 * The control API in process (fastify `inject`) against a real daemon of
 * simulated nodes: every route, its input validation and its error replies.
 */
import { after, before, describe, test } from 'node:test';
import assert from 'node:assert/strict';
import type { FastifyInstance } from 'fastify';
import { buildApp } from '../../../src/api/app.js';
import {
  PROTOCOL_HEADER,
  PROTOCOL_VERSION,
  type ActionResponse,
  type NodeStatus,
} from '../../../src/protocol/types.js';
import { isAlive } from '../../../src/supervisor/proc.js';
import { simArgs, startTestDaemon, type TestDaemon } from '../../helpers/daemon.js';
import { UPTIME_EXPORT_COLUMNS } from '../../helpers/uptime-export.js';

describe('control API routes (in process)', { timeout: 120_000 }, () => {
  let t: TestDaemon;
  let app: FastifyInstance;
  before(async () => {
    t = await startTestDaemon({
      nodes: {
        a: {},
        b: { instances: 2 },
        // exits 3 at once; 3 is permanent: straight to fatal, never retried
        broken: {
          autostart: false,
          args: simArgs('--exit-at-start', '3'),
          // A start window far longer than a busy host needs to boot it: it must never count as started.
          restart: { permanentExitCodes: [3], fatalRetryMs: 0, startSeconds: 60 },
        },
      },
    });
    app = buildApp(t.daemon);
    await t.waitRunning(['a', 'b-1', 'b-2']);
  });
  after(async () => {
    await app?.close();
    await t?.close();
  });

  const get = (url: string) => app.inject({ method: 'GET', url });
  const post = (url: string, payload?: unknown) =>
    app.inject({ method: 'POST', url, ...(payload === undefined ? {} : { payload: payload as object }) });
  const errorOf = (r: { json(): unknown }) =>
    (r.json() as { error: { code: string; message: string } }).error;

  test('GET /api/hello answers the protocol version, and every reply carries the protocol header', async () => {
    const r = await get('/api/hello');
    assert.equal(r.statusCode, 200);
    assert.equal(r.json().protocol, PROTOCOL_VERSION);
    assert.match(r.json().version, /^\d+\.\d+\.\d+/);
    assert.equal(r.headers[PROTOCOL_HEADER], String(PROTOCOL_VERSION));
    assert.equal((await get('/api/nope')).headers[PROTOCOL_HEADER], String(PROTOCOL_VERSION));
  });

  test('a request from another protocol version is refused with E_PROTOCOL_MISMATCH', async () => {
    const r = await app.inject({ method: 'GET', url: '/api/status', headers: { [PROTOCOL_HEADER]: '999' } });
    assert.equal(r.statusCode, 400);
    assert.equal(errorOf(r).code, 'E_PROTOCOL_MISMATCH');
    assert.match(errorOf(r).message, /v1.*v999/);
  });

  test('GET /api/status lists every node in config order; GET /api/nodes/:name one of them', async () => {
    const rows = (await get('/api/status')).json() as NodeStatus[];
    assert.deepEqual(
      rows.map((s) => [s.name, s.state]),
      [
        ['a', 'running'],
        ['b-1', 'running'],
        ['b-2', 'running'],
        ['broken', 'stopped'],
      ],
    );
    const one = await get('/api/nodes/b-2');
    assert.equal(one.statusCode, 200);
    assert.equal((one.json() as NodeStatus).pid, t.pid('b-2'));
  });

  test('an unknown node is 404 E_NODE_NOT_FOUND; a malformed name 400 E_BAD_REQUEST; an unknown route 404', async () => {
    const missing = await get('/api/nodes/zz');
    assert.equal(missing.statusCode, 404);
    assert.deepEqual(missing.json(), {
      error: { code: 'E_NODE_NOT_FOUND', message: 'no such node: "zz"', details: { node: 'zz' } },
    });
    assert.equal((await post('/api/nodes/zz/start')).statusCode, 404);
    assert.equal((await get('/api/logs/zz')).statusCode, 404);
    const bad = await get('/api/nodes/-bad');
    assert.equal(bad.statusCode, 400);
    assert.equal(errorOf(bad).code, 'E_BAD_REQUEST');
    assert.match(errorOf(bad).message, /^params\.name: must match pattern/);
    const route = await get('/api/nope');
    assert.equal(route.statusCode, 404);
    assert.equal(errorOf(route).code, 'E_BAD_REQUEST');
  });

  test('action bodies are validated: every problem named, unknown keys refused', async () => {
    const cases: Array<[string, unknown, RegExp]> = [
      ['/api/actions/start', { targets: [] }, /body\.targets: must NOT have fewer than 1 items/],
      ['/api/actions/start', { targets: ['a'], extra: 1 }, /body: unknown key "extra"/],
      ['/api/actions/start', { targets: ['a'], timeoutMs: 0 }, /body\.timeoutMs: must be >= 1 \(got 0\)/],
      ['/api/actions/start', { targets: ['../etc'] }, /body\.targets\.0: must match pattern/],
      [
        '/api/actions/explode',
        { targets: ['a'] },
        /params\.verb: must be equal to one of the allowed values \(got "explode"\)/,
      ],
      ['/api/nodes/a/explode', {}, /params\.verb/],
    ];
    for (const [url, body, message] of cases) {
      const r = await post(url, body);
      assert.equal(r.statusCode, 400, url);
      assert.equal(errorOf(r).code, 'E_BAD_REQUEST');
      assert.match(errorOf(r).message, message);
    }
    const json = await app.inject({
      method: 'POST',
      url: '/api/actions/start',
      headers: { 'content-type': 'application/json' },
      payload: '{"targets": [',
    });
    assert.equal(json.statusCode, 400);
    assert.equal(errorOf(json).code, 'E_BAD_REQUEST');
  });

  test('an unusable glob is refused before any target is acted on; an overlong one names the bound', async () => {
    const pid = t.pid('a')!;
    for (const [url, body] of [
      ['/api/actions/stop', { targets: ['a', 'b-[9-0]'] }],
      ['/api/nodes/b-[2-1]/stop', undefined],
    ] as const) {
      const r = await post(url, body);
      assert.equal(r.statusCode, 400, url);
      assert.equal(errorOf(r).code, 'E_BAD_REQUEST');
      assert.match(errorOf(r).message, /target "b-\[(9-0|2-1)\]": range (9-0|2-1) is reversed/);
    }
    assert.equal(t.daemon.supervisor.runner('a')!.snapshot().state, 'running');
    assert.equal(t.pid('a'), pid, 'a was not stopped by the refused request');
    const long = await post('/api/actions/stop', { targets: ['*'.repeat(129)] });
    assert.equal(long.statusCode, 400);
    assert.match(errorOf(long).message, /body\.targets\.0: must NOT have more than 128 characters/);
  });

  test('POST /api/nodes/:name/restart with wait answers once the node runs again, with a new pid', async () => {
    const old = t.pid('a')!;
    const r = await post('/api/nodes/a/restart', { wait: true });
    assert.equal(r.statusCode, 200);
    assert.deepEqual(r.json(), { results: [{ node: 'a', ok: true, message: 'restarted' }] });
    assert.equal(t.daemon.supervisor.runner('a')!.snapshot().state, 'running');
    assert.notEqual(t.pid('a'), old);
  });

  test('POST /api/actions/stop and start with wait: globs, all, and an unknown target in target order', async () => {
    const pids = [t.pid('b-1')!, t.pid('b-2')!];
    const stop = (
      await post('/api/actions/stop', { targets: ['b-*', 'nope'], wait: true })
    ).json() as ActionResponse;
    assert.deepEqual(stop.results, [
      { node: 'b-1', ok: true, message: 'stopped' },
      { node: 'b-2', ok: true, message: 'stopped' },
      { node: 'nope', ok: false, message: 'ERROR (no such node)' },
    ]);
    for (const p of pids) assert.equal(isAlive(p), false);
    const again = (await post('/api/actions/stop', { targets: ['b-1'] })).json() as ActionResponse;
    assert.deepEqual(again.results, [{ node: 'b-1', ok: true, message: 'already stopped' }]);
    const start = (
      await post('/api/actions/start', { targets: ['all', 'b-1'], wait: true })
    ).json() as ActionResponse;
    assert.deepEqual(start.results, [
      { node: 'a', ok: true, message: 'already running' },
      { node: 'b-1', ok: true, message: 'started' },
      { node: 'b-2', ok: true, message: 'started' },
      { node: 'broken', ok: false, message: 'ERROR (fatal while waiting for running)' },
    ]);
  });

  test('a wait that runs out answers ERROR (timed out waiting for running)', async () => {
    await post('/api/actions/stop', { targets: ['b-2'], wait: true });
    const r = (
      await post('/api/actions/start', { targets: ['b-2'], wait: true, timeoutMs: 1 })
    ).json() as ActionResponse;
    assert.deepEqual(r.results, [
      { node: 'b-2', ok: false, message: 'ERROR (timed out waiting for running)' },
    ]);
    await t.waitRunning(['b-2']);
  });

  test('hold and release report what they changed', async () => {
    const hold = (await post('/api/actions/hold', { targets: ['a', 'a'] })).json() as ActionResponse;
    assert.deepEqual(hold.results, [{ node: 'a', ok: true, message: 'held' }]);
    assert.equal(((await get('/api/nodes/a')).json() as NodeStatus).held, true);
    const again = (await post('/api/actions/hold', { targets: ['a'] })).json() as ActionResponse;
    assert.equal(again.results[0]!.message, 'already held');
    const release = (await post('/api/actions/release', { targets: ['a', 'b-1'] })).json() as ActionResponse;
    assert.deepEqual(release.results, [
      { node: 'a', ok: true, message: 'released' },
      { node: 'b-1', ok: true, message: 'not held' },
    ]);
  });

  test('GET /api/events filters by node, type(s), since and limit, newest first', async () => {
    const r = await get('/api/events?node=b-1&type=started,stopped&since=1h&limit=2');
    assert.equal(r.statusCode, 200);
    const events = r.json().events as Array<{ node: string; type: string; ts: number }>;
    assert.equal(events.length, 2);
    assert.ok(events.every((e) => e.node === 'b-1' && (e.type === 'started' || e.type === 'stopped')));
    assert.ok(events[0]!.ts >= events[1]!.ts);
    assert.deepEqual(
      (await get('/api/events?type=held')).json().events.map((e: { node: string }) => e.node),
      ['a'],
    );
    const badType = await get('/api/events?type=started,bogus');
    assert.equal(badType.statusCode, 400);
    assert.match(errorOf(badType).message, /unknown event type "bogus"; known: manager_started/);
    const badSince = await get('/api/events?since=yesterday');
    assert.equal(badSince.statusCode, 400);
    assert.match(errorOf(badSince).message, /since: expected a duration .* got "yesterday"/);
    assert.match(
      errorOf(await get('/api/events?limit=abc')).message,
      /querystring\.limit: must be integer \(got "abc"\)/,
    );
    assert.match(errorOf(await get('/api/events?color=red')).message, /querystring: unknown key "color"/);
  });

  test('GET /api/uptime gives every node over the window', async () => {
    const r = await get('/api/uptime?since=7d');
    assert.equal(r.statusCode, 200);
    const body = r.json() as {
      sinceMs: number;
      untilMs: number;
      nodes: Array<{ node: string; uptimePercent: number }>;
    };
    assert.equal(body.untilMs - body.sinceMs, 7 * 86_400_000);
    assert.deepEqual(body.nodes.map((n) => n.node).sort(), ['a', 'b-1', 'b-2', 'broken']);
    assert.equal((await get('/api/uptime?since=soon')).statusCode, 400);
  });

  test('GET /api/uptime/rank ranks every node over the window, best first', async () => {
    const r = await get('/api/uptime/rank?since=7d');
    assert.equal(r.statusCode, 200);
    const body = r.json() as {
      sinceMs: number;
      untilMs: number;
      rows: Array<{ rank: number; name: string; kind: string; uptimePercent: number | null }>;
    };
    assert.equal(body.untilMs - body.sinceMs, 7 * 86_400_000);
    assert.deepEqual(body.rows.map((n) => n.name).sort(), ['a', 'b-1', 'b-2', 'broken']);
    assert.deepEqual(
      body.rows.map((n) => n.rank),
      [1, 2, 3, 4],
    );
    assert.ok(body.rows.every((n) => n.kind === 'node'));
    const pct = body.rows.map((n) => n.uptimePercent ?? -1);
    assert.deepEqual(
      pct,
      [...pct].sort((x, y) => y - x),
    );
    assert.equal((await get('/api/uptime/rank?since=soon')).statusCode, 400);
    assert.equal((await get('/api/uptime/rank?node=a')).statusCode, 400);
  });

  test("GET /api/logs/:name returns the last n lines of the node's log", async () => {
    const r = await get('/api/logs/b-1?n=3');
    assert.equal(r.statusCode, 200);
    const { node, lines } = r.json() as { node: string; lines: string[] };
    assert.equal(node, 'b-1');
    assert.ok(lines.length > 0 && lines.length <= 3);
    assert.match(lines.join('\n'), /READY pid=\d+/);
    assert.equal((await get('/api/logs/b-1?n=0')).statusCode, 400);
  });

  test('GET /api/export/:kind writes CSV or JSON with the documented columns', async () => {
    const csv = await get('/api/export/events?format=csv&since=1h');
    assert.equal(csv.statusCode, 200);
    assert.match(String(csv.headers['content-type']), /^text\/csv/);
    assert.equal(csv.body.split('\r\n')[0], 'id,time,ts,node,type,severity,reason,details');
    const json = await get('/api/export/uptime?format=json');
    assert.match(String(json.headers['content-type']), /^application\/json/);
    const rows = JSON.parse(json.body) as Array<Record<string, unknown>>;
    assert.deepEqual(Object.keys(rows[0]!), UPTIME_EXPORT_COLUMNS);
    assert.equal((await get('/api/export/samples?resolution=raw')).statusCode, 200);
    assert.equal((await get('/api/export/secrets')).statusCode, 400);
    assert.equal((await get('/api/export/events?format=xml')).statusCode, 400);
  });

  test('POST /api/reload of an unchanged config changes nothing and lists every node as unchanged', async () => {
    const pids = { a: t.pid('a'), b1: t.pid('b-1') };
    const r = await post('/api/reload');
    assert.equal(r.statusCode, 200);
    assert.deepEqual(r.json(), {
      ok: true,
      added: [],
      removed: [],
      changed: [],
      unchanged: ['a', 'b-1', 'b-2', 'broken'],
      needsManagerRestart: [],
      problems: [],
      live: [],
      keys: {},
      dryRun: false,
    });
    assert.deepEqual({ a: t.pid('a'), b1: t.pid('b-1') }, pids);
  });

  test('POST /api/shutdown replies first, then stops the daemon and every node', async () => {
    const pids = Object.values(await t.waitRunning(['a', 'b-1', 'b-2']));
    const r = await post('/api/shutdown', {});
    assert.equal(r.statusCode, 200);
    assert.deepEqual(r.json(), { ok: true, keepNodes: false });
    await t.daemon.stopped;
    for (const p of pids) assert.equal(isAlive(p), false, `pid ${p} stopped`);
  });
});
