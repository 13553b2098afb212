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
  setTimer(ms: number, fn: () => void): TimerHandle;
  clearTimer(handle: TimerHandle): void;
}

class SystemClock implements Clock {
  private seq = 0;
  private readonly timers = new Map<number, NodeJS.Timeout>();

  now(): number {
    return performance.now();
  }

  wallNow(): number {
    return Date.now();
  }

  setTimer(ms: number, fn: () => void): TimerHandle {
    const id = ++this.seq;
    const t = setTimeout(
      () => {
        this.timers.delete(id);
        fn();
      },
      Math.max(0, ms),
    );
    this.timers.set(id, t);
    return { id };
  }

  clearTimer(handle: TimerHandle): void {
    const t = this.timers.get(handle.id);
    if (t) {
      clearTimeout(t);
      this.timers.delete(handle.id);
    }
  }
}

/** The production clock. */
export const systemClock: Clock = new SystemClock();
