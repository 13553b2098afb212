import fs from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import Database from 'better-sqlite3';

/**
 * The manager's SQLite file read from outside: opened read-only, never through
 * the manager. If the live file cannot be opened read-only (e.g. its -shm is
 * missing), a copy of the db and its WAL is read instead.
 */

/** An event row as stored. */
export interface EventRow {
  id: number;
  ts: number;
  node: string | null;
  type: string;
  reason: string | null;
  details: Record<string, unknown>;
  /** The details as stored, for identity comparisons. */
  rawDetails: string;
}

export interface IntervalRow {
  id: number;
  node: string;
  state: string;
  pid: number | null;
  start: number;
  end: number | null;
  endReason: string | null;
}

export interface OutboxRowView {
  id: number;
  createdTs: number;
  channel: string;
  status: string;
  attempts: number;
  lastError: string | null;
  payload: Record<string, unknown>;
}

export interface StoreView {
  events: EventRow[];
  intervals: IntervalRow[];
  outbox: OutboxRowView[];
}

function parse(text: string): Record<string, unknown> {
  try {
    const v = JSON.parse(text) as unknown;
    return v !== null && typeof v === 'object' ? (v as Record<string, unknown>) : {};
  } catch {
    return {};
  }
}

function readAll(db: Database.Database): StoreView {
  const read = db.transaction((): StoreView => {
    const events = (
      db.prepare('SELECT id, ts, node, type, reason, details FROM events ORDER BY id').all() as Array<{
        id: number;
        ts: number;
        node: string | null;
        type: string;
        reason: string | null;
        details: string;
      }>
    ).map((r) => ({ ...r, details: parse(r.details), rawDetails: r.details }));
    const intervals = (
      db
        .prepare(
          'SELECT id, node, state, pid, start_ts AS start, end_ts AS "end", end_reason AS endReason FROM state_intervals ORDER BY node, start_ts, id',
        )
        .all() as IntervalRow[]
    ).map((r) => ({ ...r }));
    const outbox = (
      db
        .prepare(
          'SELECT id, created_ts AS createdTs, channel, status, attempts, last_error AS lastError, payload FROM outbox ORDER BY id',
        )
        .all() as Array<Omit<OutboxRowView, 'payload'> & { payload: string }>
    ).map((r) => ({ ...r, payload: parse(r.payload) }));
    return { events, intervals, outbox };
  });
  return read.deferred();
}

/** Everything the invariants read from the store, in one read transaction. */
export function readStore(dbPath: string): StoreView {
  try {
    const db = new Database(dbPath, { readonly: true, fileMustExist: true, timeout: 5_000 });
    try {
      return readAll(db);
    } finally {
      db.close();
    }
  } catch (err) {
    if (!fs.existsSync(dbPath)) throw err;
    const dir = fs.mkdtempSync(path.join(os.tmpdir(), 'nw-chaos-db-'));
    try {
      for (const suffix of ['', '-wal']) {
        if (fs.existsSync(dbPath + suffix))
          fs.copyFileSync(dbPath + suffix, path.join(dir, 'copy.db' + suffix));
      }
      const db = new Database(path.join(dir, 'copy.db'), { readonly: true, fileMustExist: true });
      try {
        return readAll(db);
      } finally {
        db.close();
      }
    } finally {
      fs.rmSync(dir, { recursive: true, force: true });
    }
  }
}

/** An event as one evidence line. */
export function describeEvent(e: EventRow, start: number): string {
  return `event #${e.id} +${((e.ts - start) / 1000).toFixed(1)}s ${e.node ?? '-'} ${e.type}${e.reason ? `(${e.reason})` : ''} ${e.rawDetails}`;
}
