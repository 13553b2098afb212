import type { EventType, RestartReason } from '../events/types.js';
import { backoffDelay, retryTime } from './backoff.js';
import type { ExitInfo } from './driver.js';
import type { Effect, MachineContext, NodeState, SpawnCause, StopThen, Transition } from './machine-types.js';

/**
 * The edges several cells of the transition table share. Pure like the table:
 * they build the next state and the effects, nothing else.
 */

type Details = Readonly<Record<string, unknown>>;

/** An `emit` effect for a contract event about this node. */
export function emit(
  ctx: MachineContext,
  type: EventType,
  reason: string | null,
  details: Details = {},
): Effect {
  return { type: 'emit', event: { node: ctx.node, type, reason, details: { ...details } } };
}

/** A `restarting` event for a restart that is about to happen. */
export function restarting(ctx: MachineContext, reason: RestartReason, details: Details = {}): Effect {
  return emit(ctx, 'restarting', reason, details);
}

/** -> STARTING: spawn now. */
export function spawnNow(
  ctx: MachineContext,
  attempt: number,
  cause: SpawnCause,
  pre: Effect[] = [],
): Transition {
  return {
    next: { kind: 'starting', since: ctx.now, pid: null, attempt },
    effects: [...pre, { type: 'spawn', cause }],
  };
}

/** The effects that begin (or hurry) the end of process `pid`. */
export function stopEffects(ctx: MachineContext, pid: number, escalated: boolean): Effect[] {
  if (escalated) return [{ type: 'killTree', pid }];
  return [
    { type: 'signalGroup', pid, signal: ctx.policy.stop.signal },
    { type: 'setTimer', name: 'grace', ms: ctx.policy.stop.graceMs },
  ];
}

/**
 * -> STOPPING. With no pid yet (spawn in flight) nothing is signalled now;
 * the `spawned` input will do it.
 */
export function beginStop(
  ctx: MachineContext,
  pid: number | null,
  then: StopThen,
  opts: { escalate?: boolean; pauseDetails?: Details | null; pre?: Effect[] } = {},
): Transition {
  const escalated = opts.escalate ?? false;
  return {
    next: {
      kind: 'stopping',
      since: ctx.now,
      pid,
      escalated,
      then,
      pauseDetails: opts.pauseDetails ?? null,
      reap: null,
    },
    effects: [...(opts.pre ?? []), ...(pid === null ? [] : stopEffects(ctx, pid, escalated))],
  };
}

/** -> STOPPED from a state without a process (backoff, exited, fatal, paused). */
export function stopWithoutProcess(ctx: MachineContext, from: NodeState['kind']): Transition {
  return {
    next: { kind: 'stopped', since: ctx.now },
    effects: [emit(ctx, 'stopped', null, { code: null, signal: null, escalated: false, from })],
  };
}

/**
 * STOPPING -> STOPPED | STARTING | PAUSED: the process we were stopping is gone
 * (or never spawned). The end of a reaped survivor is told as `orphan_reaped`
 * (instead of `stopped`), before whatever comes next.
 */
export function finishStop(
  ctx: MachineContext,
  s: Extract<NodeState, { kind: 'stopping' }>,
  exit: ExitInfo | null,
  error: string | null = null,
): Transition {
  const ended = { code: exit?.code ?? null, signal: exit?.signal ?? null, escalated: s.escalated };
  const reaped: Effect[] = s.reap
    ? [emit(ctx, 'orphan_reaped', s.reap.reason, { ...s.reap.details, ...ended })]
    : [];
  switch (s.then) {
    case 'stop':
      return {
        next: { kind: 'stopped', since: ctx.now },
        effects: s.reap ? reaped : [emit(ctx, 'stopped', null, error ? { ...ended, error } : ended)],
      };
    case 'restart':
      // the `restarting` event went out when the restart was asked for
      return spawnNow(ctx, 0, 'restart', reaped);
    case 'pause': {
      const details = s.pauseDetails ?? {};
      return {
        next: { kind: 'paused', since: ctx.now, details },
        effects: [...reaped, emit(ctx, 'paused', 'pressure', details)],
      };
    }
  }
}

/** -> FATAL, with the retry timer unless retries are off or the node is held. */
export function enterFatal(
  ctx: MachineContext,
  reason: string,
  details: Details,
  pre: Effect[] = [],
): Transition {
  const retryMs = ctx.policy.restart.fatalRetryMs;
  const retryAt = !ctx.held && retryMs > 0 ? ctx.now + retryMs : null;
  const effects: Effect[] = [
    ...pre,
    emit(ctx, 'fatal', reason, { ...details, retryInMs: retryAt === null ? null : retryMs }),
  ];
  if (retryAt !== null) effects.push({ type: 'setTimer', name: 'retry', ms: retryMs });
  return { next: { kind: 'fatal', since: ctx.now, reason, retryAt }, effects };
}

/** -> EXITED: ended on its own and the policy (or a hold) keeps it down. */
export function toExited(
  ctx: MachineContext,
  exit: ExitInfo | null,
  restartPending: boolean,
  pre: Effect[],
): Transition {
  return { next: { kind: 'exited', since: ctx.now, exit, restartPending }, effects: pre };
}

/**
 * Failure number `attempt` in a row (a failed start or a crash before a stable
 * run): -> FATAL once `maxRetries` is reached, else -> BACKOFF with the jittered
 * exponential delay, never respawning within 1 s of `lastSpawnAt`.
 */
export function failOrBackoff(
  ctx: MachineContext,
  attempt: number,
  lastSpawnAt: number,
  lastExit: ExitInfo | null,
  facts: Details,
  reason: string,
  pre: Effect[] = [],
): Transition {
  const { restart } = ctx.policy;
  if (attempt >= restart.maxRetries) return enterFatal(ctx, 'max_retries', { ...facts, attempt }, pre);
  const retryAt = retryTime(ctx.now, backoffDelay(attempt, restart, ctx.random), lastSpawnAt);
  // Whole milliseconds, rounded up so the spawn floor still holds.
  const delayMs = Math.ceil(retryAt - ctx.now);
  return {
    next: { kind: 'backoff', since: ctx.now, attempt, retryAt, lastExit },
    effects: [
      ...pre,
      emit(ctx, 'backoff', reason, { ...facts, delayMs, attempt }),
      { type: 'setTimer', name: 'retry', ms: delayMs },
    ],
  };
}
