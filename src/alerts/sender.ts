import type { Logger } from '../logger.js';
import type { Clock, TimerHandle } from '../supervisor/clock.js';
import { describeSendError } from './channels/compose.js';
import type { Outbox, OutboxRow } from './outbox.js';
import type { Channel } from './types.js';

/** How failed sends are retried. */
export interface RetryPolicy {
  /** First retry delay; doubles per failure. */
  readonly baseMs: number;
  readonly maxMs: number;
  /** A row still failing this long after it was raised is given up (`alert_failed`). */
  readonly giveUpAfterMs: number;
}

/** 5 s, 10 s, 20 s … capped at 10 min, for 24 h (about 150 attempts). */
export const DEFAULT_RETRY: RetryPolicy = { baseMs: 5_000, maxMs: 600_000, giveUpAfterMs: 86_400_000 };

/** Delay before attempt n+1 after n failures in a row (n ≥ 1). */
export function retryDelay(failures: number, p: RetryPolicy): number {
  return Math.min(p.maxMs, p.baseMs * 2 ** Math.min(30, Math.max(0, failures - 1)));
}

export interface PumpHooks {
  onSent(row: OutboxRow, info: string): void;
  onGiveUp(row: OutboxRow, error: string): void;
}

/**
 * Sends one channel's outbox rows, oldest due first, one at a time, off the
 * supervision path. A failure backs off the row (its next attempt) and the
 * whole channel (a dead SMTP server is not hammered once per row); success
 * resets the channel. Wakes on `kick()` and on a timer (injected clock) set
 * for the next due row. Times are wall-clock ms, as stored.
 */
export class ChannelPump {
  private busy: Promise<void> | null = null;
  private again = false;
  private timer: TimerHandle | null = null;
  private failures = 0;
  private holdUntil = 0;
  private stopped = false;

  constructor(
    readonly channel: Channel,
    private readonly outbox: Outbox,
    private readonly clock: Clock,
    private readonly retry: RetryPolicy,
    private readonly logger: Logger,
    private readonly hooks: PumpHooks,
  ) {}

  /** The drain in progress (resolves when it ends), or null when idle. */
  idle(): Promise<void> | null {
    return this.busy;
  }

  /** Look for due rows now (after new rows were added, or a timer fired). */
  kick(): void {
    if (this.stopped) return;
    if (this.busy) {
      this.again = true;
      return;
    }
    this.busy = this.drain()
      .catch((err: unknown) =>
        this.logger.error(`alerts: ${this.channel.label}: sender failed: ${String(err)}`),
      )
      .finally(() => {
        this.busy = null;
        if (this.again) {
          this.again = false;
          this.kick();
        } else this.schedule();
      });
  }

  /** Stop waking up; resolves when the send in flight (if any) has finished. */
  async stop(): Promise<void> {
    this.stopped = true;
    if (this.timer) this.clock.clearTimer(this.timer);
    this.timer = null;
    await this.busy;
  }

  private async drain(): Promise<void> {
    this.outbox.retryUnsaved();
    for (;;) {
      if (this.stopped) return;
      const now = this.clock.wallNow();
      if (now < this.holdUntil) return;
      const row = this.outbox.nextDue(this.channel.id, now);
      if (!row) return;
      await this.attempt(row);
    }
  }

  private async attempt(row: OutboxRow): Promise<void> {
    const attempts = row.attempts + 1;
    try {
      if (!row.payload) throw new Error('unreadable payload in the outbox');
      const info = await this.channel.send(row.payload, { id: row.id, createdTs: row.createdTs });
      const now = this.clock.wallNow();
      this.failures = 0;
      this.holdUntil = 0;
      this.outbox.update(row, { attempts, nextAttemptTs: now, status: 'sent', lastError: null, sentTs: now });
      this.hooks.onSent(row, info);
    } catch (err) {
      const now = this.clock.wallNow();
      const error = describeSendError(err);
      this.failures++;
      this.holdUntil = now + retryDelay(this.failures, this.retry);
      if (now - row.createdTs >= this.retry.giveUpAfterMs) {
        this.outbox.update(row, {
          attempts,
          nextAttemptTs: now,
          status: 'failed',
          lastError: error,
          sentTs: null,
        });
        this.hooks.onGiveUp(row, error);
        return;
      }
      const delay = retryDelay(attempts, this.retry);
      this.outbox.update(row, {
        attempts,
        nextAttemptTs: now + delay,
        status: 'pending',
        lastError: error,
        sentTs: null,
      });
      this.logger.warn(
        `alerts: ${this.channel.label}: sending ${row.key} failed (attempt ${attempts}): ${error}; retrying in ${Math.round(delay / 1000)} s`,
      );
    }
  }

  private schedule(): void {
    if (this.stopped) return;
    if (this.timer) this.clock.clearTimer(this.timer);
    this.timer = null;
    const due = this.outbox.nextAttemptAt(this.channel.id);
    if (due === null) return;
    const at = Math.max(due, this.holdUntil);
    this.timer = this.clock.setTimer(Math.max(0, at - this.clock.wallNow()), () => {
      this.timer = null;
      this.kick();
    });
  }
}
