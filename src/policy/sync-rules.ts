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
  /** Height-probe failures in a row, and since when. */
  readonly failures: number;
  readonly failingSince: number | null;
  /** Since when the lag is above maxLag (null when it is not). */
  readonly behindSince: number | null;
  /** The lag about `windowMs` ago (null if unknown), to tell "shrinking". */
  readonly lagWindowAgo: number | null;
}

/** A verdict: the health, the rule behind it and since when (monotonic) it holds. */
export interface Judgement {
  readonly health: Health;
  readonly rule: SyncRule;
  readonly lag: number | null;
  readonly since: number | null;
}

/**
 * Judges one running node against its group's `reference` at `now`:
 * - no verdict (`unknown`) during `startupGraceMs` after a start;
 * - `unreachable` after `unreachableAfter` failed height probes in a row;
 * - no fresh reading or no reference: the verdict stays what it was;
 * - lag = reference − height, counted only when behind (ahead is lag 0);
 * - `out_of_sync` when the height has not moved for `stallMs` while the
 *   reference moved, or when lag > maxLag for `windowMs` and is not shrinking;
 * - `syncing` while behind but shrinking (or behind for less than windowMs);
 * - `in_sync` otherwise.
 */
export function judge(r: NodeReadings, reference: number | null, now: number): Judgement {
  const s = r.settings;
  if (now - r.startedAt < s.startupGraceMs)
    return { health: 'unknown', rule: 'grace', lag: null, since: r.startedAt };
  if (r.failures >= s.unreachableAfter) {
    return { health: 'unreachable', rule: 'probe_failed', lag: null, since: r.failingSince };
  }
  if (r.last === null || now - r.last.at > s.staleMs || reference === null) {
    return { health: r.health, rule: 'no_reading', lag: null, since: null };
  }
  const lag = Math.max(0, reference - r.last.height);
  const refMoved = r.refAtHeightSince !== null && reference > r.refAtHeightSince;
  if (lag > 0 && refMoved && r.heightSince !== null && now - r.heightSince >= s.stallMs) {
    return { health: 'out_of_sync', rule: 'stall', lag, since: r.heightSince };
  }
  if (lag > s.maxLag) {
    const behindSince = r.behindSince ?? now;
    if (now - behindSince < s.windowMs)
      return { health: 'syncing', rule: 'catching_up', lag, since: behindSince };
    const shrinking = r.lagWindowAgo !== null && lag < r.lagWindowAgo;
    return shrinking
      ? { health: 'syncing', rule: 'catching_up', lag, since: behindSince }
      : { health: 'out_of_sync', rule: 'lag', lag, since: behindSince };
  }
  return { health: 'in_sync', rule: 'within_lag', lag, since: null };
}
