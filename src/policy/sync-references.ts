/**
 * A sync group's external references (`sync.reference`: public RPC
 * providers, explorers) and the quorum over them. Pure decision code over
 * readings and an injected `now`: nothing here probes or emits.
 *
 * - A reading is usable while it is fresh (answered within its staleness)
 *   and not stalled. A reference is stalled when its height has not changed
 *   for the group's `stallMs` while another source of the group (a member in
 *   sync, or another reference) stands above it: the network went on
 *   without it.
 * - The external height is the median of the usable readings; with an even
 *   count the lower of the two middle ones, so a single reference lying high
 *   is never picked.
 * - With two or more references configured the external height needs at
 *   least two usable readings: a reference left alone (the others down or
 *   stalled) cannot be told from a liar, and is not followed. A group with
 *   one reference follows it (there is nothing to compare it with).
 * - A reference that keeps failing (`failAfter` probe failures in a row) or
 *   stalls opens a failure episode: one `reference_failed`, then one
 *   `reference_recovered` when it answers and moves again. Never a node
 *   verdict, never a restart.
 */

/** One reference of a group as the quorum sees it. */
interface RefTrack {
  reading: { height: number; at: number; staleMs: number; changedAt: number } | null;
  failures: number;
  failingSince: number | null;
  lastError: string | null;
  stalled: boolean;
  /** The open failure episode, if any, and when (monotonic) it opened. */
  episode: 'probe_failed' | 'stalled' | null;
  episodeAt: number;
}

/** A reference's failure episode opened or closed: becomes a `reference_failed` / `reference_recovered` event. */
export interface ReferenceChange {
  readonly group: string;
  /** The reference's key (`reference.0` …). */
  readonly key: string;
  readonly event: 'reference_failed' | 'reference_recovered';
  /** Why it failed (`probe_failed`, `stalled`) or, on recovery, why it had failed. */
  readonly rule: 'probe_failed' | 'stalled';
  readonly details: Readonly<Record<string, unknown>>;
}

/** What the quorum gives: the external height (null: none) and which readings made it. */
export interface ReferenceTip {
  readonly height: number | null;
  readonly used: readonly string[];
  readonly stalled: readonly string[];
  readonly configured: number;
}

/** Lower median: the middle value, or the lower of the two middle values of an even count. */
export function lowerMedian(values: readonly number[]): number | null {
  if (values.length === 0) return null;
  const sorted = [...values].sort((a, b) => a - b);
  return sorted[Math.floor((sorted.length - 1) / 2)]!;
}

export class ReferenceBook {
  private readonly refs = new Map<string, RefTrack>();
  /** Keys configured by the watcher; null until told (then the keys that reported count). */
  private configured: Set<string> | null = null;
  private pending: ReferenceChange[] = [];

  constructor(
    private readonly group: string,
    /** Monotonic ms → wall-clock ms, for the `since` of event details. */
    private readonly wallOf: (monotonicMs: number) => number,
  ) {}

  /**
   * The group's reference keys now. What is known of keys that left, and of
   * `changed` keys (a key that now names another probe), is dropped.
   */
  configure(keys: readonly string[], changed: readonly string[] = []): void {
    this.configured = new Set(keys);
    for (const k of [...this.refs.keys()])
      if (!this.configured.has(k) || changed.includes(k)) this.refs.delete(k);
  }

  /** A good reading of reference `key`. */
  reading(key: string, height: number, now: number, staleMs: number): void {
    const t = this.track(key);
    const changed = t.reading === null || t.reading.height !== height;
    t.reading = { height, at: now, staleMs, changedAt: changed ? now : t.reading!.changedAt };
    t.failures = 0;
    t.failingSince = null;
    t.lastError = null;
  }

  /** A failed probe of reference `key` (error, timeout, or no height). */
  failed(key: string, error: string, now: number): void {
    const t = this.track(key);
    t.failures++;
    t.failingSince ??= now;
    t.lastError = error;
  }

  /**
   * The external height at `now`. `others` is the best height of the group's
   * members in sync (null: none), `stallMs` the group's, `failAfter` the
   * failures in a row that make a reference failed. Opens and closes failure
   * episodes as a side effect (see `takeChanges`).
   */
  tip(now: number, others: number | null, stallMs: number, failAfter: number): ReferenceTip {
    const fresh = new Map<string, number>();
    for (const [k, t] of this.refs) {
      if (t.reading && now - t.reading.at <= t.reading.staleMs) fresh.set(k, t.reading.height);
    }
    const stalled: string[] = [];
    for (const [k, t] of this.refs) {
      const h = fresh.get(k);
      t.stalled = false;
      if (h === undefined) continue;
      // Once found stalled, a reference stays so until its height moves (not merely until the others pause).
      const stillStuck = t.episode === 'stalled' && t.reading!.changedAt < t.episodeAt;
      if (!stillStuck && now - t.reading!.changedAt < stallMs) continue;
      let above = stillStuck || (others !== null && others > h);
      for (const [o, oh] of fresh) if (o !== k && oh > h) above = true;
      if (above) {
        t.stalled = true;
        stalled.push(k);
      }
    }
    for (const [k, t] of this.refs) this.judge(k, t, now, failAfter, fresh.has(k));
    const used = [...fresh.keys()].filter((k) => !this.refs.get(k)!.stalled).sort();
    const configured = this.configured?.size ?? this.refs.size;
    const quorum = configured >= 2 ? 2 : 1;
    const height = used.length >= quorum ? lowerMedian(used.map((k) => fresh.get(k)!)) : null;
    return { height, used, stalled, configured };
  }

  /** The episode changes since the last call, oldest first. */
  takeChanges(): ReferenceChange[] {
    const out = this.pending;
    this.pending = [];
    return out;
  }

  private track(key: string): RefTrack {
    let t = this.refs.get(key);
    if (!t) {
      t = {
        reading: null,
        failures: 0,
        failingSince: null,
        lastError: null,
        stalled: false,
        episode: null,
        episodeAt: 0,
      };
      this.refs.set(key, t);
    }
    return t;
  }

  private judge(key: string, t: RefTrack, now: number, failAfter: number, fresh: boolean): void {
    const state: RefTrack['episode'] =
      t.failures >= failAfter ? 'probe_failed' : t.stalled ? 'stalled' : null;
    if (state !== null && t.episode === null) {
      t.episode = state;
      t.episodeAt = now;
      const details: Record<string, unknown> =
        state === 'probe_failed'
          ? {
              error: t.lastError ?? 'unknown error',
              failures: t.failures,
              since: this.wallOf(t.failingSince ?? now),
            }
          : {
              error: `stalled: height ${t.reading!.height} has not moved while the group went on`,
              height: t.reading!.height,
              since: this.wallOf(t.reading!.changedAt),
            };
      this.pending.push({ group: this.group, key, event: 'reference_failed', rule: state, details });
    } else if (state === null && t.episode !== null && t.failures === 0 && fresh) {
      // Recovered: its last probe answered, recently, and it moves with the group again.
      // (A reading gone stale without a failure, a probe still running, changes nothing.)
      const rule = t.episode;
      t.episode = null;
      this.pending.push({
        group: this.group,
        key,
        event: 'reference_recovered',
        rule,
        details: { height: t.reading!.height },
      });
    }
  }
}
