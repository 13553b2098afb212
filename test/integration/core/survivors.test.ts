/**
 * Acceptance tests of survivor identity (DESIGN §2 crash safety) against the
 * real CLI: a node started through a wrapper that execs the node binary is
 * re-adopted, not reaped, across killed, kept and clean restarts; held stays
 * held; a lost or corrupt database leaves no survivor unmanaged (the node lock
 * names it); boot does not wait for a reap, which runs through the node's
 * state machine while status answers and other nodes start.
 */
import { test } from 'node:test';
import assert from 'node:assert/strict';
import fs from 'node:fs';
import path from 'node:path';
import {
  after,
  alive,
  pidOf,
  SIM,
  simArgs,
  useFleets,
  waitGone,
  type Fleet,
  type LogEntry,
} from './harness.js';

const BOUND_MS = 15_000;
const fleet = useFleets();

/** A node whose binary is a shell wrapper that does some work, then execs the sim (pid unchanged). */
const WRAPPED = {
  binary: '/bin/sh',
  args: ['-c', 'sleep 0.3; exec "$@"', 'sh', process.execPath, ...simArgs()],
};

interface StatusRow {
  name: string;
  state: string;
  pid: number | null;
  held: boolean;
}

async function status(f: Fleet, name: string): Promise<StatusRow> {
  const r = await f.ctl(['status', '--json']);
  assert.equal(r.code, 0, r.stderr);
  const row = (JSON.parse(r.stdout) as StatusRow[]).find((n) => n.name === name);
  assert.ok(row, `status lists ${name}`);
  return row;
}

function events(f: Fleet, from: number, type: string): LogEntry[] {
  return f.log
    .entries()
    .slice(from)
    .filter((e) => e.message.includes(`: ${type}`));
}

async function killManager(m: { signal(s: NodeJS.Signals): void; waitExit(ms?: number): Promise<unknown> }) {
  m.signal('SIGKILL');
  await m.waitExit(BOUND_MS);
}

test('a node started through an exec wrapper is adopted, not reaped, across killed, kept and clean restarts; held stays held', async () => {
  const f = fleet({ nodes: { plain: WRAPPED, kept: WRAPPED } });
  let m = f.startManager();
  const started = await Promise.all(['plain', 'kept'].map((n) => f.log.waitEvent(n, 'started')));
  const pids = started.map(pidOf);
  f.track(...pids);
  // The start window is over: the wrapper has exec'ed the sim.
  for (const [i, n] of ['plain', 'kept'].entries()) assert.deepEqual(f.simPids(n), [pids[i]]);
  const hold = await f.ctl(['hold', 'kept']);
  assert.equal(hold.code, 0, hold.stderr);

  // 1. A killed manager: the next one adopts both, untouched.
  await killManager(m);
  let from = f.log.count();
  m = f.startManager();
  let adopted = await Promise.all(['plain', 'kept'].map((n) => f.log.waitEvent(n, 'adopted', { from })));
  assert.deepEqual(adopted.map(pidOf), pids, 'the same processes are adopted');
  for (const a of adopted) {
    assert.equal(a['source'], 'database');
    assert.equal(a['lock'], 'confirms', 'the node lock names the same process');
    assert.equal((a['argv'] as string[])[1], SIM, 'argv is the node binary, after the exec');
    assert.equal(a['recordedArgv'], undefined, 'what was recorded is what runs: the identity settled');
  }
  assert.equal(adopted[1]!['held'], true);
  assert.equal(events(f, from, 'orphan_reaped').length, 0, 'nothing reaped');
  assert.equal(events(f, from, 'started').length, 0, 'nothing spawned');
  assert.equal((await status(f, 'kept')).held, true, 'held stays held');

  // 2. shutdown --keep-nodes, as for an upgrade of nodewarden.
  const shutdown = await f.ctl(['shutdown', '--keep-nodes']);
  assert.equal(shutdown.code, 0, shutdown.stderr);
  assert.equal((await m.waitExit(BOUND_MS)).code, 0);
  from = f.log.count();
  m = f.startManager();
  adopted = await Promise.all(['plain', 'kept'].map((n) => f.log.waitEvent(n, 'adopted', { from })));
  assert.deepEqual(adopted.map(pidOf), pids, 'adopted again, untouched');
  assert.equal(events(f, from, 'orphan_reaped').length, 0);
  const kept = await status(f, 'kept');
  assert.equal(kept.held, true, 'held stays held');
  assert.equal(kept.pid, pids[1]);
  for (const [i, n] of ['plain', 'kept'].entries()) assert.deepEqual(f.simPids(n), [pids[i]]);

  // 3. A clean stop ends every node; the held one stays held and down, the other starts.
  m.signal('SIGTERM');
  assert.equal((await m.waitExit(BOUND_MS)).code, 0);
  await waitGone(pids, 'every node, stopped with the manager');
  from = f.log.count();
  m = f.startManager();
  f.track(pidOf(await f.log.waitEvent('plain', 'started', { from })));
  const down = await status(f, 'kept');
  assert.deepEqual([down.state, down.held, down.pid], ['stopped', true, null]);
  assert.equal(f.log.events('kept', 'started', from).length, 0, 'a held node is not started');
  m.signal('SIGTERM');
  assert.equal((await m.waitExit(BOUND_MS)).code, 0);
});

test('a held node whose config changed is adopted as it is; once released, the next manager reaps and restarts it', async () => {
  const f = fleet({ nodes: { hold: WRAPPED } });
  let m = f.startManager();
  const pid = pidOf(await f.log.waitEvent('hold', 'started'));
  f.track(pid);
  assert.equal((await f.ctl(['hold', 'hold'])).code, 0);
  await killManager(m);
  f.writeJson('nodes/hold.json', { ...WRAPPED, args: [...WRAPPED.args, '--peers', '3'] });

  let from = f.log.count();
  m = f.startManager();
  const adopted = await f.log.waitEvent('hold', 'adopted', { from });
  assert.equal(pidOf(adopted), pid, 'the held node is not touched');
  assert.equal(adopted['held'], true);
  assert.equal(adopted['configChanged'], true, 'the event says its config changed');
  const row = await status(f, 'hold');
  assert.deepEqual([row.state, row.pid, row.held], ['running', pid, true]);
  assert.equal(f.log.events('hold', 'orphan_reaped', from).length, 0);

  // Released: the process still runs the old config, and the next manager knows it.
  assert.equal((await f.ctl(['release', 'hold'])).code, 0);
  await killManager(m);
  from = f.log.count();
  m = f.startManager();
  const reaped = await f.log.waitEvent('hold', 'orphan_reaped', { from, reason: 'config changed' });
  assert.equal(pidOf(reaped), pid);
  const next = pidOf(await f.log.waitEvent('hold', 'started', { from: after(reaped) }));
  f.track(next);
  assert.deepEqual(f.simPids('hold'), [next]);
  assert.ok(f.log.events('hold', 'adopted', from).length === 0);
  m.signal('SIGTERM');
  assert.equal((await m.waitExit(BOUND_MS)).code, 0);
});

test('a lost or corrupt database: the survivors are found through their node locks and adopted, not started again', async () => {
  const names = ['a', 'b'];
  const f = fleet({ nodes: { a: WRAPPED, b: {} } });
  const db = path.join(f.stateDir, 'nodewarden.db');
  const dropDb = (): void => {
    for (const suffix of ['', '-wal', '-shm']) fs.rmSync(db + suffix, { force: true });
  };
  let m = f.startManager();
  const pids = (await Promise.all(names.map((n) => f.log.waitEvent(n, 'started')))).map(pidOf);
  f.track(...pids);

  /** Restart the manager with `damage` done to the database in between; every node must be adopted. */
  const restartAdopts = async (damage: () => void, what: string): Promise<void> => {
    await killManager(m);
    damage();
    const from = f.log.count();
    m = f.startManager();
    const adopted = await Promise.all(names.map((n) => f.log.waitEvent(n, 'adopted', { from })));
    assert.deepEqual(adopted.map(pidOf), pids, `${what}: the same processes are adopted`);
    for (const a of adopted) {
      assert.equal(a['source'], 'node-lock', `${what}: found through the node lock`);
      assert.equal(a['record'], 'missing');
    }
    for (const type of ['started', 'backoff', 'fatal', 'orphan_reaped'])
      assert.equal(events(f, from, type).length, 0, `${what}: no ${type}`);
    names.forEach((n, i) => assert.deepEqual(f.simPids(n), [pids[i]], `${what}: one process of ${n}`));
    const row = await status(f, 'a');
    assert.deepEqual([row.state, row.pid], ['running', pids[0]]);
  };

  await restartAdopts(dropDb, 'database deleted');
  await restartAdopts(() => {
    dropDb();
    fs.writeFileSync(db, 'this is not a database\n'.repeat(100));
  }, 'database corrupt');

  // The lock also knows the config a survivor runs: a changed node is reaped and started anew.
  await killManager(m);
  dropDb();
  f.writeJson('nodes/b.json', { args: simArgs('--peers', '3') });
  const from = f.log.count();
  m = f.startManager();
  assert.equal(pidOf(await f.log.waitEvent('a', 'adopted', { from })), pids[0]);
  const reaped = await f.log.waitEvent('b', 'orphan_reaped', { from, reason: 'config changed' });
  assert.equal(pidOf(reaped), pids[1]);
  const next = pidOf(await f.log.waitEvent('b', 'started', { from: after(reaped) }));
  f.track(next);
  assert.deepEqual(f.simPids('b'), [next]);
  m.signal('SIGTERM');
  assert.equal((await m.waitExit(BOUND_MS)).code, 0);
});

test('boot does not wait for a reap: status answers and other nodes start while a survivor that ignores SIGTERM is being reaped', async () => {
  const f = fleet({
    nodes: { slow: { args: simArgs('--ignore-sigterm'), stop: { graceMs: 120_000 } }, gone: {} },
  });
  let m = f.startManager();
  const [slowPid, gonePid] = (
    await Promise.all(['slow', 'gone'].map((n) => f.log.waitEvent(n, 'started')))
  ).map(pidOf);
  f.track(slowPid!, gonePid!);
  await f.ready('slow', slowPid!); // its SIGTERM handler is in place
  await killManager(m);
  // While no manager runs: slow's config changes, gone is removed, fresh is added.
  f.writeJson('nodes/slow.json', { args: simArgs('--peers', '3'), stop: { graceMs: 120_000 } });
  fs.rmSync(path.join(f.configDir, 'nodes', 'gone.json'));
  f.writeJson('nodes/fresh.json', {});

  const from = f.log.count();
  m = f.startManager();
  // The control API answers during the reap, which shows as a stop of the node.
  const row = await status(f, 'slow');
  assert.deepEqual([row.state, row.pid], ['stopping', slowPid]);
  f.track(pidOf(await f.log.waitEvent('fresh', 'started', { from })));
  const gone = await f.log.waitEvent('gone', 'orphan_reaped', { from, reason: 'node removed from config' });
  assert.equal(pidOf(gone), gonePid);
  await waitGone([gonePid!], 'the removed node');
  assert.equal(f.log.events('slow', 'orphan_reaped', from).length, 0, 'slow is still being reaped');
  assert.ok(alive(slowPid!), 'slow shrugs off SIGTERM');
  assert.equal((await status(f, 'slow')).state, 'stopping');

  // The survivor ends (here: by the test, by pid); the reap completes and the node starts with its new config.
  process.kill(slowPid!, 'SIGKILL');
  const reaped = await f.log.waitEvent('slow', 'orphan_reaped', { from, reason: 'config changed' });
  assert.equal(pidOf(reaped), slowPid);
  const next = pidOf(await f.log.waitEvent('slow', 'started', { from: after(reaped) }));
  f.track(next);
  assert.deepEqual(f.simPids('slow'), [next]);
  m.signal('SIGTERM');
  assert.equal((await m.waitExit(BOUND_MS)).code, 0);
});
