import type { ExitInfo } from './driver.js';
import type { Effect, MachineContext, Transition } from './machine-types.js';
import { emit, enterFatal, failOrBackoff, restarting, spawnNow, toExited } from './machine-steps.js';

/** The process that ended unexpectedly, as the state it ended in knew it. */
export interface RunInfo {
  /** Failures in a row before this run. */
  readonly attempt: number;
  /** When its spawn was requested (monotonic). */
  readonly spawnAt: number;
  /** It ended before `startSeconds`: a failed start. */
  readonly duringStart: boolean;
  /** A re-adopted survivor (age unknown, counts as stable; exit code unknown). */
  readonly adopted: boolean;
}

/**
 * STARTING | RUNNING -> ?: the restart policy (DESIGN §1 `restart.*`) applied to
 * a process that ended on its own. In order:
 * - emit `crashed` (non-zero code, a signal, or unknown) or `exited` (code 0)
 *   for a process that had started; a failed start is told by `backoff`/`fatal`;
 * - policy `never`, or `on-failure` after code 0 -> EXITED;
 * - a `permanentExitCodes` code -> FATAL;
 * - held -> EXITED with the restart pending until `release`;
 * - after a stable run -> STARTING at once (no timer: crash→replacement latency);
 * - else one more failure in a row -> BACKOFF, or FATAL after `maxRetries`.
 */
export function afterUnexpectedExit(ctx: MachineContext, run: RunInfo, ended: ExitInfo): Transition {
  const exit: ExitInfo = { code: ended.code, signal: ended.signal };
  const { restart } = ctx.policy;
  // Whole milliseconds: the monotonic clock has fractions, stored details do not.
  const uptimeMs = Math.max(0, Math.round(ctx.now - run.spawnAt));
  const failed = exit.code !== 0 || exit.signal !== null;
  const facts = {
    code: exit.code,
    signal: exit.signal,
    uptimeMs,
    ...(run.adopted ? { adopted: true } : {}),
    ...(run.duringStart ? { duringStart: true } : {}),
  };
  const exitEvent = emit(ctx, failed ? 'crashed' : 'exited', null, facts);
  const pre: Effect[] = run.duringStart ? [] : [exitEvent];

  const wantsRestart = restart.policy === 'always' || (restart.policy === 'on-failure' && failed);
  if (!wantsRestart) return toExited(ctx, exit, false, [exitEvent]);
  if (exit.code !== null && restart.permanentExitCodes.includes(exit.code)) {
    return enterFatal(ctx, 'permanent_exit_code', facts, pre);
  }
  if (ctx.held) return toExited(ctx, exit, true, [exitEvent]);

  const stable = !run.duringStart && (run.adopted || uptimeMs >= restart.stableSeconds * 1000);
  if (stable) {
    // RUNNING -> STARTING: a crash after a stable run is replaced at once.
    return spawnNow(ctx, 0, 'restart', [...pre, restarting(ctx, 'crash', facts)]);
  }
  return failOrBackoff(
    ctx,
    run.attempt + 1,
    run.spawnAt,
    exit,
    facts,
    run.duringStart ? 'failed_start' : 'crash',
    pre,
  );
}
