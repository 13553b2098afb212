import type Database from 'better-sqlite3';
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

/** The `events` table: contract events in, filtered newest-first reads out. */
export class EventStore {
  private readonly insert: Database.Statement;

  constructor(
    private readonly db: Database.Database,
    private readonly queue: WriteQueue,
  ) {
    this.insert = db.prepare(
      'INSERT INTO events (ts, node, type, severity, reason, details) VALUES (?, ?, ?, ?, ?, ?)',
    );
  }

  /** Buffer an event; it is written with the rest of this tick's writes. */
  append(event: NodewardenEvent): void {
    const row = [event.ts, event.node, event.type, event.severity, event.reason, detailsJson(event.details)];
    this.queue.enqueue({ what: `event ${event.type}`, important: false, run: () => this.insert.run(row) });
  }

  /** Events matching `q`, newest first unless `q.order` is `asc`. */
  query(q: EventQuery = {}): StoredEvent[] {
    const where: string[] = [];
    const params: unknown[] = [];
    if (q.node !== undefined) {
      where.push('node = ?');
      params.push(q.node);
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
    return (this.db.prepare(sql).all(...params) as EventRow[]).map(fromRow);
  }
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
