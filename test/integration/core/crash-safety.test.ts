/**
 * Acceptance tests of crash safety (issue "Records"): one manager per
 * stateDir, nodes that outlive a killed manager and keep writing, re-adoption
 * by the next manager with no log gap, operator intent kept across restarts,
 * and supervision that goes on when the database refuses writes.
 */
import { afterEach, test } from 'node:test';
import assert from 'node:assert/strict';
import path from 'node:path';
import { startDaemon, type Daemon } from '../../../src/daemon.js';
import type { NodewardenEvent } from '../../../src/events/types.js';
import { alive, Fleet, pidOf, simArgs, waitGone, waitUntil, type FleetOptions } from './harness.js';

const BOUND_MS = 15_000;

const fleets: Fleet[] = [];
const daemons: Daemon[] = [];
function fleet(opts: FleetOptions): Fleet {
  const f = Fleet.create(opts);
  fleets.push(f);
  return f;
}
afterEach(async () => {
  for (const d of daemons.splice(0)) await d.stop();
  for (const f of fleets.splice(0)) await f.cleanup();
});

/** Wall-clock times of the periodic `--log-every` lines of node `name`. */
function tickTimes(f: Fleet, name: string): number[] {
  const re = new RegExp(`^(\\S+Z) INFO sim\\[${name}\\] `);
  return f
    .nodeLines(name)
    .map((l) => re.exec(l))
    .filter((m): m is RegExpExecArray => m !== null)
    .map((m) => Date.parse(m[1]!));
}

/** Largest distance between consecutive times (and from `start` to the first). */
function largestGap(start: number, times: readonly number[]): number {
  let prev = start;
  let gap = 0;
  for (const t of times) {
    gap = Math.max(gap, t - prev);
    prev = t;
  }
  return gap;
}

test('a second manager on the same stateDir is refused; after a SIGKILL the next one takes the stale lock and adopts the nodes', async () => {
  const names = ['talker', 'quiet'];
  const f = fleet({ nodes: { talker: { args: simArgs('--log-every', '100') }, quiet: {} } });
  const first = f.startManager();
  const pids = (await Promise.all(names.map((n) => f.log.waitEvent(n, 'started')))).map(pidOf);
  f.track(...pids);

  const second = f.startManager();
  const refused = await second.waitExit(BOUND_MS);
  assert.notEqual(refused.code, 0, 'the second manager is refused');
  const lockFile = path.join(f.stateDir, 'nodewarden.lock');
  assert.match(second.stderr(), new RegExp(`\\bpid ${first.pid}\\b`), 'stderr names the running manager');
  assert.ok(second.stderr().includes(lockFile), `stderr names ${lockFile}: ${second.stderr()}`);
  assert.ok(alive(first.pid), 'the first manager is untouched');

  first.signal('SIGKILL');
  await first.waitExit(BOUND_MS);
  assert.ok(
    pids.every((p) => alive(p)),
    'nodes outlive a killed manager',
  );

  const from = f.log.count();
  const third = f.startManager();
  const adopted = await Promise.all(names.map((n) => f.log.waitEvent(n, 'adopted', { from })));
  assert.deepEqual(adopted.map(pidOf), pids, 'the same processes are adopted');
  assert.ok(
    f.log
      .entries()
      .slice(from)
      .some((e) => /stale lock/.test(e.message) && new RegExp(`\\b${first.pid}\\b`).test(e.message)),
    'the stale lock of the killed manager was taken over',
  );
  const linesAtAdoption = f.nodeLines('talker').length;
  await waitUntil(
    () => f.nodeLines('talker').length >= linesAtAdoption + 3,
    "talker's log grows after adoption",
  );
  names.forEach((n, i) => assert.deepEqual(f.simPids(n), [pids[i]], `exactly one process of ${n}`));
  assert.equal(names.flatMap((n) => f.log.events(n, 'started', from)).length, 0, 'nothing was spawned again');

  // An adopted node is supervised like any other: its crash is noticed and it is replaced.
  const beforeCrash = f.log.count();
  process.kill(pids[1]!, 'SIGKILL');
  await f.log.waitEvent('quiet', 'restarting', { from: beforeCrash, reason: 'crash' });
  const replacement = pidOf(await f.log.waitEvent('quiet', 'started', { from: beforeCrash }));
  f.track(replacement);
  assert.deepEqual(f.simPids('quiet'), [replacement]);

  third.signal('SIGTERM');
  assert.equal((await third.waitExit(BOUND_MS)).code, 0);
  await waitGone([pids[0]!, replacement], 'every node');
});

test('nodes of a SIGKILLed manager keep running and writing; the next manager adopts them with no gap in the log', async (t) => {
  const f = fleet({ nodes: { ticker: { args: simArgs('--log-every', '50') } } });
  const first = f.startManager();
  const pid = pidOf(await f.log.waitEvent('ticker', 'started'));
  f.track(pid);
  await waitUntil(() => tickTimes(f, 'ticker').length >= 3, 'the first manager writes the ticks');

  const killedAt = Date.now();
  first.signal('SIGKILL');
  await first.waitExit(BOUND_MS);
  // A while without any manager (about 24 ticks into the pipe): alive, not a zombie, all along.
  const until = Date.now() + 1200;
  while (Date.now() < until) {
    assert.ok(alive(pid), 'the node runs on without a manager');
    await new Promise((r) => setTimeout(r, 50));
  }

  const from = f.log.count();
  const next = f.startManager();
  const adopted = await f.log.waitEvent('ticker', 'adopted', { from });
  assert.equal(pidOf(adopted), pid);
  const adoptedAt = Date.parse(adopted.timestamp);
  await waitUntil(
    () => tickTimes(f, 'ticker').some((ts) => ts > adoptedAt + 300),
    'ticks after the adoption are logged',
  );

  // A line read by the killed manager but not yet written may be lost with it;
  // everything the node wrote after the kill sat in the pipe and must be there.
  const times = tickTimes(f, 'ticker').filter((ts) => ts >= killedAt);
  const gap = largestGap(killedAt, times);
  t.diagnostic(
    `${times.length} ticks since the kill, largest gap ${gap} ms (ticks every 50 ms, ~1200 ms without a manager)`,
  );
  assert.ok(gap < 600, `no gap in the periodic lines across the manager's absence (largest ${gap} ms)`);
  assert.deepEqual(f.simPids('ticker'), [pid]);
  assert.equal(f.log.events('ticker', 'crashed', from).length, 0);

  next.signal('SIGTERM');
  assert.equal((await next.waitExit(BOUND_MS)).code, 0);
});

test('nodewarden shutdown --keep-nodes: the manager exits 0, the node runs on and is adopted by the next manager', async () => {
  const f = fleet({ nodes: { keeper: { args: simArgs('--log-every', '50') } } });
  const first = f.startManager();
  const pid = pidOf(await f.log.waitEvent('keeper', 'started'));
  f.track(pid);
  const shutdown = await f.ctl(['shutdown', '--keep-nodes']);
  assert.equal(shutdown.code, 0, `shutdown --keep-nodes exits 0: ${shutdown.stderr}`);
  assert.equal((await first.waitExit(BOUND_MS)).code, 0, 'the manager exits, though its nodes still run');
  const stopped = await f.log.waitFor((e) => e.message === 'nodewarden: manager_stopped');
  assert.equal(stopped['keepNodes'], true);
  assert.ok(alive(pid), 'the node is left running');

  const from = f.log.count();
  const next = f.startManager();
  assert.equal(pidOf(await f.log.waitEvent('keeper', 'adopted', { from })), pid);
  const lines = f.nodeLines('keeper').length;
  await waitUntil(() => f.nodeLines('keeper').length > lines + 3, 'the log goes on');
  assert.deepEqual(f.simPids('keeper'), [pid]);
  next.signal('SIGTERM');
  assert.equal((await next.waitExit(BOUND_MS)).code, 0);
});

test('a node stopped by the operator stays stopped across manager restarts (killed, then clean)', async () => {
  const f = fleet({ nodes: { keep: {}, halt: {} } });
  const first = f.startManager();
  const [keepPid, haltPid] = (
    await Promise.all(['keep', 'halt'].map((n) => f.log.waitEvent(n, 'started')))
  ).map(pidOf);
  f.track(keepPid!, haltPid!);
  const stop = await f.ctl(['stop', 'halt', '--wait']);
  assert.equal(stop.code, 0, `stop halt: ${stop.stdout}${stop.stderr}`);
  assert.match(stop.stdout, /^halt: /m);
  assert.ok(!alive(haltPid!), 'halt is stopped');

  /** halt's state as `status --json` reports it. */
  const haltStatus = async (): Promise<{ state: string; pid: number | null }> => {
    const r = await f.ctl(['status', '--json']);
    assert.equal(r.code, 0, r.stderr);
    const rows = JSON.parse(r.stdout) as Array<{ name: string; state: string; pid: number | null }>;
    return rows.find((n) => n.name === 'halt')!;
  };

  // A manager that was killed: the next one adopts keep and leaves halt stopped.
  first.signal('SIGKILL');
  await first.waitExit(BOUND_MS);
  let from = f.log.count();
  const second = f.startManager();
  assert.equal(pidOf(await f.log.waitEvent('keep', 'adopted', { from })), keepPid);
  const status = await haltStatus();
  assert.equal(status.state, 'stopped', 'halt stays stopped');
  assert.equal(status.pid, null);
  assert.deepEqual(f.simPids('halt'), []);
  assert.equal(f.log.events('halt', 'started', from).length, 0);

  // A clean restart: every node is stopped with the manager; only keep comes back.
  second.signal('SIGTERM');
  assert.equal((await second.waitExit(BOUND_MS)).code, 0);
  from = f.log.count();
  const third = f.startManager();
  f.track(pidOf(await f.log.waitEvent('keep', 'started', { from })));
  assert.equal((await haltStatus()).state, 'stopped', 'halt stays stopped');
  assert.deepEqual(f.simPids('halt'), []);
  assert.equal(f.log.events('halt', 'started', from).length, 0);
  third.signal('SIGTERM');
  assert.equal((await third.waitExit(BOUND_MS)).code, 0);
});

/** A started (or adopted, or already running) node's pid, in an in-process daemon. */
async function running(d: Daemon, name: string, except?: number): Promise<number> {
  const snap = d.supervisor.runner(name)!.snapshot();
  if (snap.state === 'running' && snap.pid !== null && snap.pid !== except) return snap.pid;
  const e: NodewardenEvent = await d.bus.waitFor(
    'event',
    (ev) =>
      ev.node === name && (ev.type === 'started' || ev.type === 'adopted') && ev.details['pid'] !== except,
    { timeoutMs: BOUND_MS },
  );
  return e.details['pid'] as number;
}

async function daemonOn(f: Fleet): Promise<Daemon> {
  const d = await startDaemon({ configDir: f.configDir, consoleLog: false });
  daemons.push(d);
  return d;
}

async function stopDaemon(d: Daemon): Promise<void> {
  await d.stop();
  daemons.splice(daemons.indexOf(d), 1);
}

// The database is made to refuse writes on the daemon's own connection, so this one runs in-process.
test('with the database refusing writes mid-run, a crashing node is still restarted and the manager stays up', async () => {
  const f = fleet({ nodes: { crashy: {} }, template: { restart: { stableSeconds: 0.5 } } });
  const d = await daemonOn(f);
  const first = await running(d, 'crashy');
  f.track(first);

  d.store.db.pragma('query_only = ON'); // every write now fails with SQLITE_READONLY
  const replaced = running(d, 'crashy', first);
  process.kill(first, 'SIGKILL');
  const second = await replaced;
  f.track(second);
  assert.notEqual(second, first);
  assert.ok(alive(second));
  assert.deepEqual(f.simPids('crashy'), [second]);
  assert.equal(d.supervisor.runner('crashy')!.snapshot().state, 'running');
  const stats = d.store.stats();
  assert.ok(stats.writeErrors > 0, 'the refused writes were counted');
  assert.equal(stats.lastErrorCode, 'SQLITE_READONLY');
  assert.ok(stats.backlog > 0, 'and kept');

  d.store.db.pragma('query_only = OFF');
  assert.equal(d.store.flush(), true, 'the backlog lands once the database takes writes again');
  const lifecycle = new Set(['started', 'crashed', 'exited', 'restarting', 'backoff', 'fatal', 'stopped']);
  const types = d.store
    .queryEvents({ node: 'crashy', order: 'asc' })
    .map((e) => e.type)
    .filter((t) => lifecycle.has(t));
  assert.deepEqual(types, ['started', 'crashed', 'restarting', 'started']);
  assert.equal(
    d.store.loadNodes().get('crashy')?.process?.pid,
    second,
    'the new pid is recorded for re-adoption',
  );
  await stopDaemon(d);
  await waitGone([second], 'crashy, stopped with the manager');
});
