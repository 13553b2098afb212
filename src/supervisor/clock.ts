/**
 * The only source of time for the lifecycle, backoff and policy code.
 * Durations use the monotonic `now()`; `wallNow()` only stamps events and records.
 * Tests inject a fake clock so timing is exercised without sleeping.
 */
export interface TimerHandle {
  readonly id: number;
}

export interface Clock {
  /** Monotonic milliseconds; only differences are meaningful. */
  now(): number;
  /** Wall-clock epoch milliseconds, for event timestamps and storage. */
  wallNow(): number;
  /**
   * Calls `fn` once, `ms` from now. Any length works (a 30-day fatal retry
   * too); a negative or NaN `ms` means "as soon as possible".
   */
  setTimer(ms: number, fn: () => void): TimerHandle;
  clearTimer(handle: TimerHandle): void;
}

/** The longest delay one Node.js `setTimeout` takes; a longer one fires after 1 ms. */
export const MAX_TIMEOUT_MS = 2 ** 31 - 1;

/**
 * The production clock. A timer longer than one `setTimeout` can hold is a
 * chain of hops, each re-aimed at the monotonic due time; `clearTimer` stops
 * whichever hop is pending.
 */
export class SystemClock implements Clock {
  private seq = 0;
  private readonly timers = new Map<number, NodeJS.Timeout>();

  /** `maxHopMs` only exists so tests can watch a chain of hops without waiting weeks. */
  constructor(private readonly maxHopMs: number = MAX_TIMEOUT_MS) {}

  now(): number {
    return performance.now();
  }

  wallNow(): number {
    return Date.now();
  }

  setTimer(ms: number, fn: () => void): TimerHandle {
    const id = ++this.seq;
    const due = this.now() + (ms > 0 ? ms : 0);
    const arm = (): void => {
      const left = due - this.now();
      if (left > this.maxHopMs) {
        this.timers.set(id, setTimeout(arm, this.maxHopMs));
        return;
      }
      this.timers.set(
        id,
        setTimeout(
          () => {
            // setTimeout may fire a little early against performance.now() (libuv
            // caches its loop time): aim again rather than run before the due time.
            if (this.now() < due) return arm();
            this.timers.delete(id);
            fn();
          },
          Math.max(0, left),
        ),
      );
    };
    arm();
    return { id };
  }

  clearTimer(handle: TimerHandle): void {
    const t = this.timers.get(handle.id);
    if (t) {
      clearTimeout(t);
      this.timers.delete(handle.id);
    }
  }

  /** Timers set and not yet fired or cleared. */
  pendingCount(): number {
    return this.timers.size;
  }
}

/** The production clock. */
export const systemClock: Clock = new SystemClock();
