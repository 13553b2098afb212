import { NodewardenError } from '../errors.js';
import { afterUnexpectedExit } from './machine-exit.js';
import {
  beginStop,
  emit,
  failOrBackoff,
  finishStop,
  restarting,
  spawnNow,
  stopEffects,
  stopWithoutProcess,
  toExited,
} from './machine-steps.js';
import {
  STATE_TIMER,
  type Input,
  type InputType,
  type MachineContext,
  type NodeState,
  type Transition,
} from './machine-types.js';
import type { StateKind } from './states.js';

/**
 * The per-node lifecycle as one complete state × input table (s6 style): the
 * compiler makes every cell exist. `ignore` cells are inputs that mean nothing
 * in that state; `illegal` cells are inputs the runner never delivers there, so
 * one arriving is a bug. Handlers are pure: they read time from `ctx.now` and
 * return the next state plus effects for the runner (runner.ts) to perform.
 */

type StateOf<K extends StateKind> = Extract<NodeState, { kind: K }>;
type InputOf<T extends InputType> = Extract<Input, { type: T }>;
export type Handler<K extends StateKind, T extends InputType> = (
  s: StateOf<K>,
  i: InputOf<T>,
  ctx: MachineContext,
) => Transition;
export type Table = { readonly [K in StateKind]: { readonly [T in InputType]: Handler<K, T> } };

/** Thrown in strict mode when an illegal cell is hit. */
export class IllegalTransitionError extends NodewardenError {
  constructor(message: string, details: Record<string, unknown>) {
    super('E_INTERNAL', message, { details });
    this.name = 'IllegalTransitionError';
  }
}

/** The input means nothing in this state: no change, no effect. */
export const ignore = (s: NodeState): Transition => ({ next: s, effects: [] });

/** The input cannot happen in this state unless there is a bug. */
export const illegal = (s: NodeState, i: Input, ctx: MachineContext): Transition => {
  const message = `illegal input ${i.type} in state ${s.kind} for node ${ctx.node}`;
  if (ctx.strict) throw new IllegalTransitionError(message, { node: ctx.node, state: s, input: i });
  return { next: s, effects: [{ type: 'internalError', message }] };
};

const restartEvent = (ctx: MachineContext, i: InputOf<'restart'>) =>
  restarting(ctx, i.reason, { ...(i.details ?? {}), ...(i.profile ? { profile: i.profile } : {}) });

/** Cells shared by every state without a process (backoff, exited, fatal, paused). */
const idle = {
  // -> STARTING: an operator start resets the failure count
  start: (_s: NodeState, _i: Input, ctx: MachineContext) => spawnNow(ctx, 0, 'start'),
  // -> STOPPED: nothing to signal
  stop: (s: NodeState, _i: Input, ctx: MachineContext) => stopWithoutProcess(ctx, s.kind),
  // -> STARTING
  restart: (_s: NodeState, i: InputOf<'restart'>, ctx: MachineContext) =>
    spawnNow(ctx, 0, 'restart', [restartEvent(ctx, i)]),
  spawned: illegal,
  spawnFailed: illegal,
  processExited: illegal,
  startWindowElapsed: illegal,
  graceElapsed: illegal,
  adopt: illegal,
  reap: illegal,
  // -> STOPPED: a second shutdown signal finds nothing to kill
  kill: (s: NodeState, _i: Input, ctx: MachineContext) => stopWithoutProcess(ctx, s.kind),
} as const;

export const machine: Table = {
  stopped: {
    start: (_s, _i, ctx) => spawnNow(ctx, 0, 'start'), // STOPPED -> STARTING
    stop: ignore,
    restart: idle.restart, // STOPPED -> STARTING (supervisorctl starts a stopped program on restart)
    pause: ignore,
    resume: ignore,
    spawned: illegal,
    spawnFailed: illegal,
    processExited: illegal,
    startWindowElapsed: illegal,
    retryDue: illegal,
    graceElapsed: illegal,
    // STOPPED -> RUNNING: a survivor of the previous manager, watched, not spawned
    adopt: (_s, i, ctx) => ({
      next: {
        kind: 'running',
        since: ctx.now,
        pid: i.identity.pid,
        spawnAt: ctx.now,
        attempt: 0,
        adopted: true,
      },
      effects: [
        { type: 'watch', identity: i.identity },
        emit(ctx, 'adopted', null, {
          ...(i.details ?? {}),
          pid: i.identity.pid,
          pgid: i.identity.pgid,
          argv: [...i.identity.argv],
        }),
      ],
    }),
    // STOPPED -> STOPPING: a survivor that no longer matches its config, stopped like any node
    reap: (_s, i, ctx) => ({
      next: {
        kind: 'stopping',
        since: ctx.now,
        pid: i.identity.pid,
        escalated: false,
        then: 'stop',
        pauseDetails: null,
        reap: {
          reason: i.reason,
          details: { ...(i.details ?? {}), pid: i.identity.pid, argv: [...i.identity.argv] },
        },
      },
      effects: [{ type: 'watch', identity: i.identity }, ...stopEffects(ctx, i.identity.pid, false)],
    }),
    kill: ignore,
    hold: ignore,
    release: ignore,
  },

  starting: {
    start: ignore,
    stop: (s, _i, ctx) => beginStop(ctx, s.pid, 'stop'), // STARTING -> STOPPING
    restart: (s, i, ctx) => beginStop(ctx, s.pid, 'restart', { pre: [restartEvent(ctx, i)] }),
    pause: (s, i, ctx) => beginStop(ctx, s.pid, 'pause', { pauseDetails: i.details }),
    resume: ignore,
    spawned: (s, i, ctx) => {
      if (s.pid !== null) return illegal(s, i, ctx);
      const pid = i.identity.pid;
      const windowMs = ctx.policy.restart.startSeconds * 1000;
      // STARTING -> RUNNING at once when there is no start window
      if (windowMs <= 0) return toRunning({ ...s, pid }, pid, ctx);
      return { next: { ...s, pid }, effects: [{ type: 'setTimer', name: 'startWindow', ms: windowMs }] };
    },
    // STARTING -> BACKOFF | FATAL | EXITED: a spawn error is a failed start
    spawnFailed: (s, i, ctx) => {
      if (s.pid !== null) return illegal(s, i, ctx);
      const facts = { code: null, signal: null, error: i.error };
      if (ctx.held) return toExited(ctx, null, true, [emit(ctx, 'crashed', 'spawn_failed', facts)]);
      return failOrBackoffAfterSpawnError(s, i.error, ctx);
    },
    // STARTING -> BACKOFF | FATAL | EXITED: died within startSeconds
    processExited: (s, i, ctx) =>
      s.pid === null
        ? illegal(s, i, ctx)
        : afterUnexpectedExit(
            ctx,
            { attempt: s.attempt, spawnAt: s.since, duringStart: true, adopted: false },
            i,
          ),
    // STARTING -> RUNNING: stayed up startSeconds
    startWindowElapsed: (s, i, ctx) => (s.pid === null ? illegal(s, i, ctx) : toRunning(s, s.pid, ctx)),
    retryDue: illegal,
    graceElapsed: illegal,
    adopt: illegal,
    reap: illegal,
    kill: (s, _i, ctx) => beginStop(ctx, s.pid, 'stop', { escalate: true }), // STARTING -> STOPPING (SIGKILL)
    hold: ignore,
    release: ignore,
  },

  running: {
    start: ignore,
    stop: (s, _i, ctx) => beginStop(ctx, s.pid, 'stop'), // RUNNING -> STOPPING
    restart: (s, i, ctx) => beginStop(ctx, s.pid, 'restart', { pre: [restartEvent(ctx, i)] }),
    pause: (s, i, ctx) => beginStop(ctx, s.pid, 'pause', { pauseDetails: i.details }),
    resume: ignore,
    spawned: illegal,
    spawnFailed: illegal,
    // RUNNING -> STARTING | BACKOFF | FATAL | EXITED
    processExited: (s, i, ctx) =>
      afterUnexpectedExit(
        ctx,
        { attempt: s.attempt, spawnAt: s.spawnAt, duringStart: false, adopted: s.adopted },
        i,
      ),
    startWindowElapsed: illegal,
    retryDue: illegal,
    graceElapsed: illegal,
    adopt: illegal,
    reap: illegal,
    kill: (s, _i, ctx) => beginStop(ctx, s.pid, 'stop', { escalate: true }), // RUNNING -> STOPPING (SIGKILL)
    hold: ignore,
    release: ignore,
  },

  backoff: {
    ...idle,
    pause: (_s, i, ctx) => toPaused(i.details, ctx), // BACKOFF -> PAUSED: don't come back under pressure
    resume: ignore,
    // BACKOFF -> STARTING: the wait is over (a hold would have left backoff already)
    retryDue: (s, i, ctx) => (ctx.held ? illegal(s, i, ctx) : spawnNow(ctx, s.attempt, 'retry')),
    // BACKOFF -> EXITED: held, so the retry is dropped; `release` performs it
    hold: (s, _i, ctx) => toExited(ctx, s.lastExit, true, []),
    release: ignore,
  },

  stopping: {
    // the process is on its way down; afterwards it comes back
    start: (s) =>
      s.then === 'restart' ? ignore(s) : { next: { ...s, then: 'restart', pauseDetails: null }, effects: [] },
    stop: (s) =>
      s.then === 'stop' ? ignore(s) : { next: { ...s, then: 'stop', pauseDetails: null }, effects: [] },
    restart: (s, i, ctx) =>
      s.then === 'restart'
        ? ignore(s)
        : { next: { ...s, then: 'restart', pauseDetails: null }, effects: [restartEvent(ctx, i)] },
    // a stop wins over pressure; a pending restart becomes a pause
    pause: (s, i) =>
      s.then === 'restart'
        ? { next: { ...s, then: 'pause', pauseDetails: i.details }, effects: [] }
        : ignore(s),
    resume: (s, i, ctx) =>
      s.then === 'pause'
        ? {
            next: { ...s, then: 'restart', pauseDetails: null },
            effects: [emit(ctx, 'resumed', 'pressure', i.details)],
          }
        : ignore(s),
    // the stop arrived while the spawn was in flight: stop the new process now
    spawned: (s, i, ctx) =>
      s.pid !== null
        ? illegal(s, i, ctx)
        : { next: { ...s, pid: i.identity.pid }, effects: stopEffects(ctx, i.identity.pid, s.escalated) },
    // STOPPING -> STOPPED | STARTING | PAUSED: nothing was spawned
    spawnFailed: (s, i, ctx) => (s.pid !== null ? illegal(s, i, ctx) : finishStop(ctx, s, null, i.error)),
    // STOPPING -> STOPPED | STARTING | PAUSED: the expected end, not a crash
    processExited: (s, i, ctx) =>
      s.pid === null ? illegal(s, i, ctx) : finishStop(ctx, s, { code: i.code, signal: i.signal }),
    startWindowElapsed: illegal,
    retryDue: illegal,
    // grace is over: SIGKILL the whole tree; we stay STOPPING until the exit arrives
    graceElapsed: (s, i, ctx) =>
      s.pid === null || s.escalated
        ? illegal(s, i, ctx)
        : { next: { ...s, escalated: true }, effects: [{ type: 'killTree', pid: s.pid }] },
    adopt: illegal,
    reap: illegal,
    // a second shutdown signal: SIGKILL now, and nothing comes back afterwards
    kill: (s) => {
      const next = { ...s, escalated: true, then: 'stop' as const, pauseDetails: null };
      if (s.escalated) return s.then === 'stop' ? ignore(s) : { next, effects: [] };
      if (s.pid === null) return { next, effects: [] }; // `spawned` will kill it
      return {
        next,
        effects: [
          { type: 'clearTimer', name: 'grace' },
          { type: 'killTree', pid: s.pid },
        ],
      };
    },
    hold: ignore,
    release: ignore,
  },

  exited: {
    ...idle,
    pause: ignore,
    resume: ignore,
    retryDue: illegal,
    hold: ignore,
    // EXITED -> STARTING: the restart a hold suppressed
    release: (s, _i, ctx) =>
      s.restartPending
        ? spawnNow(ctx, 0, 'restart', [restarting(ctx, 'crash', { afterHold: true })])
        : ignore(s),
  },

  fatal: {
    ...idle,
    pause: ignore,
    resume: ignore,
    // FATAL -> STARTING: the periodic retry, with a fresh failure count
    retryDue: (s, i, ctx) =>
      s.retryAt === null
        ? illegal(s, i, ctx)
        : spawnNow(ctx, 0, 'retry', [restarting(ctx, 'crash', { afterFatal: true })]),
    hold: (s) =>
      s.retryAt === null
        ? ignore(s)
        : { next: { ...s, retryAt: null }, effects: [{ type: 'clearTimer', name: 'retry' }] },
    release: (s, _i, ctx) => {
      const ms = ctx.policy.restart.fatalRetryMs;
      if (s.retryAt !== null || ms <= 0) return ignore(s);
      return { next: { ...s, retryAt: ctx.now + ms }, effects: [{ type: 'setTimer', name: 'retry', ms }] };
    },
  },

  paused: {
    ...idle,
    pause: ignore,
    // PAUSED -> STARTING: the host has calmed down
    resume: (_s, i, ctx) => spawnNow(ctx, 0, 'resume', [emit(ctx, 'resumed', 'pressure', i.details)]),
    retryDue: illegal,
    hold: ignore,
    release: ignore,
  },
};

/** STARTING -> RUNNING */
function toRunning(s: StateOf<'starting'>, pid: number, ctx: MachineContext): Transition {
  return {
    next: { kind: 'running', since: ctx.now, pid, spawnAt: s.since, attempt: s.attempt, adopted: false },
    effects: [{ type: 'settle', pid }, emit(ctx, 'started', null, { pid, attempt: s.attempt })],
  };
}

/** -> PAUSED from a state without a process. */
function toPaused(details: Readonly<Record<string, unknown>>, ctx: MachineContext): Transition {
  return {
    next: { kind: 'paused', since: ctx.now, details },
    effects: [emit(ctx, 'paused', 'pressure', details)],
  };
}

function failOrBackoffAfterSpawnError(
  s: StateOf<'starting'>,
  error: string,
  ctx: MachineContext,
): Transition {
  return failOrBackoff(
    ctx,
    s.attempt + 1,
    s.since,
    null,
    { code: null, signal: null, error },
    'spawn_failed',
  );
}

/**
 * Apply one input. The timer owned by the state being left is cleared first,
 * so no handler has to remember it.
 */
export function transition(state: NodeState, input: Input, ctx: MachineContext): Transition {
  const handler = machine[state.kind][input.type] as (
    s: NodeState,
    i: Input,
    c: MachineContext,
  ) => Transition;
  const out = handler(state, input, ctx);
  const owned = STATE_TIMER[state.kind];
  if (out.next.kind === state.kind || owned === null) return out;
  return { next: out.next, effects: [{ type: 'clearTimer', name: owned }, ...out.effects] };
}
