/**
 * Acceptance tests of stopping (issue "Core", DESIGN §2): SIGTERM to
 * `nodewarden run` stops every node in parallel and exits 0; a node's whole
 * tree goes, grandchildren too (by SIGKILL after graceMs if need be); a second
 * signal kills at once.
 */
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { alive, pidOf, SIM, simArgs, SLEEPER, useFleets, waitGone } from './harness.js';

const GRACE_MS = 1500;
/** Added to the largest graceMs as a failure bound only; never a pass condition. */
const MARGIN_MS = 10_000;

const fleet = useFleets();

test('SIGTERM to nodewarden: every node and grandchild is gone, exit code 0, within graceMs', async () => {
  const graceMs = 5000; // generous, so that a loaded machine never needs the escalation
  const f = fleet({
    nodes: {
      plain: {},
      parent: { args: simArgs('--spawn-child') },
      slow: { args: simArgs('--stop-delay', '300') },
    },
    template: { stop: { graceMs } },
  });
  const m = f.startManager();
  const pids = (await Promise.all(['plain', 'parent', 'slow'].map((n) => f.log.waitEvent(n, 'started')))).map(
    pidOf,
  );
  await Promise.all(['plain', 'parent', 'slow'].map((n, i) => f.ready(n, pids[i]!)));
  const grandchild = Number((await f.waitNodeLine('parent', /^GRANDCHILD pid=(\d+)$/))[1]);
  f.track(...pids, grandchild);
  assert.ok([...pids, grandchild].every((p) => alive(p)));

  m.signal('SIGTERM');
  const exit = await m.waitExit(graceMs + MARGIN_MS);
  assert.equal(exit.code, 0, `exit code 0 (stderr: ${m.stderr().slice(-300)})`);
  await waitGone([...pids, grandchild], 'every node and the grandchild', 5000);
  const stopped = ['plain', 'parent', 'slow'].map((n) => f.log.events(n, 'stopped'));
  assert.ok(
    stopped.every((s) => s.length === 1 && s[0]!['escalated'] === false),
    'each stopped politely',
  );
  assert.ok(f.log.entries().some((e) => e.message === 'nodewarden: manager_stopped'));
  assert.deepEqual(f.ownedPids(), [], 'nothing of this fleet is left running');
});

test('a SIGTERM-ignoring node and its SIGTERM-ignoring grandchild are killed after graceMs', async () => {
  const f = fleet({ nodes: { stubborn: { args: simArgs('--ignore-sigterm', '--spawn-child') } } });
  const m = f.startManager();
  const pid = pidOf(await f.log.waitEvent('stubborn', 'started'));
  const grandchild = Number((await f.waitNodeLine('stubborn', /^GRANDCHILD pid=(\d+)$/))[1]);
  f.track(pid, grandchild);

  const t0 = performance.now();
  m.signal('SIGTERM');
  await f.waitNodeLine('stubborn', /^SIGTERM ignored$/);
  await f.waitNodeLine('stubborn', /^GRANDCHILD SLEEPER SIGTERM ignored$/);
  const stopped = await f.log.waitEvent('stubborn', 'stopped', { timeoutMs: GRACE_MS + MARGIN_MS });
  assert.equal(stopped['escalated'], true, 'stopped by SIGKILL after the grace');
  assert.ok(performance.now() - t0 >= GRACE_MS - 50, 'the node was given its graceMs');
  assert.equal((await m.waitExit(MARGIN_MS)).code, 0);
  await waitGone([pid, grandchild], 'the node and its grandchild', 5000);
  assert.deepEqual(f.ownedPids(), []);
});

test('a second SIGTERM kills every node at once instead of waiting out graceMs', async () => {
  const graceMs = 60_000;
  const f = fleet({
    nodes: { stubborn: { args: simArgs('--ignore-sigterm') } },
    template: { stop: { graceMs } },
  });
  const m = f.startManager();
  const pid = pidOf(await f.log.waitEvent('stubborn', 'started'));
  f.track(pid);
  await f.ready('stubborn', pid);

  const t0 = performance.now();
  m.signal('SIGTERM');
  await f.waitNodeLine('stubborn', /^SIGTERM ignored$/);
  m.signal('SIGTERM');
  const stopped = await f.log.waitEvent('stubborn', 'stopped');
  assert.equal(stopped['escalated'], true);
  assert.equal((await m.waitExit(MARGIN_MS)).code, 0);
  assert.ok(performance.now() - t0 < graceMs, 'no wait for the grace');
  await waitGone([pid], 'the node');
});

test('a node that obeys SIGTERM with a grandchild that ignores it: the grandchild is killed after graceMs', async () => {
  // sh starts the sim's SIGTERM-ignoring sleeper in the background, then becomes the sim.
  const script = '"$1" "$2" --ignore-sigterm & echo "GRANDCHILD pid=$!"; exec "$1" "$3" --name "$4"';
  const f = fleet({
    nodes: {
      wrapped: { binary: '/bin/sh', args: ['-c', script, 'sh', process.execPath, SLEEPER, SIM, '{{name}}'] },
    },
  });
  const m = f.startManager();
  const pid = pidOf(await f.log.waitEvent('wrapped', 'started'));
  const grandchild = Number((await f.waitNodeLine('wrapped', /^GRANDCHILD pid=(\d+)$/))[1]);
  f.track(pid, grandchild);
  await f.waitNodeLine('wrapped', /^SLEEPER READY$/); // it ignores SIGTERM from now on
  await f.ready('wrapped', pid);
  assert.deepEqual(f.simPids('wrapped'), [pid]);

  const t0 = performance.now();
  m.signal('SIGTERM');
  const stopped = await f.log.waitEvent('wrapped', 'stopped', { timeoutMs: GRACE_MS + MARGIN_MS });
  assert.equal(stopped['escalated'], true, 'what was left of the tree got SIGKILL after the grace');
  assert.ok(performance.now() - t0 >= GRACE_MS - 50, 'the grandchild was given graceMs');
  assert.ok(!alive(grandchild), 'no grandchild survives the stop');
  assert.equal((await m.waitExit(MARGIN_MS)).code, 0);
  assert.deepEqual(f.ownedPids(), []);
});
