import type Database from 'better-sqlite3';
import type { Redact } from '../config/redact.js';
import type { EventType, NodewardenEvent, Severity } from '../events/types.js';
import type { WriteQueue } from './write-queue.js';
import type { EventQuery, StoredEvent } from './types.js';

interface EventRow {
  id: number;
  ts: number;
  node: string | null;
  type: string;
  severity: string;
  reason: string | null;
  details: string;
}

/** The event types a crash loop repeats: the ones folded while they repeat. */
export const LOOP_EVENT_TYPES: ReadonlySet<EventType> = new Set<EventType>([
  'crashed',
  'exited',
  'restarting',
  'backoff',
  'started',
  'fatal',
]);

/** Repeats of one kind are folded for this long after the first occurrence. */
export const FOLD_WINDOW_MS = 60_000;

/** The row standing for the repeats of one kind after its first occurrence. */
interface RepeatsRow {
  /** Set once the row is written; null while its insert waits in the queue (or was dropped). */
  rowId: number | null;
  readonly firstTs: number;
  count: number;
}

/** One kind of repeating event of one node, within its fold window. */
interface Fold {
  /** The first occurrence, which opened the window and has a row of its own. */
  readonly windowStart: number;
  repeats: RepeatsRow | null;
}

/**
 * The `events` table: contract events in, filtered newest-first reads out.
 *
 * A node in a crash loop repeats `crashed`, `restarting`, `started`,
 * `backoff` … many times a second when its restarts are quick. The first
 * event of a kind (same node, type, reason, exit code, signal and error)
 * gets its own row; its repeats within FOLD_WINDOW_MS after it, with no
 * other event of that node in between, share one more row: written for the
 * first repeat and updated for each later one, its details gain `count` (the
 * repeats it stands for), `firstTs` and `lastTs`, and its `ts` and other
 * details are the latest repeat's. So a loop writes at most two rows per
 * kind a minute, while the bus (alerts, metrics, restart counters) still
 * sees every event.
 */
export class EventStore {
  private readonly insert: Database.Statement;
  private readonly update: Database.Statement;
  /** Per node: the open fold window of each kind of repeating event. */
  private readonly folds = new Map<string, Map<string, Fold>>();

  constructor(
    private readonly db: Database.Database,
    private readonly queue: WriteQueue,
  ) {
    this.insert = db.prepare(
      'INSERT INTO events (ts, node, type, severity, reason, details) VALUES (?, ?, ?, ?, ?, ?)',
    );
    // The row is checked to still be the fold's first one: an id from a rolled-back insert may be reused.
    this.update = db.prepare(
      `UPDATE events SET ts = ?, severity = ?, details = ?
       WHERE id = ? AND node = ? AND type = ? AND (ts = ? OR json_extract(details, '$.firstTs') = ?)`,
    );
  }

  /** Buffer an event (or its fold into an earlier row); it is written with the rest of this tick's writes. */
  append(event: NodewardenEvent): void {
    const kind = foldKind(event);
    const what = `event ${event.type}`;
    if (event.node === null || kind === null) {
      // Any other event of a node ends its repeats: what follows starts new rows.
      if (event.node !== null) this.folds.delete(event.node);
      const values = rowValues(event, detailsJson(event.details));
      this.queue.enqueue({ what, important: false, run: () => this.insert.run(values) });
      return;
    }
    let kinds = this.folds.get(event.node);
    if (kinds === undefined) this.folds.set(event.node, (kinds = new Map()));
    const fold = kinds.get(kind);
    const fresh =
      fold === undefined || event.ts < fold.windowStart || event.ts - fold.windowStart >= FOLD_WINDOW_MS;
    if (fresh) {
      const values = rowValues(event, detailsJson(event.details));
      kinds.set(kind, { windowStart: event.ts, repeats: null });
      this.queue.enqueue({ what, important: false, run: () => this.insert.run(values) });
      return;
    }
    if (fold.repeats === null) {
      const values = rowValues(event, detailsJson(event.details));
      const first: RepeatsRow = { rowId: null, firstTs: event.ts, count: 1 };
      fold.repeats = first;
      this.queue.enqueue({ what, important: false, run: () => (first.rowId = this.insertRow(values)) });
      return;
    }
    const row = fold.repeats;
    row.count++;
    const { firstTs } = row;
    const details = detailsJson({ count: row.count, firstTs, lastTs: event.ts, ...event.details });
    const key = [event.node, event.type, firstTs, firstTs];
    this.queue.enqueue({
      what,
      important: false,
      run: () => {
        const id = row.rowId;
        if (id !== null && this.update.run(event.ts, event.severity, details, id, ...key).changes === 1)
          return;
        // The repeats' row never reached the table (dropped, or pruned since): this one stands for all.
        row.rowId = this.insertRow(rowValues(event, details));
      },
    });
  }

  /**
   * Deletes the oldest events (by `ts`, then id) so that at most `max` rows
   * remain. Runs inside the caller's transaction. Returns the rows deleted.
   */
  pruneBeyond(max: number): number {
    if (!Number.isFinite(max)) return 0;
    const keep = Math.max(0, Math.floor(max));
    const total = this.db.prepare('SELECT count(*) FROM events').pluck().get() as number;
    if (total <= keep) return 0;
    if (keep === 0) return this.db.prepare('DELETE FROM events').run().changes;
    // The oldest row still kept: everything before it in (ts, id) order goes.
    const edge = this.db
      .prepare('SELECT ts, id FROM events ORDER BY ts DESC, id DESC LIMIT 1 OFFSET ?')
      .get(keep - 1) as { ts: number; id: number };
    return this.db
      .prepare('DELETE FROM events WHERE ts < ? OR (ts = ? AND id < ?)')
      .run(edge.ts, edge.ts, edge.id).changes;
  }

  private insertRow(values: unknown[]): number {
    return Number(this.insert.run(values).lastInsertRowid);
  }

  /** Events matching `q`, newest first unless `q.order` is `asc`. */
  query(q: EventQuery = {}): StoredEvent[] {
    return selectEvents(this.db, q);
  }
}

/**
 * Events matching `q`, newest first unless `q.order` is `asc`: the one query
 * behind the API, the exports and the CLI's read of a stopped daemon's database.
 */
export function selectEvents(db: Database.Database, q: EventQuery = {}): StoredEvent[] {
  const where: string[] = [];
  const params: unknown[] = [];
  if (typeof q.node === 'string') {
    where.push('node = ?');
    params.push(q.node);
  } else if (q.node !== undefined) {
    where.push('node IN (SELECT value FROM json_each(?))');
    params.push(JSON.stringify(q.node));
  }
  if (q.type !== undefined) {
    const types = typeof q.type === 'string' ? [q.type] : q.type;
    where.push('type IN (SELECT value FROM json_each(?))');
    params.push(JSON.stringify(types));
  }
  if (q.sinceMs !== undefined) {
    where.push('ts >= ?');
    params.push(q.sinceMs);
  }
  if (q.untilMs !== undefined) {
    where.push('ts < ?');
    params.push(q.untilMs);
  }
  const order = q.order === 'asc' ? 'ASC' : 'DESC';
  const sql =
    `SELECT id, ts, node, type, severity, reason, details FROM events` +
    (where.length ? ` WHERE ${where.join(' AND ')}` : '') +
    ` ORDER BY ts ${order}, id ${order} LIMIT ?`;
  params.push(Math.max(0, Math.floor(q.limit ?? 100)));
  return (db.prepare(sql).all(...params) as EventRow[]).map(fromRow);
}

/** `rows` with every secret masked in their reasons and details (see `Store.redactReads`). */
export function redactEvents(rows: StoredEvent[], r: Redact | null): StoredEvent[] {
  if (!r) return rows;
  return rows.map((e) => ({
    ...e,
    reason: e.reason === null ? null : r.text(e.reason),
    details: r.value(e.details),
  }));
}

function rowValues(e: NodewardenEvent, details: string): unknown[] {
  return [e.ts, e.node, e.type, e.severity, e.reason, details];
}

/** What makes two events "the same" for folding, or null for an event never folded. */
function foldKind(e: NodewardenEvent): string | null {
  if (!LOOP_EVENT_TYPES.has(e.type)) return null;
  const d = e.details;
  return JSON.stringify([e.type, e.reason, d['code'] ?? null, d['signal'] ?? null, d['error'] ?? null]);
}

function fromRow(r: EventRow): StoredEvent {
  let details: Record<string, unknown>;
  try {
    details = JSON.parse(r.details) as Record<string, unknown>;
  } catch {
    details = { unparsable: r.details };
  }
  return {
    id: r.id,
    ts: r.ts,
    node: r.node,
    type: r.type as EventType,
    severity: r.severity as Severity,
    reason: r.reason,
    details,
  };
}

// Serialised at append time so a bad value (cycle, BigInt) can never poison a batch.
function detailsJson(details: Readonly<Record<string, unknown>>): string {
  try {
    return JSON.stringify(details, (_k, v: unknown) => (typeof v === 'bigint' ? v.toString() : v)) ?? '{}';
  } catch (err) {
    return JSON.stringify({ unserializable: err instanceof Error ? err.message : String(err) });
  }
}
