import { describe, test } from 'node:test';
import assert from 'node:assert/strict';
import { transition } from '../../../src/supervisor/machine.js';
import type { Input, MachineContext, NodeState } from '../../../src/supervisor/machine-types.js';
import { identity, NOW, show, testCtx } from './fixtures.js';

/**
 * Edge tests of the pure transition table, named after the edge they walk
 * (supervisord style). `NOW` is the machine's monotonic time.
 */

interface Edge {
  edge: string;
  from: NodeState;
  input: Input;
  ctx?: Parameters<typeof testCtx>[0];
  /** Fields the next state must have. */
  next: Record<string, unknown>;
  effects: string[];
  /** Details an emitted event must contain, by event type. */
  details?: Record<string, Record<string, unknown>>;
}

const HOUR = 3_600_000;
const starting = (o: Partial<Extract<NodeState, { kind: 'starting' }>> = {}): NodeState => ({
  kind: 'starting',
  since: NOW - 500,
  pid: 42,
  attempt: 0,
  ...o,
});
const running = (o: Partial<Extract<NodeState, { kind: 'running' }>> = {}): NodeState => ({
  kind: 'running',
  since: NOW - HOUR + 3000,
  pid: 42,
  spawnAt: NOW - HOUR,
  attempt: 0,
  adopted: false,
  ...o,
});
const stopping = (o: Partial<Extract<NodeState, { kind: 'stopping' }>> = {}): NodeState => ({
  kind: 'stopping',
  since: NOW - 1000,
  pid: 42,
  escalated: false,
  then: 'stop',
  pauseDetails: null,
  reap: null,
  ...o,
});
const exit = (code: number | null, signal: NodeJS.Signals | null = null): Input => ({
  type: 'processExited',
  code,
  signal,
});

// One edge per line reads as a table.
// prettier-ignore
const edges: Edge[] = [
  // stopped
  { edge: 'stopped --start--> starting', from: { kind: 'stopped', since: 0 }, input: { type: 'start' }, next: { kind: 'starting', pid: null, attempt: 0 }, effects: ['spawn(start)'] },
  { edge: 'stopped --restart(manual)--> starting', from: { kind: 'stopped', since: 0 }, input: { type: 'restart', reason: 'manual' }, next: { kind: 'starting' }, effects: ['emit(restarting:manual)', 'spawn(restart)'] },
  { edge: 'stopped --adopt--> running (watched, not spawned)', from: { kind: 'stopped', since: 0 }, input: { type: 'adopt', identity: identity(500) }, next: { kind: 'running', pid: 500, adopted: true }, effects: ['watch(500)', 'emit(adopted)'], details: { adopted: { pid: 500 } } },
  { edge: 'stopped --adopt(details)--> running: the evidence goes into the adopted event', from: { kind: 'stopped', since: 0 }, input: { type: 'adopt', identity: identity(500), details: { source: 'node-lock', held: true } }, next: { kind: 'running', pid: 500 }, effects: ['watch(500)', 'emit(adopted)'], details: { adopted: { pid: 500, source: 'node-lock', held: true } } },
  { edge: 'stopped --reap--> stopping(reap): watched, signalled, grace armed', from: { kind: 'stopped', since: 0 }, input: { type: 'reap', identity: identity(500), reason: 'config changed', details: { source: 'database' } }, next: { kind: 'stopping', pid: 500, then: 'stop', escalated: false, reap: { reason: 'config changed', details: { source: 'database', pid: 500, argv: identity(500).argv } } }, effects: ['watch(500)', 'signalGroup(500,SIGTERM)', 'setTimer(grace,120000)'] },

  // starting
  { edge: 'starting(pid=null) --spawned--> starting(pid) + start window', from: starting({ pid: null }), input: { type: 'spawned', identity: identity(42) }, next: { kind: 'starting', pid: 42 }, effects: ['setTimer(startWindow,3000)'] },
  { edge: 'starting(pid=null) --spawned(startSeconds=0)--> running', from: starting({ pid: null }), input: { type: 'spawned', identity: identity(42) }, ctx: { restart: { startSeconds: 0 } }, next: { kind: 'running', pid: 42 }, effects: ['clearTimer(startWindow)', 'settle(42)', 'emit(started)'] },
  { edge: 'starting --startWindowElapsed--> running: the settled identity is read and recorded', from: starting({ attempt: 2 }), input: { type: 'startWindowElapsed' }, next: { kind: 'running', pid: 42, attempt: 2, spawnAt: NOW - 500 }, effects: ['clearTimer(startWindow)', 'settle(42)', 'emit(started)'] },
  { edge: 'starting --processExited(code=1)--> backoff', from: starting(), input: exit(1), next: { kind: 'backoff', attempt: 1, retryAt: NOW + 1000 }, effects: ['clearTimer(startWindow)', 'emit(backoff:failed_start)', 'setTimer(retry,1000)'], details: { backoff: { code: 1, delayMs: 1000, attempt: 1 } } },
  { edge: 'starting(attempt=2) --processExited(code=1)--> backoff(4 s)', from: starting({ attempt: 2 }), input: exit(1), next: { kind: 'backoff', attempt: 3 }, effects: ['clearTimer(startWindow)', 'emit(backoff:failed_start)', 'setTimer(retry,4000)'] },
  { edge: 'starting(attempt=4) --processExited(code=1)--> fatal after maxRetries', from: starting({ attempt: 4 }), input: exit(1), next: { kind: 'fatal', reason: 'max_retries', retryAt: NOW + 600_000 }, effects: ['clearTimer(startWindow)', 'emit(fatal:max_retries)', 'setTimer(retry,600000)'], details: { fatal: { attempt: 5, retryInMs: 600_000 } } },
  { edge: 'starting(attempt=4) --processExited(fatalRetryMs=0)--> fatal without retry', from: starting({ attempt: 4 }), input: exit(1), ctx: { restart: { fatalRetryMs: 0 } }, next: { kind: 'fatal', retryAt: null }, effects: ['clearTimer(startWindow)', 'emit(fatal:max_retries)'], details: { fatal: { retryInMs: null } } },
  { edge: 'starting --processExited(permanent code 78)--> fatal', from: starting(), input: exit(78), ctx: { restart: { permanentExitCodes: [78] } }, next: { kind: 'fatal', reason: 'permanent_exit_code' }, effects: ['clearTimer(startWindow)', 'emit(fatal:permanent_exit_code)', 'setTimer(retry,600000)'] },
  { edge: 'starting --processExited(code=0, on-failure)--> exited', from: starting(), input: exit(0), ctx: { restart: { policy: 'on-failure' } }, next: { kind: 'exited', restartPending: false }, effects: ['clearTimer(startWindow)', 'emit(exited)'], details: { exited: { duringStart: true } } },
  { edge: 'starting(pid=null) --spawnFailed--> backoff', from: starting({ pid: null }), input: { type: 'spawnFailed', error: 'spawn /x ENOENT' }, next: { kind: 'backoff', attempt: 1, lastExit: null }, effects: ['clearTimer(startWindow)', 'emit(backoff:spawn_failed)', 'setTimer(retry,1000)'], details: { backoff: { error: 'spawn /x ENOENT' } } },
  { edge: 'starting(pid=null) --spawnFailed(held)--> exited(restartPending)', from: starting({ pid: null }), input: { type: 'spawnFailed', error: 'ENOENT' }, ctx: { held: true }, next: { kind: 'exited', restartPending: true }, effects: ['clearTimer(startWindow)', 'emit(crashed:spawn_failed)'] },
  { edge: 'starting(pid=null) --stop--> stopping(pid=null): nothing to signal yet', from: starting({ pid: null }), input: { type: 'stop' }, next: { kind: 'stopping', pid: null, then: 'stop' }, effects: ['clearTimer(startWindow)'] },
  { edge: 'starting --kill--> stopping(escalated)', from: starting(), input: { type: 'kill' }, next: { kind: 'stopping', escalated: true }, effects: ['clearTimer(startWindow)', 'killTree(42)'] },

  // running
  { edge: 'running --processExited(code=1) after a stable run--> starting at once', from: running(), input: exit(1), next: { kind: 'starting', attempt: 0, pid: null }, effects: ['emit(crashed)', 'emit(restarting:crash)', 'spawn(restart)'], details: { crashed: { code: 1, signal: null, uptimeMs: HOUR } } },
  { edge: 'running --processExited(code=1) before stableSeconds--> backoff', from: running({ spawnAt: NOW - 10_000 }), input: exit(1), next: { kind: 'backoff', attempt: 1 }, effects: ['emit(crashed)', 'emit(backoff:crash)', 'setTimer(retry,1000)'] },
  { edge: 'running(attempt=2) --processExited(code=1) before stableSeconds--> backoff(4 s)', from: running({ spawnAt: NOW - 10_000, attempt: 2 }), input: exit(1), next: { kind: 'backoff', attempt: 3 }, effects: ['emit(crashed)', 'emit(backoff:crash)', 'setTimer(retry,4000)'] },
  { edge: 'running(attempt=4) --processExited before stableSeconds--> fatal', from: running({ spawnAt: NOW - 10_000, attempt: 4 }), input: exit(1), next: { kind: 'fatal' }, effects: ['emit(crashed)', 'emit(fatal:max_retries)', 'setTimer(retry,600000)'] },
  { edge: 'running --processExited(signal=SIGSEGV)--> starting (crashed)', from: running(), input: exit(null, 'SIGSEGV'), next: { kind: 'starting' }, effects: ['emit(crashed)', 'emit(restarting:crash)', 'spawn(restart)'], details: { crashed: { code: null, signal: 'SIGSEGV' } } },
  { edge: 'running --processExited(code=0, always)--> starting (exited)', from: running(), input: exit(0), next: { kind: 'starting' }, effects: ['emit(exited)', 'emit(restarting:crash)', 'spawn(restart)'] },
  { edge: 'running --processExited(code=0, on-failure)--> exited', from: running(), input: exit(0), ctx: { restart: { policy: 'on-failure' } }, next: { kind: 'exited', restartPending: false, exit: { code: 0, signal: null } }, effects: ['emit(exited)'] },
  { edge: 'running --processExited(code=1, on-failure)--> starting', from: running(), input: exit(1), ctx: { restart: { policy: 'on-failure' } }, next: { kind: 'starting' }, effects: ['emit(crashed)', 'emit(restarting:crash)', 'spawn(restart)'] },
  { edge: 'running --processExited(code=1, never)--> exited', from: running(), input: exit(1), ctx: { restart: { policy: 'never' } }, next: { kind: 'exited', restartPending: false }, effects: ['emit(crashed)'] },
  { edge: 'running --processExited(code=1, held)--> exited(restartPending)', from: running(), input: exit(1), ctx: { held: true }, next: { kind: 'exited', restartPending: true }, effects: ['emit(crashed)'] },
  { edge: 'running --processExited(permanent code)--> fatal', from: running(), input: exit(100), ctx: { restart: { permanentExitCodes: [100] } }, next: { kind: 'fatal', reason: 'permanent_exit_code' }, effects: ['emit(crashed)', 'emit(fatal:permanent_exit_code)', 'setTimer(retry,600000)'] },
  { edge: 'running(adopted) --processExited(unknown)--> starting at once', from: running({ adopted: true, spawnAt: NOW - 5 }), input: exit(null), next: { kind: 'starting' }, effects: ['emit(crashed)', 'emit(restarting:crash)', 'spawn(restart)'], details: { crashed: { adopted: true, code: null } } },
  { edge: 'running --stop--> stopping', from: running(), input: { type: 'stop' }, next: { kind: 'stopping', then: 'stop', pid: 42, escalated: false }, effects: ['signalGroup(42,SIGTERM)', 'setTimer(grace,120000)'] },
  { edge: 'running --stop(signal=SIGINT, graceMs=5000)--> stopping', from: running(), input: { type: 'stop' }, ctx: { stop: { signal: 'SIGINT', graceMs: 5000 } }, next: { kind: 'stopping' }, effects: ['signalGroup(42,SIGINT)', 'setTimer(grace,5000)'] },
  { edge: 'running --restart(out_of_sync)--> stopping(then restart)', from: running(), input: { type: 'restart', reason: 'out_of_sync', profile: 'fallback', details: { lag: 50 } }, next: { kind: 'stopping', then: 'restart' }, effects: ['emit(restarting:out_of_sync)', 'signalGroup(42,SIGTERM)', 'setTimer(grace,120000)'], details: { restarting: { profile: 'fallback', lag: 50 } } },
  { edge: 'running --pause--> stopping(then pause)', from: running(), input: { type: 'pause', details: { memPercent: 95 } }, next: { kind: 'stopping', then: 'pause', pauseDetails: { memPercent: 95 } }, effects: ['signalGroup(42,SIGTERM)', 'setTimer(grace,120000)'] },
  { edge: 'running --kill--> stopping(escalated)', from: running(), input: { type: 'kill' }, next: { kind: 'stopping', escalated: true }, effects: ['killTree(42)'] },

  // stopping
  { edge: 'stopping(pid=null) --spawned--> stopping(pid): signal the late process', from: stopping({ pid: null }), input: { type: 'spawned', identity: identity(43) }, next: { kind: 'stopping', pid: 43 }, effects: ['signalGroup(43,SIGTERM)', 'setTimer(grace,120000)'] },
  { edge: 'stopping(pid=null, escalated) --spawned--> stopping: kill the late process', from: stopping({ pid: null, escalated: true }), input: { type: 'spawned', identity: identity(43) }, next: { kind: 'stopping', pid: 43 }, effects: ['killTree(43)'] },
  { edge: 'stopping --graceElapsed--> stopping(escalated)', from: stopping(), input: { type: 'graceElapsed' }, next: { kind: 'stopping', escalated: true }, effects: ['killTree(42)'] },
  { edge: 'stopping --processExited--> stopped', from: stopping({ escalated: true }), input: exit(null, 'SIGKILL'), next: { kind: 'stopped' }, effects: ['clearTimer(grace)', 'emit(stopped)'], details: { stopped: { code: null, signal: 'SIGKILL', escalated: true } } },
  { edge: 'stopping(reap) --processExited--> stopped: orphan_reaped, not stopped', from: stopping({ pid: 500, reap: { reason: 'config changed', details: { pid: 500 } } }), input: exit(null), next: { kind: 'stopped' }, effects: ['clearTimer(grace)', 'emit(orphan_reaped:config changed)'], details: { orphan_reaped: { pid: 500, escalated: false } } },
  { edge: 'stopping(reap, escalated) --processExited--> stopped: orphan_reaped(escalated)', from: stopping({ pid: 500, escalated: true, reap: { reason: 'node removed from config', details: {} } }), input: exit(null, 'SIGKILL'), next: { kind: 'stopped' }, effects: ['clearTimer(grace)', 'emit(orphan_reaped:node removed from config)'], details: { orphan_reaped: { escalated: true } } },
  { edge: 'stopping(reap, then restart) --processExited--> starting: orphan_reaped, then the spawn', from: stopping({ pid: 500, then: 'restart', reap: { reason: 'config changed', details: {} } }), input: exit(null), next: { kind: 'starting' }, effects: ['clearTimer(grace)', 'emit(orphan_reaped:config changed)', 'spawn(restart)'] },
  { edge: 'stopping(reap) --start--> stopping(reap, then restart)', from: stopping({ pid: 500, reap: { reason: 'config changed', details: {} } }), input: { type: 'start' }, next: { kind: 'stopping', then: 'restart', reap: { reason: 'config changed', details: {} } }, effects: [] },
  { edge: 'stopping(then restart) --processExited--> starting', from: stopping({ then: 'restart' }), input: exit(143), next: { kind: 'starting', attempt: 0 }, effects: ['clearTimer(grace)', 'spawn(restart)'] },
  { edge: 'stopping(then pause) --processExited--> paused', from: stopping({ then: 'pause', pauseDetails: { cpu: 99 } }), input: exit(0), next: { kind: 'paused', details: { cpu: 99 } }, effects: ['clearTimer(grace)', 'emit(paused:pressure)'], details: { paused: { cpu: 99 } } },
  { edge: 'stopping(pid=null, then restart) --spawnFailed--> starting', from: stopping({ pid: null, then: 'restart' }), input: { type: 'spawnFailed', error: 'ENOENT' }, next: { kind: 'starting' }, effects: ['clearTimer(grace)', 'spawn(restart)'] },
  { edge: 'stopping(pid=null) --spawnFailed--> stopped', from: stopping({ pid: null }), input: { type: 'spawnFailed', error: 'ENOENT' }, next: { kind: 'stopped' }, effects: ['clearTimer(grace)', 'emit(stopped)'] },
  { edge: 'stopping --start--> stopping(then restart)', from: stopping(), input: { type: 'start' }, next: { kind: 'stopping', then: 'restart' }, effects: [] },
  { edge: 'stopping(then restart) --stop--> stopping(then stop)', from: stopping({ then: 'restart' }), input: { type: 'stop' }, next: { kind: 'stopping', then: 'stop' }, effects: [] },
  { edge: 'stopping(then stop) --pause--> stopping(then stop): a stop wins', from: stopping(), input: { type: 'pause', details: {} }, next: { kind: 'stopping', then: 'stop' }, effects: [] },
  { edge: 'stopping(then pause) --resume--> stopping(then restart)', from: stopping({ then: 'pause', pauseDetails: {} }), input: { type: 'resume', details: { memPercent: 60 } }, next: { kind: 'stopping', then: 'restart', pauseDetails: null }, effects: ['emit(resumed:pressure)'] },
  { edge: 'stopping(escalated, then restart) --kill--> stopping(then stop)', from: stopping({ escalated: true, then: 'restart' }), input: { type: 'kill' }, next: { kind: 'stopping', escalated: true, then: 'stop' }, effects: [] },
  { edge: 'stopping --kill--> stopping(escalated)', from: stopping(), input: { type: 'kill' }, next: { kind: 'stopping', escalated: true }, effects: ['clearTimer(grace)', 'killTree(42)'] },

  // backoff
  { edge: 'backoff --retryDue--> starting', from: { kind: 'backoff', since: NOW - 2000, attempt: 2, retryAt: NOW, lastExit: null }, input: { type: 'retryDue' }, next: { kind: 'starting', attempt: 2 }, effects: ['clearTimer(retry)', 'spawn(retry)'] },
  { edge: 'backoff --stop--> stopped', from: { kind: 'backoff', since: NOW, attempt: 2, retryAt: NOW + 5, lastExit: null }, input: { type: 'stop' }, next: { kind: 'stopped' }, effects: ['clearTimer(retry)', 'emit(stopped)'] },
  { edge: 'backoff --start--> starting now, attempts reset', from: { kind: 'backoff', since: NOW, attempt: 2, retryAt: NOW + 5, lastExit: null }, input: { type: 'start' }, next: { kind: 'starting', attempt: 0 }, effects: ['clearTimer(retry)', 'spawn(start)'] },
  { edge: 'backoff --hold--> exited(restartPending)', from: { kind: 'backoff', since: NOW, attempt: 2, retryAt: NOW + 5, lastExit: { code: 1, signal: null } }, input: { type: 'hold' }, next: { kind: 'exited', restartPending: true, exit: { code: 1, signal: null } }, effects: ['clearTimer(retry)'] },
  { edge: 'backoff --pause--> paused', from: { kind: 'backoff', since: NOW, attempt: 1, retryAt: NOW + 5, lastExit: null }, input: { type: 'pause', details: { load: 9 } }, next: { kind: 'paused' }, effects: ['clearTimer(retry)', 'emit(paused:pressure)'] },

  // fatal
  { edge: 'fatal --retryDue--> starting (afterFatal)', from: { kind: 'fatal', since: NOW - 600_000, reason: 'max_retries', retryAt: NOW }, input: { type: 'retryDue' }, next: { kind: 'starting', attempt: 0 }, effects: ['clearTimer(retry)', 'emit(restarting:crash)', 'spawn(retry)'], details: { restarting: { afterFatal: true } } },
  { edge: 'fatal --hold--> fatal(no retry)', from: { kind: 'fatal', since: NOW, reason: 'max_retries', retryAt: NOW + 5 }, input: { type: 'hold' }, next: { kind: 'fatal', retryAt: null }, effects: ['clearTimer(retry)'] },
  { edge: 'fatal(no retry) --release--> fatal(retry scheduled)', from: { kind: 'fatal', since: NOW, reason: 'max_retries', retryAt: null }, input: { type: 'release' }, next: { kind: 'fatal', retryAt: NOW + 600_000 }, effects: ['setTimer(retry,600000)'] },
  { edge: 'fatal --start--> starting', from: { kind: 'fatal', since: NOW, reason: 'max_retries', retryAt: NOW + 5 }, input: { type: 'start' }, next: { kind: 'starting', attempt: 0 }, effects: ['clearTimer(retry)', 'spawn(start)'] },
  { edge: 'fatal --kill--> stopped', from: { kind: 'fatal', since: NOW, reason: 'max_retries', retryAt: NOW + 5 }, input: { type: 'kill' }, next: { kind: 'stopped' }, effects: ['clearTimer(retry)', 'emit(stopped)'] },

  // exited
  { edge: 'exited(restartPending) --release--> starting', from: { kind: 'exited', since: NOW, exit: { code: 1, signal: null }, restartPending: true }, input: { type: 'release' }, next: { kind: 'starting' }, effects: ['emit(restarting:crash)', 'spawn(restart)'], details: { restarting: { afterHold: true } } },
  { edge: 'exited --restart(config)--> starting', from: { kind: 'exited', since: NOW, exit: null, restartPending: false }, input: { type: 'restart', reason: 'config' }, next: { kind: 'starting' }, effects: ['emit(restarting:config)', 'spawn(restart)'] },
  { edge: 'exited --stop--> stopped', from: { kind: 'exited', since: NOW, exit: null, restartPending: false }, input: { type: 'stop' }, next: { kind: 'stopped' }, effects: ['emit(stopped)'] },

  // paused
  { edge: 'paused --resume--> starting', from: { kind: 'paused', since: NOW, details: {} }, input: { type: 'resume', details: { memPercent: 40 } }, next: { kind: 'starting', attempt: 0 }, effects: ['emit(resumed:pressure)', 'spawn(resume)'], details: { resumed: { memPercent: 40 } } },
  { edge: 'paused --stop--> stopped', from: { kind: 'paused', since: NOW, details: {} }, input: { type: 'stop' }, next: { kind: 'stopped' }, effects: ['emit(stopped)'] },
  { edge: 'paused --start--> starting', from: { kind: 'paused', since: NOW, details: {} }, input: { type: 'start' }, next: { kind: 'starting' }, effects: ['spawn(start)'] },
];

describe('transition table edges', () => {
  for (const e of edges) {
    test(e.edge, () => {
      const ctx: MachineContext = testCtx(e.ctx ?? {});
      const out = transition(e.from, e.input, ctx);
      for (const [k, v] of Object.entries(e.next)) {
        assert.deepEqual((out.next as unknown as Record<string, unknown>)[k], v, `next.${k}`);
      }
      assert.deepEqual(out.effects.map(show), e.effects);
      for (const [type, want] of Object.entries(e.details ?? {})) {
        const ev = out.effects.find((x) => x.type === 'emit' && x.event.type === type);
        assert.ok(ev && ev.type === 'emit', `no ${type} event`);
        assert.equal(ev.event.node, 'ant-1');
        for (const [k, v] of Object.entries(want))
          assert.deepEqual(ev.event.details?.[k], v, `${type}.details.${k}`);
      }
    });
  }
});

describe('machine rules', () => {
  test('a new state records the time it was entered', () => {
    const out = transition(running(), { type: 'stop' }, testCtx({ now: NOW + 7 }));
    assert.equal(out.next.since, NOW + 7);
  });

  test('the backoff retry never comes sooner than 1 s after the previous spawn', () => {
    // backoffMs 100: the jittered delay is ~100 ms but the floor holds the retry back
    const out = transition(starting({ since: NOW - 50 }), exit(1), testCtx({ restart: { backoffMs: 100 } }));
    assert.equal(out.next.kind, 'backoff');
    assert.equal(out.next.kind === 'backoff' && out.next.retryAt, NOW - 50 + 1000);
    assert.ok(out.effects.map(show).includes('setTimer(retry,950)'));
  });

  test('the 1 s floor never delays a restart after a stable run', () => {
    const out = transition(
      running({ spawnAt: NOW - 500 }),
      exit(1),
      testCtx({ restart: { stableSeconds: 0.1 } }),
    );
    assert.deepEqual(out.effects.map(show), ['emit(crashed)', 'emit(restarting:crash)', 'spawn(restart)']);
  });

  test('backoff delays are jittered by the injected random source', () => {
    const lo = transition(starting(), exit(1), { ...testCtx(), random: () => 0 });
    const hi = transition(starting(), exit(1), { ...testCtx(), random: () => 0.99 });
    assert.ok(lo.effects.map(show).includes('setTimer(retry,800)')); // the spawn was 500 ms ago: floor met
    assert.ok(hi.effects.map(show).includes('setTimer(retry,1196)'));
  });

  test('an illegal cell returns an internalError effect outside strict mode', () => {
    const s: NodeState = { kind: 'stopped', since: 0 };
    const out = transition(s, exit(1), { ...testCtx(), strict: false });
    assert.equal(out.next, s);
    assert.deepEqual(out.effects.map(show), ['internalError']);
  });

  test('an illegal cell throws E_INTERNAL in strict mode', () => {
    assert.throws(() => transition({ kind: 'stopped', since: 0 }, exit(1), testCtx()), {
      name: 'IllegalTransitionError',
      code: 'E_INTERNAL',
    });
  });
});
