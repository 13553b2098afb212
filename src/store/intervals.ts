import type Database from 'better-sqlite3';
import type { StateChange } from '../events/types.js';
import type { WriteQueue } from './write-queue.js';

/** Why an interval ended, in `state_intervals.end_reason`. */
export type EndReason = 'transition' | 'manager_stopped' | 'manager_lost' | 'adopted';

/**
 * The `state_intervals` table, the memory uptime is computed from: one row
 * per stretch of time a node spent in one lifecycle state, open (`end_ts`
 * NULL) while it lasts. While no manager runs, nothing is open: intervals are
 * closed at `manager_stopped` (or, after a manager that was killed, at the
 * last moment it was seen alive), and a node re-adopted with the same pid has
 * its interval extended across the gap, because it provably kept running.
 */
export class IntervalStore {
  private readonly closeOpen: Database.Statement;
  private readonly open: Database.Statement;
  private readonly closeAllOpen: Database.Statement;

  constructor(
    private readonly db: Database.Database,
    private readonly queue: WriteQueue,
  ) {
    this.closeOpen = db.prepare(
      `UPDATE state_intervals SET end_ts = max(start_ts, ?), end_reason = 'transition'
       WHERE node = ? AND end_ts IS NULL`,
    );
    this.open = db.prepare('INSERT INTO state_intervals (node, state, pid, start_ts) VALUES (?, ?, ?, ?)');
    this.closeAllOpen = db.prepare(
      'UPDATE state_intervals SET end_ts = max(start_ts, ?), end_reason = ? WHERE end_ts IS NULL',
    );
  }

  /** A node changed state: close its open interval and open one for the new state. */
  record(change: StateChange): void {
    this.queue.enqueue({
      what: `state ${change.node}`,
      important: false,
      run: () => {
        this.closeOpen.run(change.ts, change.node);
        this.open.run(change.node, change.to, change.pid, change.ts);
      },
    });
  }

  /** Close `node`'s open interval at `ts`; nothing opens after it. */
  close(node: string, ts: number): void {
    this.queue.enqueue({
      what: `close ${node}`,
      important: false,
      run: () => this.closeOpen.run(ts, node),
    });
  }

  /** The manager is stopping at `ts`: close every open interval. */
  managerStopped(ts: number): void {
    this.queue.enqueue({
      what: 'manager_stopped intervals',
      important: false,
      run: () => this.closeAllOpen.run(ts, 'manager_stopped'),
    });
  }

  /**
   * `node` was re-adopted at `ts` with `pid`: if its last interval was closed
   * by the manager going away while that same pid was in it, extend it up to
   * the adoption (or to the node's next interval, if one already started).
   */
  adopted(node: string, pid: number, ts: number): void {
    this.queue.enqueue({
      what: `adopted ${node}`,
      important: false,
      run: () => {
        const last = this.db
          .prepare(
            `SELECT id, end_ts AS endTs FROM state_intervals
             WHERE node = ? AND pid = ? AND end_reason IN ('manager_stopped', 'manager_lost') AND end_ts <= ?
             ORDER BY end_ts DESC LIMIT 1`,
          )
          .get(node, pid, ts) as { id: number; endTs: number } | undefined;
        if (!last) return;
        const next = this.db
          .prepare(
            'SELECT min(start_ts) AS t FROM state_intervals WHERE node = ? AND start_ts >= ? AND id != ?',
          )
          .get(node, last.endTs, last.id) as { t: number | null };
        const end = next.t === null ? ts : Math.min(ts, next.t);
        this.db
          .prepare(`UPDATE state_intervals SET end_ts = ?, end_reason = 'adopted' WHERE id = ?`)
          .run(end, last.id);
      },
    });
  }

  /**
   * Close intervals a previous manager left open (it was killed, so it never
   * recorded `manager_stopped`) at the last moment that manager was seen
   * recording an event, sample or state, never later than `now`. Call once,
   * before this run records any of those. Returns how many were closed.
   */
  closeStale(now: number): number {
    let closed = 0;
    this.queue.writeNow({
      what: 'stale intervals',
      important: true,
      run: () => {
        const seen = lastRecorded(this.db);
        closed = this.closeAllOpen.run(Math.min(seen ?? now, now), 'manager_lost').changes;
      },
    });
    return closed;
  }
}

/**
 * The last moment a manager was seen recording anything (an event, a sample,
 * a state change), or null for an empty database.
 */
export function lastRecorded(db: Database.Database): number | null {
  const row = db
    .prepare(
      `SELECT max(t) AS t FROM (
         SELECT max(ts) AS t FROM events
         UNION ALL SELECT max(ts) FROM samples_raw
         UNION ALL SELECT max(last_ts) FROM samples_minute
         UNION ALL SELECT max(start_ts) FROM state_intervals
         UNION ALL SELECT max(end_ts) FROM state_intervals)`,
    )
    .get() as { t: number | null };
  return row.t;
}

/** A node's latest state interval (the state it was last recorded in). */
export interface LastInterval {
  readonly node: string;
  readonly state: string;
  readonly pid: number | null;
  readonly start: number;
  /** Null while open: the manager that recorded it was killed (or still runs). */
  readonly end: number | null;
  readonly endReason: string | null;
}

/** Every node's latest state interval, by node. */
export function lastIntervals(db: Database.Database): Map<string, LastInterval> {
  const rows = db
    .prepare(
      `SELECT node, state, pid, start_ts AS start, end_ts AS end, end_reason AS endReason FROM (
         SELECT *, row_number() OVER (PARTITION BY node ORDER BY start_ts DESC, id DESC) AS rn
         FROM state_intervals)
       WHERE rn = 1`,
    )
    .all() as LastInterval[];
  return new Map(rows.map((r) => [r.node, r]));
}
