/**
 * The out-of-sync rules of DESIGN §3 as one pure function over a node's
 * readings: no clock, no I/O. `SyncPolicy` keeps the readings and calls it.
 */
import type { Health } from '../supervisor/states.js';
import type { SyncRule, SyncSettings } from './sync-types.js';

/** What the policy remembers of one node since its last start. */
export interface NodeReadings {
  readonly settings: SyncSettings;
  /** Monotonic ms of the last start (the grace counts from it). */
  readonly startedAt: number;
  /** The verdict so far (kept when there is nothing new to judge by). */
  readonly health: Health;
  /** The last good height reading. */
  readonly last: { readonly height: number; readonly at: number } | null;
  /** When the current height was first seen, and the group's reference then. */
  readonly heightSince: number | null;
  readonly refAtHeightSince: number | null;
  /** When the reference first rose above `refAtHeightSince` while the node stayed put (null: not yet). */
  readonly refRoseAt: number | null;
  /** Height-probe failures in a row, and since when. */
  readonly failures: number;
  readonly failingSince: number | null;
  /** Since when the lag is above maxLag (null when it is not). */
  readonly behindSince: number | null;
  /** The lag about `windowMs` ago (null if unknown), to tell "shrinking". */
  readonly lagWindowAgo: number | null;
  /** What the daemon itself said with the last reading: syncing (true), not (false), or nothing (null). */
  readonly saysSyncing: boolean | null;
}

/** A verdict: the health, the rule behind it and since when (monotonic) it holds. */
export interface Judgement {
  readonly health: Health;
  readonly rule: SyncRule;
  readonly lag: number | null;
  readonly since: number | null;
}

/**
 * Judges one running node against its group's `reference` at `now`;
 * `referenceMovedAt` is when the reference last rose (null: never seen).
 * - no verdict (`unknown`) during `startupGraceMs` after a start;
 * - `unreachable` after `unreachableAfter` failed height probes in a row;
 * - no fresh reading or no reference: the verdict stays what it was;
 * - lag = reference − height, counted only when behind (ahead is lag 0);
 * - lag ≤ maxLag is `in_sync`, always: being a block or two behind on a chain
 *   that was idle and has just moved is normal, and never a reason to restart;
 * - `out_of_sync` by `stall` when, with lag > maxLag, the height has not moved
 *   for `stallMs` counted from when the reference first rose past the height's
 *   reference, and the reference is still moving (it rose within the last
 *   `stallMs`): the network goes on without the node. Time in which the chain
 *   itself was idle never counts, so 10-minute blocks are no stall;
 * - `out_of_sync` by `lag` when lag > maxLag for `windowMs` and not shrinking;
 * - `syncing` while behind but shrinking (or behind for less than windowMs);
 * - a node whose daemon says it is syncing (a preset's flag) is `syncing`
 *   whatever its lag while its height moves; once its height has stayed put
 *   for `stallMs` it is `out_of_sync` by `stall` all the same: a stuck
 *   "syncing" node must not hide behind its flag. This needs no reference,
 *   so a node alone in its group is judged too.
 */
export function judge(
  r: NodeReadings,
  reference: number | null,
  now: number,
  referenceMovedAt: number | null,
): Judgement {
  const s = r.settings;
  if (now - r.startedAt < s.startupGraceMs)
    return { health: 'unknown', rule: 'grace', lag: null, since: r.startedAt };
  if (r.failures >= s.unreachableAfter) {
    return { health: 'unreachable', rule: 'probe_failed', lag: null, since: r.failingSince };
  }
  if (r.saysSyncing === true && r.last !== null && now - r.last.at <= s.staleMs) {
    const lag = reference === null ? null : Math.max(0, reference - r.last.height);
    const still = r.heightSince ?? r.last.at;
    return now - still < s.stallMs
      ? { health: 'syncing', rule: 'daemon_syncing', lag, since: still }
      : { health: 'out_of_sync', rule: 'stall', lag, since: still };
  }
  if (r.last === null || now - r.last.at > s.staleMs || reference === null) {
    return { health: r.health, rule: 'no_reading', lag: null, since: null };
  }
  const lag = Math.max(0, reference - r.last.height);
  if (lag <= s.maxLag) return { health: 'in_sync', rule: 'within_lag', lag, since: null };
  const refMoving = referenceMovedAt !== null && now - referenceMovedAt < s.stallMs;
  if (refMoving && r.refRoseAt !== null && now - r.refRoseAt >= s.stallMs) {
    return { health: 'out_of_sync', rule: 'stall', lag, since: r.refRoseAt };
  }
  const behindSince = r.behindSince ?? now;
  if (now - behindSince < s.windowMs)
    return { health: 'syncing', rule: 'catching_up', lag, since: behindSince };
  const shrinking = r.lagWindowAgo !== null && lag < r.lagWindowAgo;
  return shrinking
    ? { health: 'syncing', rule: 'catching_up', lag, since: behindSince }
    : { health: 'out_of_sync', rule: 'lag', lag, since: behindSince };
}
