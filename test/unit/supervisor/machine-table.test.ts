import { describe, test } from 'node:test';
import assert from 'node:assert/strict';
import { EVENT_TYPES } from '../../../src/events/types.js';
import { ignore, illegal, machine, transition } from '../../../src/supervisor/machine.js';
import {
  INPUT_TYPES,
  STATE_TIMER,
  type Input,
  type InputType,
  type NodeState,
} from '../../../src/supervisor/machine-types.js';
import { NODE_STATES, type StateKind } from '../../../src/supervisor/states.js';
import { identity, NOW, testCtx } from './fixtures.js';

/**
 * Walks every state × input cell. The matrix below is the declaration:
 * `h` handled, `.` ignored (s6's no-op), `x` illegal (a bug if it arrives).
 * Columns follow INPUT_TYPES.
 */
const DECLARED: Record<StateKind, string> = {
  //        start stop restart pause resume spawned spawnFailed processExited startWindow retryDue grace adopt reap kill hold release
  stopped: 'h . h . . x x x x x x h h . . .',
  starting: '. h h h . h h h h x x x x h . .',
  running: '. h h h . x x h x x x x x h . .',
  backoff: 'h h h h . x x x x h x x x h h .',
  stopping: 'h h h h h h h h x x h x x h . .',
  exited: 'h h h . . x x x x x x x x h . h',
  fatal: 'h h h . . x x x x h x x x h h h',
  paused: 'h h h . h x x x x x x x x h . .',
};

/** Sample states of each kind, covering the data each handler branches on. */
const SAMPLES: Record<StateKind, Record<string, NodeState>> = {
  stopped: { stopped: { kind: 'stopped', since: 0 } },
  starting: {
    spawning: { kind: 'starting', since: NOW - 10, pid: null, attempt: 1 },
    starting: { kind: 'starting', since: NOW - 10, pid: 42, attempt: 1 },
  },
  running: {
    running: { kind: 'running', since: NOW - 5000, pid: 42, spawnAt: NOW - 8000, attempt: 1, adopted: false },
    adopted: { kind: 'running', since: NOW, pid: 42, spawnAt: NOW, attempt: 0, adopted: true },
  },
  backoff: {
    backoff: {
      kind: 'backoff',
      since: NOW - 10,
      attempt: 2,
      retryAt: NOW,
      lastExit: { code: 1, signal: null },
    },
  },
  stopping: {
    stopping: {
      kind: 'stopping',
      since: NOW - 10,
      pid: 42,
      escalated: false,
      then: 'stop',
      pauseDetails: null,
      reap: null,
    },
    reaping: {
      kind: 'stopping',
      since: NOW - 10,
      pid: 500,
      escalated: false,
      then: 'stop',
      pauseDetails: null,
      reap: { reason: 'config changed', details: { source: 'database' } },
    },
    stoppingSpawn: {
      kind: 'stopping',
      since: NOW - 10,
      pid: null,
      escalated: false,
      then: 'restart',
      pauseDetails: null,
      reap: null,
    },
    escalated: {
      kind: 'stopping',
      since: NOW - 10,
      pid: 42,
      escalated: true,
      then: 'pause',
      pauseDetails: { mem: 95 },
      reap: null,
    },
  },
  exited: {
    pending: { kind: 'exited', since: NOW - 10, exit: { code: 1, signal: null }, restartPending: true },
    exited: { kind: 'exited', since: NOW - 10, exit: { code: 0, signal: null }, restartPending: false },
  },
  fatal: {
    scheduled: { kind: 'fatal', since: NOW - 10, reason: 'max_retries', retryAt: NOW },
    unscheduled: { kind: 'fatal', since: NOW - 10, reason: 'max_retries', retryAt: null },
  },
  paused: { paused: { kind: 'paused', since: NOW - 10, details: { mem: 95 } } },
};

/** Handled cells that are still illegal for particular data (e.g. a second `spawned`). */
const ILLEGAL_FOR_DATA = new Set([
  'spawning:processExited',
  'spawning:startWindowElapsed',
  'starting:spawned',
  'starting:spawnFailed',
  'stopping:spawned',
  'stopping:spawnFailed',
  'reaping:spawned',
  'reaping:spawnFailed',
  'stoppingSpawn:processExited',
  'stoppingSpawn:graceElapsed',
  'escalated:spawned',
  'escalated:spawnFailed',
  'escalated:graceElapsed',
  'unscheduled:retryDue',
]);

const INPUTS: Record<InputType, Input> = {
  start: { type: 'start' },
  stop: { type: 'stop' },
  restart: { type: 'restart', reason: 'manual' },
  pause: { type: 'pause', details: { mem: 95 } },
  resume: { type: 'resume', details: { mem: 40 } },
  spawned: { type: 'spawned', identity: identity(43) },
  spawnFailed: { type: 'spawnFailed', error: 'ENOENT' },
  processExited: { type: 'processExited', code: 1, signal: null },
  startWindowElapsed: { type: 'startWindowElapsed' },
  retryDue: { type: 'retryDue' },
  graceElapsed: { type: 'graceElapsed' },
  adopt: { type: 'adopt', identity: identity(500) },
  reap: { type: 'reap', identity: identity(500), reason: 'config changed' },
  kill: { type: 'kill' },
  hold: { type: 'hold' },
  release: { type: 'release' },
};

describe('the transition table', () => {
  test('has a row per state and a cell per input, as declared', () => {
    assert.deepEqual(Object.keys(machine).sort(), [...NODE_STATES].sort());
    for (const kind of NODE_STATES) {
      const letters = DECLARED[kind].split(' ');
      assert.equal(letters.length, INPUT_TYPES.length, `declaration of ${kind}`);
      assert.deepEqual(Object.keys(machine[kind]).sort(), [...INPUT_TYPES].sort(), `row ${kind}`);
      const actual = INPUT_TYPES.map((t) => {
        const h: unknown = machine[kind][t];
        return h === ignore ? '.' : h === illegal ? 'x' : 'h';
      });
      assert.equal(actual.join(' '), DECLARED[kind], `row ${kind}`);
    }
  });

  for (const kind of NODE_STATES) {
    for (const [sampleName, state] of Object.entries(SAMPLES[kind])) {
      test(`every input in ${kind} (${sampleName}) behaves as declared`, () => {
        const letters = DECLARED[kind].split(' ');
        INPUT_TYPES.forEach((type, col) => {
          const cell = `${sampleName}:${type}`;
          const input = INPUTS[type];
          const expectIllegal = letters[col] === 'x' || ILLEGAL_FOR_DATA.has(cell);
          if (expectIllegal) {
            assert.throws(() => transition(state, input, testCtx()), { code: 'E_INTERNAL' }, cell);
            const lax = transition(state, input, { ...testCtx(), strict: false });
            assert.equal(lax.next, state, cell);
            assert.deepEqual(
              lax.effects.map((e) => e.type),
              ['internalError'],
              cell,
            );
            return;
          }
          const out = transition(state, input, testCtx());
          if (letters[col] === '.') {
            assert.equal(out.next, state, cell);
            assert.equal(out.effects.length, 0, cell);
            return;
          }
          checkInvariants(state, out.next, out.effects, cell);
        });
      });
    }
  }
});

/** What every handled cell must respect, whatever its edge. */
function checkInvariants(
  from: NodeState,
  next: NodeState,
  effects: ReturnType<typeof transition>['effects'],
  cell: string,
): void {
  assert.ok(NODE_STATES.includes(next.kind), `${cell}: next kind ${next.kind}`);
  for (const e of effects) {
    assert.notEqual(e.type, 'internalError', `${cell}: unexpected internal error`);
    // a state only arms its own timer
    if (e.type === 'setTimer')
      assert.equal(e.name, STATE_TIMER[next.kind], `${cell}: setTimer(${e.name}) in ${next.kind}`);
    if (e.type === 'emit') {
      assert.ok(EVENT_TYPES.includes(e.event.type), `${cell}: event ${e.event.type}`);
      assert.equal(e.event.node, 'ant-1', cell);
    }
  }
  // entering STARTING without a pid means a spawn was asked for
  if (next.kind === 'starting' && next.pid === null && from.kind !== 'starting') {
    assert.ok(
      effects.some((e) => e.type === 'spawn'),
      `${cell}: starting without spawn`,
    );
  }
  // leaving a state clears its timer
  const owned = STATE_TIMER[from.kind];
  if (owned && next.kind !== from.kind) {
    assert.ok(
      effects.some((e) => e.type === 'clearTimer' && e.name === owned),
      `${cell}: ${owned} not cleared`,
    );
  }
  // at most one spawn, and never a spawn while a process is being signalled
  const spawns = effects.filter((e) => e.type === 'spawn').length;
  assert.ok(spawns <= 1, `${cell}: ${spawns} spawns`);
  if (spawns) assert.ok(!effects.some((e) => e.type === 'signalGroup' || e.type === 'killTree'), cell);
  if (next.since !== from.since) assert.equal(next.since, NOW, `${cell}: since`);
}
