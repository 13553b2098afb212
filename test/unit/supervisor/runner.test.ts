import { describe, test } from 'node:test';
import assert from 'node:assert/strict';
import { flush } from '../../helpers/fake-driver.js';
import { NodeRunner } from '../../../src/supervisor/runner.js';
import { harness, identity, testSpec } from './fixtures.js';

/**
 * NodeRunner on a FakeDriver and a FakeClock: no process is forked and no
 * test sleeps; time moves only through `tick`.
 */

/** Start a node and bring it to `running` (startSeconds 3). */
async function running(h: ReturnType<typeof harness>): Promise<number> {
  h.runner.start();
  await flush();
  await h.tick(3000);
  assert.equal(h.runner.snapshot().state, 'running');
  return h.driver.last.identity.pid;
}

describe('NodeRunner lifecycle', () => {
  test('stopped --start--> starting --startWindowElapsed--> running, with pid on the bus', async () => {
    const h = harness();
    h.runner.start();
    assert.equal(h.driver.spawns.length, 1, 'spawn is requested synchronously');
    assert.equal(h.driver.last.opts?.outputFd, 99);
    assert.equal(h.driver.last.opts?.spec.name, 'ant-1');
    await flush();
    const pid = h.driver.last.identity.pid;
    assert.deepEqual(
      h.states.map((s) => `${s.from}->${s.to}:${s.pid}`),
      ['stopped->starting:null', `starting->starting:${pid}`],
    );
    assert.deepEqual(h.identities, [h.driver.last.identity]);
    await h.tick(2999);
    assert.equal(h.runner.snapshot().state, 'starting');
    await h.tick(1);
    const snap = h.runner.snapshot();
    assert.equal(snap.state, 'running');
    assert.equal(snap.pid, pid);
    assert.equal(snap.since, h.clock.wallNow());
    assert.equal(snap.startedAt, h.clock.wallNow() - 3000);
    assert.deepEqual(h.types(), ['started']);
    assert.equal(h.runner.processIdentity()?.pid, pid);
  });

  test('running --processExited(code=1) after a stable run--> a new spawn at once, no timer between', async () => {
    const h = harness();
    const pid = await running(h);
    await h.tick(60_000);
    // What the bus's subscribers see while the crash is told: the replacement is
    // already spawned, and the snapshot is as before the spawn (no restart counted yet).
    const seen: string[] = [];
    h.bus.on('state', (c) => seen.push(`state ${c.to} spawns=${h.driver.spawns.length}`));
    h.bus.on('event', (e) =>
      seen.push(`${e.type} spawns=${h.driver.spawns.length} restarts=${h.runner.snapshot().restarts}`),
    );
    h.driver.exit(pid, 1);
    await flush();
    assert.deepEqual(seen.slice(0, 3), [
      'state starting spawns=2',
      'crashed spawns=2 restarts=0',
      'restarting spawns=2 restarts=0',
    ]);
    assert.equal(h.driver.spawns.length, 2, 'replacement spawned without any clock advance');
    assert.equal(h.driver.last.at, h.driver.spawns[0]!.at + 63_000);
    assert.deepEqual(h.types(), ['started', 'crashed', 'restarting']);
    assert.equal(h.lastOf('restarting')?.reason, 'crash');
    assert.deepEqual(h.lastOf('crashed')?.details, { code: 1, signal: null, uptimeMs: 63_000 });
    const snap = h.runner.snapshot();
    assert.equal(snap.state, 'starting');
    assert.equal(snap.restarts, 1);
    assert.equal(snap.exitCode, 1);
    assert.deepEqual(h.clock.pending(), [h.clock.now() + 3000], 'only the new start window is pending');
    assert.deepEqual(h.identities.slice(1), [null, h.driver.last.identity]);
  });

  test('crash loop: backoff doubles, fatal after maxRetries, retried after fatalRetryMs', async () => {
    const h = harness({ restart: { maxRetries: 3, fatalRetryMs: 600_000 } });
    h.runner.start();
    await flush();
    h.driver.exit(h.driver.last.identity.pid, 2); // 1st failed start at t=0
    await flush();
    assert.equal(h.runner.snapshot().state, 'backoff');
    assert.deepEqual(h.lastOf('backoff')?.details, {
      code: 2,
      signal: null,
      uptimeMs: 0,
      duringStart: true,
      delayMs: 1000,
      attempt: 1,
    });
    await h.tick(999);
    assert.equal(h.driver.spawns.length, 1);
    await h.tick(1);
    assert.equal(h.driver.spawns.length, 2);
    h.driver.exit(h.driver.last.identity.pid, 2); // 2nd at t=1000
    await flush();
    assert.equal(h.lastOf('backoff')?.details.delayMs, 2000);
    assert.equal(h.runner.snapshot().attempt, 2);
    await h.tick(2000);
    assert.equal(h.driver.spawns.length, 3);
    h.driver.exit(h.driver.last.identity.pid, 2); // 3rd at t=3000: maxRetries reached
    await flush();
    assert.equal(h.runner.snapshot().state, 'fatal');
    assert.equal(h.lastOf('fatal')?.reason, 'max_retries');
    assert.equal(h.lastOf('fatal')?.severity, 'critical');
    await h.tick(599_999);
    assert.equal(h.driver.spawns.length, 3, 'no retry before fatalRetryMs');
    await h.tick(1);
    assert.equal(h.driver.spawns.length, 4);
    const retry = h.lastOf('restarting');
    assert.equal(retry?.reason, 'crash');
    assert.equal(retry?.details.afterFatal, true);
    assert.equal(h.runner.snapshot().attempt, 0, 'the fatal retry starts a fresh count');
    assert.deepEqual(
      h.driver.spawns.map((p) => p.at),
      [0, 1000, 3000, 603_000],
    );
    assert.deepEqual(h.types(), ['backoff', 'backoff', 'fatal', 'restarting']);
    assert.equal(h.runner.snapshot().restarts, 3);
  });

  test('quick crashes after a start back off; a stable run resets the count', async () => {
    const h = harness({ restart: { stableSeconds: 60 } });
    let pid = await running(h);
    await h.tick(7000); // ran 10 s: not stable
    h.driver.exit(pid, 1);
    await flush();
    assert.equal(h.runner.snapshot().state, 'backoff');
    assert.equal(h.runner.snapshot().attempt, 1);
    await h.tick(1000);
    await h.tick(3000);
    pid = h.driver.last.identity.pid;
    assert.equal(h.runner.snapshot().attempt, 1, 'a start alone does not reset the count');
    await h.tick(60_000); // now a stable run
    h.driver.exit(pid, null, 'SIGSEGV');
    await flush();
    assert.equal(h.runner.snapshot().state, 'starting');
    assert.equal(h.runner.snapshot().attempt, 0);
    assert.deepEqual(h.types(), ['started', 'crashed', 'backoff', 'started', 'crashed', 'restarting']);
  });

  test('never two spawns within 1 s after quick failures (s6 floor)', async () => {
    const h = harness({ restart: { backoffMs: 100 } });
    h.runner.start();
    await flush();
    await h.tick(10);
    h.driver.exit(h.driver.last.identity.pid, 1);
    await flush();
    assert.equal(h.lastOf('backoff')?.details.delayMs, 990, 'a 100 ms backoff is held back to the floor');
    await h.tick(989);
    assert.equal(h.driver.spawns.length, 1);
    await h.tick(1);
    h.driver.exit(h.driver.last.identity.pid, 1);
    await flush();
    await h.tick(1000);
    assert.deepEqual(
      h.driver.spawns.map((p) => p.at),
      [0, 1000, 2000],
    );
  });

  test('a spawn failure (ENOENT) counts as a failed start', async () => {
    const h = harness();
    h.driver.failNextSpawn('spawn /opt/node/bin/node ENOENT');
    h.runner.start();
    await flush();
    assert.equal(h.runner.snapshot().state, 'backoff');
    assert.equal(h.lastOf('backoff')?.reason, 'spawn_failed');
    assert.equal(h.lastOf('backoff')?.details.error, 'spawn /opt/node/bin/node ENOENT');
    assert.equal(h.runner.snapshot().pid, null);
    await h.tick(1000);
    assert.equal(h.runner.snapshot().state, 'starting');
    assert.equal(h.runner.snapshot().pid, h.driver.last.identity.pid);
  });

  test('a throwing outputFd is a spawn failure, not a crash of the runner', async () => {
    const h = harness();
    const r = new NodeRunner({
      spec: testSpec(),
      driver: h.driver,
      clock: h.clock,
      bus: h.bus,
      outputFd: () => {
        throw new Error('FIFO missing');
      },
      strict: true,
    });
    r.start();
    await flush();
    assert.equal(r.snapshot().state, 'backoff');
    assert.equal(h.lastOf('backoff')?.details.error, 'FIFO missing');
  });
});

describe('NodeRunner stop, kill, restart', () => {
  test('running --stop--> stopping --processExited--> stopped within grace', async () => {
    const h = harness({ stop: { signal: 'SIGINT', graceMs: 5000 } });
    const pid = await running(h);
    const stopped = h.runner.stop();
    assert.deepEqual(h.driver.signals, [{ pgid: pid, signal: 'SIGINT' }]);
    await h.tick(4000);
    h.driver.exit(pid, 0);
    await stopped;
    assert.equal(h.runner.snapshot().state, 'stopped');
    assert.deepEqual(h.driver.kills, []);
    assert.deepEqual(h.lastOf('stopped')?.details, { code: 0, signal: null, escalated: false });
    assert.deepEqual(h.clock.pending(), [], 'the grace timer is gone');
  });

  test('stop escalates to killTree after graceMs', async () => {
    const h = harness({ stop: { graceMs: 120_000 } });
    const pid = await running(h);
    let done = false;
    const stopped = h.runner.stop().then(() => (done = true));
    await h.tick(119_999);
    assert.deepEqual(h.driver.kills, []);
    await h.tick(1);
    assert.deepEqual(h.driver.kills, [{ pid, pgid: pid }]);
    assert.equal(h.runner.snapshot().state, 'stopping', 'stays stopping until the exit is seen');
    assert.equal(done, false);
    h.driver.exit(pid, null, 'SIGKILL');
    await stopped;
    assert.deepEqual(h.lastOf('stopped')?.details, { code: null, signal: 'SIGKILL', escalated: true });
    assert.equal(h.runner.snapshot().exitSignal, 'SIGKILL');
  });

  test('a stop tells its steps on the bus: signal with its grace, SIGKILL when the grace is over, stopped with how long it took', async () => {
    const h = harness({ stop: { graceMs: 120_000 } });
    const pid = await running(h);
    const steps: unknown[] = [];
    h.bus.on('stop', ({ ts: _ts, ...p }) => steps.push(p));
    const stopped = h.runner.stop();
    await h.tick(120_000);
    await h.tick(40);
    h.driver.exit(pid, null, 'SIGKILL');
    await stopped;
    assert.deepEqual(steps, [
      { node: 'ant-1', step: 'signal', signal: 'SIGTERM', graceMs: 120_000 },
      { node: 'ant-1', step: 'kill', reason: 'grace over' },
      {
        node: 'ant-1',
        step: 'stopped',
        exitCode: null,
        exitSignal: 'SIGKILL',
        elapsedMs: 120_040,
        next: 'stopped',
      },
    ]);
  });

  test('a second shutdown signal during a stop is told as a requested kill', async () => {
    const h = harness();
    const pid = await running(h);
    const steps: string[] = [];
    h.bus.on('stop', (p) => steps.push(p.step === 'kill' ? `kill:${p.reason}` : p.step));
    const stopped = h.runner.stop();
    h.runner.kill();
    h.driver.exit(pid, null, 'SIGKILL');
    await stopped;
    assert.deepEqual(steps, ['signal', 'kill:kill requested', 'stopped']);
  });

  test('kill during a stop SIGKILLs the tree at once', async () => {
    const h = harness();
    const pid = await running(h);
    const stopped = h.runner.stop();
    h.driver.exitOnKill = true;
    h.runner.kill();
    assert.deepEqual(h.driver.kills, [{ pid, pgid: pid }]);
    await stopped;
    assert.equal(h.runner.snapshot().state, 'stopped');
    assert.deepEqual(h.clock.pending(), []);
  });

  test('stop while the spawn is in flight signals the process once it exists', async () => {
    const h = harness();
    h.runner.start();
    const stopped = h.runner.stop();
    assert.equal(h.runner.snapshot().state, 'stopping');
    await flush();
    const pid = h.driver.last.identity.pid;
    assert.deepEqual(h.driver.signals, [{ pgid: pid, signal: 'SIGTERM' }]);
    h.driver.exit(pid, null, 'SIGTERM');
    await stopped;
    assert.equal(h.runner.snapshot().state, 'stopped');
    assert.deepEqual(h.types(), ['stopped']);
  });

  test('stop() resolves at once when there is nothing to stop', async () => {
    const h = harness();
    await h.runner.stop();
    assert.equal(h.runner.snapshot().state, 'stopped');
    assert.deepEqual(h.types(), []);
  });

  test('restart(manual) stops then spawns, counting one restart', async () => {
    const h = harness();
    const pid = await running(h);
    h.runner.restart('manual');
    assert.equal(h.lastOf('restarting')?.reason, 'manual');
    h.driver.exit(pid, null, 'SIGTERM');
    await flush();
    assert.equal(h.driver.spawns.length, 2);
    assert.equal(h.runner.snapshot().restarts, 1);
    assert.deepEqual(h.types(), ['started', 'restarting']);
  });

  test('restart with a profile spec spawns the new spec; updateSpec is live', async () => {
    const h = harness();
    const pid = await running(h);
    const fallback = { ...testSpec(), profile: 'fallback', runHash: 'hash-2' };
    h.runner.restart('out_of_sync', { spec: fallback, details: { lag: 40 } });
    assert.deepEqual(h.lastOf('restarting')?.details, { lag: 40, profile: 'fallback' });
    h.driver.exit(pid, 0);
    await flush();
    assert.equal(h.driver.last.opts?.spec.runHash, 'hash-2');
    assert.throws(() => h.runner.updateSpec(testSpec({ name: 'other' })), { code: 'E_INTERNAL' });
  });
});

describe('NodeRunner pause, hold, adopt', () => {
  test('pause stops the node and records the details; resume starts it again', async () => {
    const h = harness();
    const pid = await running(h);
    h.runner.pause({ memPercent: 96 });
    h.driver.exit(pid, 0);
    await flush();
    assert.equal(h.runner.snapshot().state, 'paused');
    assert.deepEqual(h.lastOf('paused')?.details, { memPercent: 96 });
    h.runner.resume({ memPercent: 50 });
    assert.equal(h.runner.snapshot().state, 'starting');
    assert.deepEqual(h.lastOf('resumed')?.details, { memPercent: 50 });
    assert.equal(h.driver.spawns.length, 2);
    assert.equal(h.runner.snapshot().restarts, 0, 'a pause is not a restart');
    assert.deepEqual(h.types(), ['started', 'paused', 'resumed']);
  });

  test('held: a crash leaves the node exited, no backoff; release restarts it', async () => {
    const h = harness();
    const pid = await running(h);
    h.runner.hold();
    assert.equal(h.runner.snapshot().held, true);
    h.driver.exit(pid, 1);
    await flush();
    await h.tick(3_600_000);
    assert.equal(h.runner.snapshot().state, 'exited');
    assert.equal(h.driver.spawns.length, 1);
    assert.deepEqual(h.clock.pending(), []);
    h.runner.restart('out_of_sync');
    h.runner.pause({});
    h.runner.resume({});
    assert.equal(h.driver.spawns.length, 1, 'automatic actions are suspended');
    h.runner.release();
    assert.equal(h.driver.spawns.length, 2, 'the suppressed restart happens on release');
    assert.deepEqual(h.types(), ['started', 'held', 'crashed', 'released', 'restarting']);
    assert.equal(h.lastOf('restarting')?.details.afterHold, true);
  });

  test('held: a pending backoff retry is dropped and a fatal node is not retried', async () => {
    const h = harness({ restart: { maxRetries: 2 } });
    h.runner.start();
    await flush();
    h.driver.exit(h.driver.last.identity.pid, 1);
    await flush();
    assert.equal(h.runner.snapshot().state, 'backoff');
    h.runner.hold();
    assert.equal(h.runner.snapshot().state, 'exited');
    assert.deepEqual(h.clock.pending(), []);
    h.runner.start(); // an operator start still works
    await flush();
    h.driver.exit(h.driver.last.identity.pid, 1);
    await flush();
    assert.equal(h.runner.snapshot().state, 'exited', 'held: no backoff');
    h.runner.release(); // restarts the suppressed one
    await flush();
    h.driver.exit(h.driver.last.identity.pid, 1);
    await flush();
    await h.tick(1000);
    h.driver.exit(h.driver.last.identity.pid, 1);
    await flush();
    assert.equal(h.runner.snapshot().state, 'fatal');
    h.runner.hold();
    await h.tick(600_000);
    assert.equal(h.runner.snapshot().state, 'fatal', 'no fatal retry while held');
    h.runner.release();
    await h.tick(600_000);
    assert.equal(h.runner.snapshot().state, 'starting', 'release schedules the fatal retry again');
  });

  test('adopt watches a survivor without spawning; its crash restarts it at once', async () => {
    const h = harness();
    const survivor = identity(4242);
    h.runner.adopt(survivor);
    assert.equal(h.driver.spawns.length, 0);
    assert.equal(h.driver.processes.length, 1, 'watched');
    const snap = h.runner.snapshot();
    assert.equal(snap.state, 'running');
    assert.equal(snap.pid, 4242);
    assert.deepEqual(h.runner.processIdentity(), survivor);
    assert.deepEqual(
      h.states.map((s) => `${s.from}->${s.to}:${s.pid}`),
      ['stopped->running:4242'],
    );
    assert.equal(h.lastOf('adopted')?.details.pid, 4242);
    h.driver.exit(4242, null, null);
    await flush();
    assert.equal(h.driver.spawns.length, 1);
    assert.deepEqual(h.types(), ['adopted', 'crashed', 'restarting']);
    assert.equal(h.lastOf('crashed')?.details.adopted, true);
  });

  test('an adopted survivor is stopped through its process group', async () => {
    const h = harness();
    h.runner.adopt(identity(4242));
    const stopped = h.runner.stop();
    assert.deepEqual(h.driver.signals, [{ pgid: 4242, signal: 'SIGTERM' }]);
    h.driver.exit(4242, null, null);
    await stopped;
    assert.equal(h.runner.snapshot().state, 'stopped');
  });
});

describe('NodeRunner mailbox and stale results', () => {
  test('an input sent from a bus listener waits its turn in the mailbox', async () => {
    const h = harness();
    let seenInListener = '';
    let stopping: Promise<void> | null = null;
    h.bus.on('event', (e) => {
      if (e.type !== 'started') return;
      seenInListener = h.runner.snapshot().state;
      stopping = h.runner.stop();
    });
    h.runner.start();
    await flush();
    await h.tick(3000);
    assert.equal(seenInListener, 'running', 'the stop did not cut into the transition being applied');
    assert.deepEqual(
      h.states.map((s) => s.to),
      ['starting', 'starting', 'running', 'stopping'],
    );
    h.driver.exit(h.driver.last.identity.pid, 0);
    await stopping;
    assert.equal(h.runner.snapshot().state, 'stopped');
  });

  test('a timer that fires after it was cleared is dropped (stale token)', async () => {
    const h = harness();
    h.clock.leakyClear = true; // clearTimer does nothing: the old start window will still fire
    h.runner.start();
    await flush(); // start window due at t=3000
    await h.tick(1000);
    const stopped = h.runner.stop();
    h.driver.exit(h.driver.last.identity.pid, 0);
    await stopped;
    await h.tick(500);
    h.runner.start();
    await flush(); // new start window due at t=4500
    await h.tick(1500); // t=3000: the old window fires
    assert.equal(
      h.runner.snapshot().state,
      'starting',
      'the old start window must not make this process running',
    );
    await h.tick(1500);
    assert.equal(h.runner.snapshot().state, 'running');
  });

  test('detach leaves the process alone and drops everything after', async () => {
    const h = harness();
    h.runner.start();
    await flush();
    h.driver.exit(h.driver.last.identity.pid, 1);
    await flush();
    assert.equal(h.clock.pending().length, 1, 'a backoff retry is pending');
    h.runner.detach();
    assert.deepEqual(h.clock.pending(), []);
    h.runner.start();
    h.runner.hold();
    await h.tick(60_000);
    assert.equal(h.driver.spawns.length, 1);
    assert.deepEqual(h.driver.signals, []);
    assert.deepEqual(h.types(), ['backoff']);
  });
});

describe('NodeRunner survivors and settled identity', () => {
  test('starting --startWindowElapsed--> running: a wrapper that exec’ed within the start window is recorded as what it became', async () => {
    const h = harness();
    h.runner.start();
    await flush();
    const spawned = h.driver.last.identity;
    h.driver.exec(spawned.pid, ['/opt/chain/bin/chaind', '--datadir', '/var/lib/ant-1']);
    await h.tick(3000);
    assert.equal(h.runner.snapshot().state, 'running');
    const settled = { ...spawned, argv: ['/opt/chain/bin/chaind', '--datadir', '/var/lib/ant-1'] };
    assert.deepEqual(h.identities, [spawned, settled], 'recorded at spawn, then once settled');
    assert.deepEqual(h.runHashes, ['hash-1', 'hash-1']);
    assert.deepEqual(h.runner.processIdentity(), settled);
  });

  test('a process that did not exec is not recorded twice', async () => {
    const h = harness();
    await running(h);
    assert.deepEqual(h.identities, [h.driver.last.identity]);
  });

  test('stopped --reap--> stopping: signalled, escalated after the grace, recorded orphan_reaped (not stopped)', async () => {
    const h = harness({ stop: { graceMs: 5000 } });
    const survivor = identity(4242);
    const reaped = h.runner.reap(survivor, 'config changed', {
      runHash: 'old',
      details: { source: 'database' },
    });
    const snap = h.runner.snapshot();
    assert.deepEqual([snap.state, snap.pid], ['stopping', 4242], 'status shows the reap as a stop');
    assert.deepEqual(h.driver.signals, [{ pgid: 4242, signal: 'SIGTERM' }]);
    assert.deepEqual(h.identities, [survivor], 'recorded while it is reaped');
    assert.deepEqual(h.runHashes, ['old']);
    await h.tick(4999);
    assert.deepEqual(h.driver.kills, []);
    await h.tick(1);
    assert.deepEqual(h.driver.kills, [{ pid: 4242, pgid: 4242 }], 'killTree after the grace');
    h.driver.exit(4242, null, 'SIGKILL');
    await reaped;
    assert.equal(h.runner.snapshot().state, 'stopped');
    assert.deepEqual(h.types(), ['orphan_reaped']);
    const ev = h.lastOf('orphan_reaped')!;
    assert.equal(ev.reason, 'config changed');
    assert.deepEqual(
      { ...ev.details },
      {
        source: 'database',
        pid: 4242,
        argv: [...survivor.argv],
        code: null,
        signal: 'SIGKILL',
        escalated: true,
      },
    );
    assert.deepEqual(h.identities.at(-1), null);
    assert.equal(h.driver.spawns.length, 0);
  });

  test('a start during a reap spawns the node once the survivor is gone', async () => {
    const h = harness();
    void h.runner.reap(identity(4242), 'config changed');
    h.runner.start();
    assert.equal(h.driver.spawns.length, 0, 'never beside the survivor');
    h.driver.exit(4242, null, null);
    await flush();
    assert.equal(h.driver.spawns.length, 1);
    assert.deepEqual(h.types(), ['orphan_reaped']);
    assert.equal(h.runner.snapshot().state, 'starting');
  });

  test('an adopted survivor is recorded with the run hash it was started with; its replacement with the current one', async () => {
    const h = harness();
    h.runner.adopt(identity(4242), { runHash: 'old', details: { held: true, configChanged: true } });
    assert.deepEqual(h.runHashes, ['old']);
    assert.deepEqual(
      { ...h.lastOf('adopted')!.details },
      { held: true, configChanged: true, pid: 4242, pgid: 4242, argv: [...identity(4242).argv] },
    );
    h.driver.exit(4242, null, null);
    await flush();
    assert.deepEqual(h.runHashes, ['old', null, 'hash-1']);
  });
});
