/**
 * What status says across manager restarts, against the real CLI and a real
 * `nodewarden run`: a re-adopted node's uptime is its process's real age, its
 * restart count is kept, and a held node comes back held (and running) after
 * a killed manager and `shutdown --keep-nodes`, and held and not started after
 * a clean shutdown. `shutdown --wait` prints each node's stop as it happens and
 * returns once the manager has exited.
 */
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { alive, pidOf, simArgs, useFleets, waitGone, waitUntil, type Fleet } from './harness.js';

const BOUND_MS = 15_000;
const fleet = useFleets();

interface Row {
  name: string;
  state: string;
  pid: number | null;
  held: boolean;
  restarts: number;
  uptimeSeconds: number | null;
}

async function status(f: Fleet, name: string): Promise<Row> {
  const r = await f.ctl(['status', '--json']);
  assert.equal(r.code, 0, r.stderr);
  const row = (JSON.parse(r.stdout) as Row[]).find((n) => n.name === name);
  assert.ok(row, `status lists ${name}`);
  return row;
}

/** Lines of a finished CLI run. */
function lines(out: string): string[] {
  return out.trimEnd().split('\n');
}

test('across killed, kept and clean manager restarts: real uptime, kept restart count, held stays held', async () => {
  const f = fleet({ nodes: { solo: {}, kept: {} } });
  let m = f.startManager();
  const started = await Promise.all(['solo', 'kept'].map((n) => f.log.waitEvent(n, 'started')));
  const keptPid = pidOf(started[1]!);
  f.track(...started.map(pidOf));
  for (let i = 0; i < 2; i++) {
    const r = await f.ctl(['restart', 'solo', '--wait']);
    assert.equal(r.code, 0, r.stdout + r.stderr);
  }
  const first = await status(f, 'solo');
  assert.equal(first.restarts, 2);
  const soloPid = first.pid!;
  f.track(soloPid);
  // solo's process exists by now: its real start lies before this moment.
  const bornBy = Date.now();
  assert.equal((await f.ctl(['hold', 'kept'])).code, 0);
  // Old enough that an uptime counted from the adoption could not pass for its age.
  await waitUntil(() => Date.now() - bornBy >= 3000, 'solo is at least 3 s old');

  /** The checks after each restart that leaves the nodes running. */
  const checkAdopted = async (what: string): Promise<void> => {
    const from = f.log.count();
    m = f.startManager();
    await Promise.all(['solo', 'kept'].map((n) => f.log.waitEvent(n, 'adopted', { from })));
    const ageAtLeast = Math.floor((Date.now() - bornBy) / 1000);
    const solo = await status(f, 'solo');
    assert.equal(solo.pid, soloPid, `${what}: the same process`);
    assert.equal(solo.restarts, 2, `${what}: the restart count is kept`);
    assert.ok(
      solo.uptimeSeconds !== null && solo.uptimeSeconds >= ageAtLeast && ageAtLeast >= 3,
      `${what}: uptime ${solo.uptimeSeconds}s is the process's age (at least ${ageAtLeast}s)`,
    );
    assert.ok(Number.isInteger(solo.uptimeSeconds));
    const kept = await status(f, 'kept');
    assert.deepEqual(
      [kept.state, kept.held, kept.pid],
      ['running', true, keptPid],
      `${what}: held and running`,
    );
  };

  // 1. A killed manager.
  m.signal('SIGKILL');
  await m.waitExit(BOUND_MS);
  await checkAdopted('after a killed manager');

  // 2. shutdown --keep-nodes.
  const keep = await f.ctl(['shutdown', '--keep-nodes']);
  assert.equal(keep.code, 0, keep.stderr);
  assert.equal((await m.waitExit(BOUND_MS)).code, 0);
  await checkAdopted('after shutdown --keep-nodes');

  // 3. A clean shutdown, waited for: every stop as it happens, then the manager is gone.
  const down = await f.ctl(['shutdown', '--wait'], 30_000);
  assert.equal(down.code, 0, down.stdout + down.stderr);
  const out = lines(down.stdout);
  assert.equal(out[0], 'nodewarden: shutting down; stopping every node');
  assert.equal(out.at(-1), 'nodewarden stopped');
  for (const n of ['solo', 'kept']) {
    const mine = out.filter((l) => l.startsWith(`${n}: `));
    assert.equal(mine.length, 2, down.stdout);
    assert.equal(mine[0], `${n}: SIGTERM sent (grace 1.5s)`);
    // Adopted processes: their exit status belongs to the manager that spawned them.
    assert.match(mine[1]!, new RegExp(`^${n}: stopped \\(exit unknown, \\d+\\.\\ds\\)$`));
  }
  assert.equal(out.length, 6, down.stdout);
  assert.equal(alive(m.pid), false, 'the manager has exited when shutdown --wait returns');
  assert.equal((await m.waitExit(BOUND_MS)).code, 0);
  await waitGone([soloPid, keptPid], 'both nodes, stopped with the manager');

  const from = f.log.count();
  m = f.startManager();
  f.track(pidOf(await f.log.waitEvent('solo', 'started', { from })));
  const solo = await status(f, 'solo');
  assert.equal(solo.state === 'starting' || solo.state === 'running', true, solo.state);
  assert.equal(solo.restarts, 2, 'a clean stop and start is not a restart; the count is kept');
  const kept = await status(f, 'kept');
  assert.deepEqual([kept.state, kept.held, kept.pid], ['stopped', true, null], 'held: not started');
  assert.equal(f.log.events('kept', 'started', from).length, 0);
  m.signal('SIGTERM');
  assert.equal((await m.waitExit(BOUND_MS)).code, 0);
});

test('shutdown --wait shows a node that ignores SIGTERM killed once its grace is over; --json prints one object a line', async () => {
  const f = fleet({ nodes: { hard: { args: simArgs('--ignore-sigterm') }, soft: {} } });
  let m = f.startManager();
  f.track(...(await Promise.all(['hard', 'soft'].map((n) => f.log.waitEvent(n, 'started')))).map(pidOf));
  const down = await f.ctl(['shutdown', '--wait'], 30_000);
  assert.equal(down.code, 0, down.stdout + down.stderr);
  const out = lines(down.stdout);
  assert.deepEqual(
    out.filter((l) => l.startsWith('hard: ')).map((l) => l.replace(/, \d+\.\ds\)$/, ', N s)')),
    [
      'hard: SIGTERM sent (grace 1.5s)',
      'hard: SIGKILL sent (grace over)',
      'hard: stopped (signal SIGKILL, N s)',
    ],
  );
  assert.deepEqual(
    out.filter((l) => l.startsWith('soft: ')).map((l) => l.replace(/, \d+\.\ds\)$/, ', N s)')),
    ['soft: SIGTERM sent (grace 1.5s)', 'soft: stopped (exit 0, N s)'],
  );
  assert.equal(out.at(-1), 'nodewarden stopped');
  assert.equal(alive(m.pid), false);

  const from = f.log.count();
  m = f.startManager();
  f.track(
    ...(await Promise.all(['hard', 'soft'].map((n) => f.log.waitEvent(n, 'started', { from })))).map(pidOf),
  );
  const j = await f.ctl(['shutdown', '--wait', '--json'], 30_000);
  assert.equal(j.code, 0, j.stdout + j.stderr);
  const objs = lines(j.stdout).map(
    (l) => JSON.parse(l) as { type: string; node?: string; step?: string; pid?: number },
  );
  assert.equal(objs[0]!.type, 'accepted');
  assert.equal(objs[0]!.pid, m.pid);
  assert.deepEqual(
    objs.filter((o) => o.node === 'hard').map((o) => o.step),
    ['signal', 'kill', 'stopped'],
  );
  assert.deepEqual(
    objs.slice(-2).map((o) => o.type),
    ['done', 'exited'],
  );
  assert.equal(alive(m.pid), false);
});
