import type { Clock, TimerHandle } from '../../src/supervisor/clock.js';

interface PendingTimer {
  readonly id: number;
  readonly due: number;
  readonly fn: () => void;
}

/**
 * A Clock that only moves when a test says so. `advance(ms)` fires every timer
 * that falls due on the way, in due order (ties in creation order), with
 * `now()` set to each timer's due time while it runs; timers set by a callback
 * fire too if they fall due within the advance. Like the system clock it takes
 * any length (a timer beyond 2^31 ms simply waits that long) and treats a
 * negative or NaN `ms` as 0.
 */
export class FakeClock implements Clock {
  private t: number;
  private readonly wallBase: number;
  private seq = 0;
  private readonly timers = new Map<number, PendingTimer>();
  /**
   * Simulate a clock that cannot cancel: `clearTimer` leaves the timer to fire
   * anyway, to show that its owner drops stale callbacks.
   */
  leakyClear = false;

  constructor(opts: { now?: number; wallNow?: number } = {}) {
    this.t = opts.now ?? 0;
    this.wallBase = (opts.wallNow ?? 1_700_000_000_000) - this.t;
  }

  now(): number {
    return this.t;
  }

  wallNow(): number {
    return this.wallBase + this.t;
  }

  setTimer(ms: number, fn: () => void): TimerHandle {
    const id = ++this.seq;
    this.timers.set(id, { id, due: this.t + (ms > 0 ? ms : 0), fn });
    return { id };
  }

  clearTimer(handle: TimerHandle): void {
    if (!this.leakyClear) this.timers.delete(handle.id);
  }

  /** Move time forward by `ms`, firing due timers in order. */
  advance(ms: number): void {
    const target = this.t + ms;
    for (let next = this.earliest(target); next; next = this.earliest(target)) {
      this.timers.delete(next.id);
      this.t = next.due;
      next.fn();
    }
    this.t = target;
  }

  /** Due times of the pending timers, soonest first. */
  pending(): number[] {
    return [...this.timers.values()].map((x) => x.due).sort((a, b) => a - b);
  }

  private earliest(limit: number): PendingTimer | undefined {
    let best: PendingTimer | undefined;
    for (const x of this.timers.values()) {
      if (x.due > limit) continue;
      if (!best || x.due < best.due || (x.due === best.due && x.id < best.id)) best = x;
    }
    return best;
  }
}
