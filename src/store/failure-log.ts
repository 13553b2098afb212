import type { Logger } from '../logger.js';

/**
 * Error lines about a database that keeps refusing writes, at most one per
 * `everyMs`: the lines held back are counted into the next one written
 * (`suppressedSinceLastLine`). Shared by the store's write queue and the
 * alerts outbox, which degrade the same way.
 */
export class FailureLog {
  private lastAt = -Infinity;
  private suppressed = 0;

  constructor(
    private readonly logger: Logger,
    /** Monotonic ms. */
    private readonly now: () => number,
    private readonly everyMs = 60_000,
  ) {}

  /** Log `message` now, or count it if a line was written less than `everyMs` ago. */
  error(message: string, meta: Record<string, unknown> = {}): void {
    const now = this.now();
    if (now - this.lastAt < this.everyMs) {
      this.suppressed++;
      return;
    }
    this.lastAt = now;
    this.logger.error(message, { ...meta, suppressedSinceLastLine: this.suppressed });
    this.suppressed = 0;
  }

  /** After a recovery: the next failure is logged at once. Returns the lines held back since the last one. */
  reset(): number {
    const n = this.suppressed;
    this.suppressed = 0;
    this.lastAt = -Infinity;
    return n;
  }
}
