/**
 * The built CLI against a real daemon: status (table and the contract's
 * JSON), start/stop/restart/hold/release with names, globs and `all`,
 * `--wait` and its timeout, and the read verbs' `--json`.
 */
import { after, before, describe, test } from 'node:test';
import assert from 'node:assert/strict';
import type { NodeStatus } from '../../../src/protocol/types.js';
import { isAlive } from '../../../src/supervisor/proc.js';
import { startTestDaemon, type TestDaemon } from '../../helpers/daemon.js';

/** DESIGN §6: `status --json` prints exactly these fields (plus the documented additions below). */
const CONTRACT_FIELDS: Record<string, string[]> = {
  name: ['string'],
  state: ['string'],
  health: ['string'],
  pid: ['number', 'null'],
  uptimeSeconds: ['number', 'null'],
  restarts: ['number'],
  exitCode: ['number', 'null'],
  exitSignal: ['string', 'null'],
  height: ['number', 'null'],
  referenceHeight: ['number', 'null'],
  lag: ['number', 'null'],
  cpuPercent: ['number', 'null'],
  rssBytes: ['number', 'null'],
  version: ['string', 'null'],
  peerId: ['string', 'null'],
  priority: ['number'],
  held: ['boolean'],
};
const ADDITIONS = ['group', 'profile', 'desired', 'peers'];

const typeOf = (v: unknown): string => (v === null ? 'null' : typeof v);

describe('CLI verbs against a running daemon', { timeout: 120_000 }, () => {
  let t: TestDaemon;
  before(async () => {
    t = await startTestDaemon({ nodes: { alpha: { priority: 10 }, beta: { instances: 2 } } });
    await t.waitRunning();
  });
  after(async () => t?.close());

  test('status --json prints the contract fields with their types, one row per node', async () => {
    const r = await t.cli(['status', '--json']);
    assert.equal(r.code, 0, r.stderr);
    const rows = JSON.parse(r.stdout) as NodeStatus[];
    assert.deepEqual(
      rows.map((s) => s.name),
      ['alpha', 'beta-1', 'beta-2'],
    );
    for (const row of rows) {
      assert.deepEqual(Object.keys(row).sort(), [...Object.keys(CONTRACT_FIELDS), ...ADDITIONS].sort());
      for (const [k, types] of Object.entries(CONTRACT_FIELDS)) {
        assert.ok(types.includes(typeOf((row as unknown as Record<string, unknown>)[k])), `${row.name}.${k}`);
      }
      assert.equal(row.state, 'running');
      assert.equal(row.pid, t.pid(row.name));
      assert.equal(row.held, false);
    }
    assert.equal(rows[0]!.priority, 10);
  });

  test('status prints an aligned table (plain text off a terminal); names and globs filter it', async () => {
    const r = await t.cli(['status', 'beta-*']);
    assert.equal(r.code, 0, r.stderr);
    const lines = r.stdout.trimEnd().split('\n');
    assert.match(
      lines[0]!,
      /^NAME\s+STATE\s+HEALTH\s+PID\s+UPTIME\s+RESTARTS\s+CPU\s+MEM\s+HEIGHT\s+LAG\s+HELD$/,
    );
    assert.equal(lines.length, 3);
    assert.ok(!r.stdout.includes('\x1b['), 'no ANSI escapes off a terminal');
    for (const [i, name] of ['beta-1', 'beta-2'].entries()) {
      assert.match(lines[i + 1]!, new RegExp(`^${name}\\s+running\\s+\\S+\\s+${t.pid(name)}\\s`));
    }
    // Columns line up: every row has STATE where the header has it.
    const col = lines[0]!.indexOf('STATE');
    for (const l of lines.slice(1)) assert.equal(l.slice(col, col + 7), 'running');
  });

  test('status of a name that matches nothing reports it and exits 1', async () => {
    const r = await t.cli(['status', 'alpha', 'gamma']);
    assert.equal(r.code, 1);
    assert.match(r.stdout, /^alpha\s+running/m);
    assert.equal(r.stderr, 'gamma: ERROR (no such node)\n');
  });

  test('restart with a glob and --wait: one line per node, each with a new pid', async () => {
    const before = { b1: t.pid('beta-1'), b2: t.pid('beta-2') };
    const r = await t.cli(['restart', 'beta-*', '--wait']);
    assert.equal(r.code, 0, r.stderr);
    // Each node's rollout steps as they happen, then one result line per node.
    assert.ok(r.stdout.endsWith('\nbeta-1: restarted\nbeta-2: restarted\n'), r.stdout);
    assert.match(r.stdout, /^beta-1: restarting$/m);
    assert.match(r.stdout, /^beta-2: passed its gate$/m);
    assert.notEqual(t.pid('beta-1'), before.b1);
    assert.notEqual(t.pid('beta-2'), before.b2);
    assert.equal(isAlive(before.b1!), false);
  });

  test('stop --wait and start --wait; an unknown target is an error line and exit 1', async () => {
    const pid = t.pid('alpha')!;
    const stop = await t.cli(['stop', 'alpha', '--wait']);
    assert.equal(stop.code, 0, stop.stderr);
    // The stop's steps as they happen; no separate result line for a node whose end was shown.
    assert.match(stop.stdout, /^alpha: SIGTERM sent \(grace 3s\)\nalpha: stopped \(exit 0, \d+\.\ds\)\n$/);
    assert.equal(isAlive(pid), false);
    assert.equal(t.daemon.supervisor.runner('alpha')!.snapshot().state, 'stopped');

    const start = await t.cli(['start', 'alpha', 'nope', '--wait']);
    assert.equal(start.code, 1);
    assert.equal(start.stdout, 'alpha: started\nnope: ERROR (no such node)\n');
    assert.equal(t.daemon.supervisor.runner('alpha')!.snapshot().state, 'running');
  });

  test('start all of a running fleet says so for each node', async () => {
    await t.waitRunning();
    const r = await t.cli(['start', 'all']);
    assert.equal(r.code, 0, r.stderr);
    const recent = (): string => JSON.stringify(t.daemon.store.queryEvents({ limit: 20 }).reverse());
    assert.equal(
      r.stdout,
      'alpha: already running\nbeta-1: already running\nbeta-2: already running\n',
      recent(),
    );
  });

  test('a --wait that times out prints ERROR (timed out waiting for running) and exits 4', async () => {
    await t.cli(['stop', 'beta-2', '--wait']);
    const r = await t.cli(['start', 'beta-2', '--timeout', '0.001']);
    assert.equal(r.code, 4);
    assert.equal(r.stdout, 'beta-2: ERROR (timed out waiting for running)\n');
    await t.waitRunning(['beta-2']);
  });

  test('hold and release; --json prints the per-target results', async () => {
    const hold = await t.cli(['hold', 'beta-1', '--json']);
    assert.equal(hold.code, 0, hold.stderr);
    assert.deepEqual(JSON.parse(hold.stdout), { results: [{ node: 'beta-1', ok: true, message: 'held' }] });
    const status = await t.cli(['status', 'beta-1']);
    assert.match(status.stdout.split('\n')[1]!, /\sheld$/);
    const release = await t.cli(['release', 'beta-*']);
    assert.equal(release.stdout, 'beta-1: released\nbeta-2: not held\n');
  });

  test('events, uptime and export read the store; every read verb has --json', async () => {
    const ev = await t.cli(['events', '--node', 'alpha', '--type', 'stopped,started', '--limit', '2']);
    assert.equal(ev.code, 0, ev.stderr);
    const lines = ev.stdout.trimEnd().split('\n');
    assert.match(lines[0]!, /^TIME\s+NODE\s+TYPE\s+SEVERITY\s+REASON\s+DETAILS$/);
    // oldest first: the stop, then the start that followed it
    assert.match(lines[1]!, /^\d{4}-\d\d-\d\dT\d\d:\d\d:\d\dZ\s+alpha\s+stopped\s+info\s+-\s+\{.*\}$/);
    assert.match(lines[2]!, /^\S+\s+alpha\s+started\s+info\s+-\s+\{"pid":\d+/);
    const evJson = JSON.parse((await t.cli(['events', '--type', 'held', '--json'])).stdout) as Array<{
      node: string;
    }>;
    assert.deepEqual(
      evJson.map((e) => e.node),
      ['beta-1'],
    );

    const up = await t.cli(['uptime', '--since', '1h']);
    assert.equal(up.code, 0, up.stderr);
    assert.match(up.stdout, /^NODE\s+UPTIME\s+UP\s+OBSERVED\n/);
    assert.match(up.stdout, /^alpha\s+\d+\.\d{3}%\s/m);
    const upJson = JSON.parse((await t.cli(['uptime', '--json'])).stdout) as {
      nodes: Array<{ node: string }>;
    };
    assert.deepEqual(upJson.nodes.map((n) => n.node).sort(), ['alpha', 'beta-1', 'beta-2']);

    const csv = await t.cli(['export', 'events', '--format', 'csv', '--since', '1h']);
    assert.equal(csv.code, 0, csv.stderr);
    assert.equal(csv.stdout.split('\r\n')[0], 'id,time,ts,node,type,severity,reason,details');
    const json = JSON.parse((await t.cli(['export', 'uptime', '--format', 'json'])).stdout) as unknown[];
    assert.equal(json.length, 3);

    const logs = JSON.parse((await t.cli(['logs', 'alpha', '-n', '1', '--json'])).stdout) as {
      lines: string[];
    };
    assert.equal(logs.lines.length, 1);
  });

  test('bad arguments are usage errors (exit 2) that quote the value', async () => {
    const cases: Array<[string[], RegExp]> = [
      [['start', '../x'], /"\.\.\/x" is not a node name, a glob or `all`/],
      [
        ['stop', 'alpha', '--timeout', 'soon'],
        /--timeout: expected seconds > 0 or a duration such as 90s or 2m, got "soon"/,
      ],
      [['events', '--since', 'yesterday'], /--since: expected a duration .* got "yesterday"/],
      [['events', '--limit', '0'], /--limit: expected a positive integer, got "0"/],
      [['export', 'secrets'], /export: expected one of events, uptime, samples, got "secrets"/],
      [['export', 'events', '--format', 'xml'], /--format: expected csv or json, got "xml"/],
      [['events', '--type', 'bogus'], /unknown event type "bogus"/],
      [['frobnicate'], /unknown command 'frobnicate'/],
    ];
    for (const [args, message] of cases) {
      const r = await t.cli(args);
      assert.equal(r.code, 2, `${args.join(' ')}: ${r.stderr}`);
      assert.match(r.stderr, message);
    }
  });
});
