import type { Clock } from '../supervisor/clock.js';

/**
 * Whether a watch-only target is up (DESIGN §8 targets): a pure decision over
 * its probe results, with time read from the injected clock. A target is
 * `unknown` until its first verdict, `down` once one of its probes has failed
 * `downAfter` times in a row, and `up` while every probe that failed that
 * often has answered again. A failure is a failure (an error, a timeout, an
 * answer that is no value): it is never read as "no data".
 */

export type TargetState = 'unknown' | 'up' | 'down';

/** A target's state changed. */
export interface TargetVerdict {
  readonly target: string;
  readonly from: TargetState;
  readonly to: 'up' | 'down';
  /** Why: the failing probe and its error for `down`; the probe that answered for `up`. */
  readonly probe: string;
  readonly error: string | null;
  /** Failures in a row of that probe when the verdict fell. */
  readonly failures: number;
  /** How long the target was in its previous state (null from `unknown`). */
  readonly afterMs: number | null;
}

/** What the policy knows of one target, for status. */
export interface TargetView {
  readonly state: TargetState;
  /** `clock.now()` when the current state began (the first reading for `unknown`). */
  readonly since: number;
  readonly lastError: string | null;
  /** The largest run of failures in a row among its probes right now. */
  readonly failures: number;
}

interface Entry {
  downAfter: number;
  state: TargetState;
  since: number;
  lastError: string | null;
  readonly failures: Map<string, number>;
}

export class TargetPolicy {
  private readonly targets = new Map<string, Entry>();

  constructor(private readonly clock: Clock) {}

  /** Watch `target` (or change its `downAfter`); a known target keeps its state, its counts start again. */
  configure(target: string, downAfter: number): void {
    const e = this.targets.get(target);
    if (e) {
      e.downAfter = downAfter;
      e.failures.clear();
      return;
    }
    this.targets.set(target, {
      downAfter,
      state: 'unknown',
      since: this.clock.now(),
      lastError: null,
      failures: new Map(),
    });
  }

  forget(target: string): void {
    this.targets.delete(target);
  }

  has(target: string): boolean {
    return this.targets.has(target);
  }

  known(): string[] {
    return [...this.targets.keys()];
  }

  view(target: string): TargetView | undefined {
    const e = this.targets.get(target);
    if (!e) return undefined;
    let failures = 0;
    for (const n of e.failures.values()) failures = Math.max(failures, n);
    return { state: e.state, since: e.since, lastError: e.lastError, failures };
  }

  /** One probe of `target` answered (`error` null) or failed; returns the verdict when the state changes. */
  reading(target: string, probe: string, error: string | null): TargetVerdict | null {
    const e = this.targets.get(target);
    if (!e) return null;
    if (error === null) e.failures.set(probe, 0);
    else {
      e.failures.set(probe, (e.failures.get(probe) ?? 0) + 1);
      e.lastError = `${probe}: ${error}`;
    }
    let worst = 0;
    for (const n of e.failures.values()) worst = Math.max(worst, n);
    const down = worst >= e.downAfter;
    // up needs an answer: failures below downAfter alone keep an unknown target unknown.
    const next: TargetState | null =
      down && e.state !== 'down' ? 'down' : !down && error === null && e.state !== 'up' ? 'up' : null;
    if (next === null) return null;
    const now = this.clock.now();
    const verdict: TargetVerdict = {
      target,
      from: e.state,
      to: next,
      probe,
      error: next === 'down' ? error : null,
      failures: next === 'down' ? (e.failures.get(probe) ?? 0) : 0,
      afterMs: e.state === 'unknown' ? null : now - e.since,
    };
    if (next === 'up') e.lastError = null;
    e.state = next;
    e.since = now;
    return verdict;
  }
}
