import type Database from 'better-sqlite3';
import type { Logger } from '../logger.js';
import { FailureLog } from '../store/failure-log.js';
import { describe } from '../store/sqlite-errors.js';
import type { ThrottleState } from './throttle.js';
import type { OutboxPayload } from './types.js';

/** A row of the `outbox` table (schema v3). Times are wall-clock epoch ms. */
export interface OutboxRow {
  /** Negative while the row lives only in memory (the database refused it). */
  readonly id: number;
  readonly createdTs: number;
  readonly channel: string;
  readonly key: string;
  readonly payload: OutboxPayload;
  attempts: number;
  nextAttemptTs: number;
  status: 'pending' | 'sent' | 'failed';
  lastError: string | null;
  sentTs: number | null;
}

/** A row to add: rendered message plus the channel it goes out on. */
export type NewOutboxRow = Pick<OutboxRow, 'createdTs' | 'channel' | 'key' | 'payload'>;

type Update = Pick<OutboxRow, 'attempts' | 'nextAttemptTs' | 'status' | 'lastError' | 'sentTs'>;

interface DbRow {
  id: number;
  created_ts: number;
  channel: string;
  key: string;
  payload: string;
  attempts: number;
  next_attempt_ts: number;
  status: OutboxRow['status'];
  last_error: string | null;
  sent_ts: number | null;
}

const MAX_MEMORY = 5000;

/**
 * The durable outbox and throttle memory, on the store's connection. Writes
 * degrade like the store's: when SQLite refuses one it is counted, logged and
 * kept in memory (new rows are still sent from there, status updates are
 * re-applied later), and nothing is ever thrown to the caller.
 */
export class Outbox {
  private readonly memory: OutboxRow[] = [];
  private readonly memoryThrottle = new Map<string, ThrottleState>();
  private readonly unsavedUpdates = new Map<number, Update>();
  private nextMemoryId = -1;
  private readonly failureLog: FailureLog;
  /** Failed outbox writes since start (each kept in memory). */
  writeErrors = 0;
  /** Memory rows dropped because too many piled up while the database refused them. */
  dropped = 0;

  constructor(
    private readonly db: Database.Database,
    logger: Logger,
    /** Monotonic ms, only to rate-limit failure log lines (one a minute). */
    now: () => number = () => performance.now(),
  ) {
    this.failureLog = new FailureLog(logger, now);
  }

  /** Store rendered rows and throttle changes in one transaction. False = kept in memory only. */
  add(rows: readonly NewOutboxRow[], throttle: readonly ThrottleState[] = []): boolean {
    const full = rows.map((r) => ({
      ...r,
      attempts: 0,
      nextAttemptTs: r.createdTs,
      status: 'pending' as const,
      lastError: null,
      sentTs: null,
    }));
    if (this.write('add alerts', () => this.insert(full, throttle))) return true;
    for (const r of full) this.memory.push({ ...r, id: this.nextMemoryId-- });
    for (const t of throttle) this.memoryThrottle.set(`${t.node}\u0000${t.condition}`, t);
    while (this.memory.length > MAX_MEMORY) {
      this.memory.shift();
      this.dropped++;
    }
    return false;
  }

  /** Retry what only lives in memory. True when nothing is left there. */
  retryUnsaved(): boolean {
    if (this.memory.length === 0 && this.memoryThrottle.size === 0 && this.unsavedUpdates.size === 0)
      return true;
    const rows = this.memory.filter((r) => r.status === 'pending');
    const throttle = [...this.memoryThrottle.values()];
    const updates = [...this.unsavedUpdates];
    const ok = this.write('retry unsaved alerts', () => {
      this.insert(rows, throttle);
      for (const [id, u] of updates) this.applyUpdate(id, u);
    });
    if (ok) {
      this.memory.length = 0;
      this.memoryThrottle.clear();
      this.unsavedUpdates.clear();
    }
    return ok;
  }

  /** The oldest due pending row of a channel, or null. */
  nextDue(channel: string, now: number): OutboxRow | null {
    const mem = this.memory.find(
      (r) => r.channel === channel && r.status === 'pending' && r.nextAttemptTs <= now,
    );
    if (mem) return mem;
    const rows = this.read(
      () =>
        this.db
          .prepare(
            `SELECT * FROM outbox WHERE status = 'pending' AND channel = ? AND next_attempt_ts <= ?
           ORDER BY next_attempt_ts, id LIMIT ?`,
          )
          .all(channel, now, this.unsavedUpdates.size + 1) as DbRow[],
    );
    const row = rows?.find((r) => !this.unsavedUpdates.has(r.id));
    return row ? fromDb(row) : null;
  }

  /** When the next pending row of a channel falls due, or null when none is pending. */
  nextAttemptAt(channel: string): number | null {
    const times = this.memory
      .filter((r) => r.channel === channel && r.status === 'pending')
      .map((r) => r.nextAttemptTs);
    const db = this.read(
      () =>
        this.db
          .prepare(`SELECT min(next_attempt_ts) FROM outbox WHERE status = 'pending' AND channel = ?`)
          .pluck()
          .get(channel) as number | null,
    );
    if (typeof db === 'number') times.push(db);
    return times.length ? Math.min(...times) : null;
  }

  /** Record the outcome of an attempt (sent, retry later, or given up). */
  update(row: OutboxRow, u: Update): void {
    Object.assign(row, u);
    if (row.id < 0) return; // a memory row: `row` is the record itself
    if (!this.write('update alert', () => this.applyUpdate(row.id, u))) this.unsavedUpdates.set(row.id, u);
  }

  /** Make every pending row due now (a new manager retries at once). Returns how many. */
  allDueNow(now: number): number {
    let n = 0;
    this.write('reschedule alerts', () => {
      n = this.db
        .prepare(`UPDATE outbox SET next_attempt_ts = ? WHERE status = 'pending' AND next_attempt_ts > ?`)
        .run(now, now).changes;
    });
    return n;
  }

  /** Give up every pending row of a channel (it is no longer configured). Returns how many. */
  failChannel(channel: string, error: string, now: number): number {
    let n = 0;
    this.write('retire alerts', () => {
      n = this.db
        .prepare(
          `UPDATE outbox SET status = 'failed', last_error = ?, next_attempt_ts = ? WHERE status = 'pending' AND channel = ?`,
        )
        .run(error, now, channel).changes;
    });
    for (const r of this.memory) {
      if (r.channel === channel && r.status === 'pending') {
        Object.assign(r, { status: 'failed', lastError: error });
        n++;
      }
    }
    return n;
  }

  /** Channels that have pending rows. */
  pendingChannels(): string[] {
    const db =
      this.read(
        () =>
          this.db
            .prepare(`SELECT DISTINCT channel FROM outbox WHERE status = 'pending'`)
            .pluck()
            .all() as string[],
      ) ?? [];
    return [...new Set([...db, ...this.memory.filter((r) => r.status === 'pending').map((r) => r.channel)])];
  }

  /** Pending rows of each channel that has any: how many, and when the oldest was created (metrics). */
  backlog(): Map<string, { pending: number; oldestCreatedTs: number }> {
    const out = new Map<string, { pending: number; oldestCreatedTs: number }>();
    const add = (channel: string, pending: number, oldest: number): void => {
      const b = out.get(channel);
      if (b)
        out.set(channel, {
          pending: b.pending + pending,
          oldestCreatedTs: Math.min(b.oldestCreatedTs, oldest),
        });
      else out.set(channel, { pending, oldestCreatedTs: oldest });
    };
    const rows =
      this.read(
        () =>
          this.db
            .prepare(
              `SELECT channel, count(*) AS n, min(created_ts) AS oldest FROM outbox WHERE status = 'pending' GROUP BY channel`,
            )
            .all() as Array<{ channel: string; n: number; oldest: number }>,
      ) ?? [];
    for (const r of rows) add(r.channel, r.n, r.oldest);
    for (const r of this.memory) if (r.status === 'pending') add(r.channel, 1, r.createdTs);
    return out;
  }

  /** Rows, oldest first, optionally of one status (tests, diagnostics). */
  list(status?: OutboxRow['status']): OutboxRow[] {
    const db =
      this.read(
        () =>
          (status
            ? this.db.prepare('SELECT * FROM outbox WHERE status = ? ORDER BY id').all(status)
            : this.db.prepare('SELECT * FROM outbox ORDER BY id').all()) as DbRow[],
      ) ?? [];
    return [...db.map(fromDb), ...this.memory.filter((r) => !status || r.status === status)];
  }

  /** Throttle memory saved by earlier runs. */
  loadThrottle(): ThrottleState[] {
    const rows =
      this.read(() => this.db.prepare('SELECT * FROM alert_throttle').all() as ThrottleDbRow[]) ?? [];
    return rows.map((r) => ({
      node: r.node,
      condition: r.condition,
      lastSentTs: r.last_sent_ts,
      open: r.open === 1,
      suppressed: r.suppressed,
      suppressedSinceTs: r.suppressed_since_ts,
      pending: r.pending ? safeParse(r.pending) : null,
    }));
  }

  /** Delete sent and failed rows created before `beforeTs`. Returns how many. */
  prune(beforeTs: number): number {
    let n = 0;
    this.write('prune outbox', () => {
      n = this.db
        .prepare(`DELETE FROM outbox WHERE status != 'pending' AND created_ts < ?`)
        .run(beforeTs).changes;
    });
    return n;
  }

  private insert(rows: readonly Omit<OutboxRow, 'id'>[], throttle: readonly ThrottleState[]): void {
    const ins = this.db.prepare(
      `INSERT INTO outbox (created_ts, channel, key, payload, attempts, next_attempt_ts, status, last_error, sent_ts)
       VALUES (?, ?, ?, ?, ?, ?, ?, ?, ?)`,
    );
    for (const r of rows) {
      ins.run(
        r.createdTs,
        r.channel,
        r.key,
        JSON.stringify(r.payload),
        r.attempts,
        r.nextAttemptTs,
        r.status,
        r.lastError,
        r.sentTs,
      );
    }
    const up = this.db.prepare(
      `INSERT OR REPLACE INTO alert_throttle (node, condition, last_sent_ts, open, suppressed, suppressed_since_ts, pending)
       VALUES (?, ?, ?, ?, ?, ?, ?)`,
    );
    for (const t of throttle) {
      up.run(
        t.node,
        t.condition,
        t.lastSentTs,
        t.open ? 1 : 0,
        t.suppressed,
        t.suppressedSinceTs,
        t.pending ? JSON.stringify(t.pending) : null,
      );
    }
  }

  private applyUpdate(id: number, u: Update): void {
    this.db
      .prepare(
        `UPDATE outbox SET attempts = ?, next_attempt_ts = ?, status = ?, last_error = ?, sent_ts = ? WHERE id = ?`,
      )
      .run(u.attempts, u.nextAttemptTs, u.status, u.lastError, u.sentTs, id);
  }

  private write(what: string, fn: () => void): boolean {
    try {
      this.db.transaction(fn).immediate();
      return true;
    } catch (err) {
      this.writeErrors++;
      this.log(`alerts: outbox ${what} failed: ${describe(err)}; kept in memory`);
      return false;
    }
  }

  private read<T>(fn: () => T): T | null {
    try {
      return fn();
    } catch (err) {
      this.log(`alerts: outbox read failed: ${describe(err)}`);
      return null;
    }
  }

  private log(message: string): void {
    this.failureLog.error(message, { writeErrors: this.writeErrors });
  }
}

interface ThrottleDbRow {
  node: string;
  condition: string;
  last_sent_ts: number | null;
  open: number;
  suppressed: number;
  suppressed_since_ts: number | null;
  pending: string | null;
}

function fromDb(r: DbRow): OutboxRow {
  return {
    id: r.id,
    createdTs: r.created_ts,
    channel: r.channel,
    key: r.key,
    payload: safeParse(r.payload) as OutboxPayload,
    attempts: r.attempts,
    nextAttemptTs: r.next_attempt_ts,
    status: r.status,
    lastError: r.last_error,
    sentTs: r.sent_ts,
  };
}

// eslint-disable-next-line @typescript-eslint/no-explicit-any -- stored by this module as JSON
function safeParse(s: string): any {
  try {
    return JSON.parse(s);
  } catch {
    return null;
  }
}
