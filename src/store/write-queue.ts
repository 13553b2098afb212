import type Database from 'better-sqlite3';
import type { Logger } from '../logger.js';
import type { Clock, TimerHandle } from '../supervisor/clock.js';
import { FailureLog } from './failure-log.js';
import type { StoreStats } from './types.js';
import { describe, isCorruption, isTransient, sqliteCode } from './sqlite-errors.js';

/** One pending write. `important` writes (node rows) are the last dropped on overflow. */
export interface WriteOp {
  readonly what: string;
  readonly important: boolean;
  run(): void;
}

export interface WriteQueueOptions {
  logger: Logger;
  clock: Clock;
  /** Most writes kept in memory while the database refuses them (default 20000). */
  maxBacklog?: number;
  /** Retry period while failing (default 2000 ms). */
  retryMs?: number;
  /** At most one failure log line per this period (default 60000 ms). */
  logEveryMs?: number;
  /** Called on a corruption error (the file is then checked at next open). */
  onCorruption?: () => void;
}

/**
 * Every store write goes through here. Writes queued in one tick are flushed
 * in one transaction on `setImmediate`. When SQLite refuses (disk full,
 * read-only, busy, I/O error, corruption) the batch stays in a bounded
 * backlog, the failure is counted and logged (rate-limited), and a retry is
 * scheduled; nothing ever throws to the caller. While failing, new writes
 * wait for the retry instead of each paying the busy timeout.
 */
export class WriteQueue {
  private pending: WriteOp[] = [];
  private immediate: NodeJS.Immediate | null = null;
  /** A `soon` flush is queued as a microtask. */
  private microtask = false;
  private retryTimer: TimerHandle | null = null;
  private failing = false;
  private closed = false;
  private writeErrors = 0;
  private dropped = 0;
  private lastErrorCode: string | null = null;
  private readonly maxBacklog: number;
  private readonly failureLog: FailureLog;

  constructor(
    private readonly db: Database.Database,
    private readonly opts: WriteQueueOptions,
  ) {
    this.maxBacklog = opts.maxBacklog ?? 20000;
    this.failureLog = new FailureLog(opts.logger, () => opts.clock.now(), opts.logEveryMs ?? 60000);
  }

  /** Buffer a write for the end of this tick. */
  enqueue(op: WriteOp): void {
    if (this.refuseClosed(op)) return;
    this.pending.push(op);
    this.trim();
    if (!this.failing && this.immediate === null) {
      this.immediate = setImmediate(() => {
        this.immediate = null;
        this.flush();
      });
    }
  }

  /**
   * Write before this turn of the event loop ends (at the end of the current
   * microtasks), after whatever is pending: the writes of one burst (a start
   * of 200 nodes, each spawn's record) share one transaction, and none waits
   * for I/O or a timer. Records that must not lag behind the process they
   * describe use this rather than `enqueue`. False when it cannot be written
   * now (closed, or the database is refusing writes and it waits for a retry).
   */
  soon(op: WriteOp): boolean {
    if (this.refuseClosed(op)) return false;
    this.pending.push(op);
    this.trim();
    if (this.failing) return false;
    if (this.microtask) return true;
    this.microtask = true;
    queueMicrotask(() => {
      this.microtask = false;
      this.flush();
    });
    return true;
  }

  /** Write now, after whatever is pending (so order holds). True if it reached the database. */
  writeNow(op: WriteOp): boolean {
    if (this.refuseClosed(op)) return false;
    this.pending.push(op);
    this.trim();
    return this.flush();
  }

  /** Flush pending writes in one transaction. True when nothing is left pending. Never throws. */
  flush(): boolean {
    if (this.pending.length === 0) return true;
    const batch = this.pending;
    this.pending = [];
    try {
      this.db.transaction(() => batch.forEach((op) => op.run())).immediate();
      this.succeeded();
      return true;
    } catch (err) {
      if (isTransient(err)) return this.failed(err, batch);
      return this.isolate(batch);
    }
  }

  /** Before a read: flush unless failing (a read never waits on a database that refuses writes). */
  flushForRead(): void {
    if (!this.failing) this.flush();
  }

  /**
   * Report a failure of a write made outside the queue (counted and logged the
   * same way, nothing kept).
   */
  reportError(err: unknown, what: string): void {
    this.count(err);
    this.failureLog.error(`store: ${what} failed: ${describe(err)}`);
  }

  stats(): StoreStats {
    return {
      writeErrors: this.writeErrors,
      backlog: this.pending.length,
      dropped: this.dropped,
      lastErrorCode: this.lastErrorCode,
    };
  }

  /** Final flush; later writes are dropped and counted. Returns the writes lost. */
  close(): number {
    if (this.immediate) clearImmediate(this.immediate);
    if (this.retryTimer) this.opts.clock.clearTimer(this.retryTimer);
    this.immediate = this.retryTimer = null;
    this.flush();
    const lost = this.pending.length;
    if (lost > 0) {
      this.dropped += lost;
      this.opts.logger.error(`store: closing with ${lost} writes that never reached the database`, {
        lost,
        code: this.lastErrorCode,
      });
    }
    this.pending = [];
    this.closed = true;
    return lost;
  }

  // A non-transient failure means some row is bad: write one by one, drop the bad ones.
  private isolate(batch: WriteOp[]): boolean {
    for (let i = 0; i < batch.length; i++) {
      const op = batch[i]!;
      try {
        this.db.transaction(() => op.run()).immediate();
      } catch (err) {
        if (isTransient(err)) return this.failed(err, batch.slice(i));
        this.count(err);
        this.dropped++;
        this.opts.logger.error(`store: dropped a ${op.what} write SQLite refused: ${describe(err)}`);
      }
    }
    this.succeeded();
    return true;
  }

  private failed(err: unknown, batch: WriteOp[]): boolean {
    this.count(err);
    this.pending = batch.concat(this.pending);
    this.trim();
    this.failing = true;
    if (isCorruption(err)) this.opts.onCorruption?.();
    this.failureLog.error(
      `store: database write failed (${describe(err)}); ${this.pending.length} writes kept in memory, retrying every ${this.retryMs()} ms`,
      { code: sqliteCode(err), backlog: this.pending.length, writeErrors: this.writeErrors },
    );
    if (this.retryTimer === null && !this.closed) {
      this.retryTimer = this.opts.clock.setTimer(this.retryMs(), () => {
        this.retryTimer = null;
        this.flush();
      });
    }
    return false;
  }

  private succeeded(): void {
    if (!this.failing) return;
    this.failing = false;
    this.opts.logger.warn('store: database writes recovered', {
      writeErrors: this.writeErrors,
      dropped: this.dropped,
      suppressedLogLines: this.failureLog.reset(),
    });
    if (this.retryTimer) this.opts.clock.clearTimer(this.retryTimer);
    this.retryTimer = null;
  }

  private count(err: unknown): void {
    this.writeErrors++;
    this.lastErrorCode = sqliteCode(err) ?? 'ERROR';
  }

  // Over the bound: drop the oldest ordinary write, or the oldest of all if every one is important.
  private trim(): void {
    while (this.pending.length > this.maxBacklog) {
      const i = this.pending.findIndex((op) => !op.important);
      this.pending.splice(i === -1 ? 0 : i, 1);
      this.dropped++;
    }
  }

  private refuseClosed(op: WriteOp): boolean {
    if (!this.closed) return false;
    this.dropped++;
    this.opts.logger.debug(`store: ${op.what} write after close dropped`);
    return true;
  }

  private retryMs(): number {
    return this.opts.retryMs ?? 2000;
  }
}
