import fs from 'node:fs';
import path from 'node:path';
import Database from 'better-sqlite3';
import { NodewardenError } from '../errors.js';
import type { Logger } from '../logger.js';
import { systemClock, type Clock } from '../supervisor/clock.js';
import { applyMigrations } from './migrations.js';
import { describe, isCorruption } from './sqlite-errors.js';
import { Store } from './store.js';

/** The database file name inside `stateDir` (DESIGN §1). */
export const DB_FILE = 'nodewarden.db';
/** Present when a write saw corruption: the next open runs `PRAGMA quick_check` first. */
const CHECK_MARKER = '.check';

export interface OpenStoreOptions {
  logger: Logger;
  clock?: Clock;
  /** How long a write waits for a lock held elsewhere (default 100 ms: supervision never waits long). */
  busyTimeoutMs?: number;
  /** Most writes kept in memory while the database refuses them (default 20000). */
  maxBacklog?: number;
  /** Retry period while writes fail (default 2000 ms). */
  retryMs?: number;
}

/**
 * Open (creating if needed) `<stateDir>/nodewarden.db`: WAL, synchronous=NORMAL,
 * a short busy timeout, file mode 0600 (it holds secrets), migrated to the
 * current schema. A file that is not a database or is malformed is renamed to
 * `nodewarden.db.corrupt-<timestamp>` (with its -wal/-shm), logged, and a fresh
 * database takes its place: it is never deleted. Any other failure (no
 * permission, a database from a newer nodewarden) throws E_STORE.
 */
export function openStore(stateDir: string, opts: OpenStoreOptions): Store {
  const clock = opts.clock ?? systemClock;
  const file = path.join(stateDir, DB_FILE);
  let db: Database.Database;
  try {
    fs.mkdirSync(stateDir, { recursive: true });
    db = openDatabase(file, opts.busyTimeoutMs ?? 100);
  } catch (err) {
    if (!isCorruption(err)) throw storeError(file, err);
    const moved = moveAside(file, clock.wallNow());
    opts.logger.error(
      `store: ${file} is not a usable database (${describe(err)}); moved it to ${moved} and started a fresh one`,
      { file, movedTo: moved },
    );
    try {
      db = openDatabase(file, opts.busyTimeoutMs ?? 100);
    } catch (again) {
      throw storeError(file, again);
    }
  }
  return new Store(db, {
    logger: opts.logger,
    clock,
    ...(opts.maxBacklog !== undefined && { maxBacklog: opts.maxBacklog }),
    ...(opts.retryMs !== undefined && { retryMs: opts.retryMs }),
    onCorruption: () => markForCheck(file),
  });
}

function openDatabase(file: string, busyTimeoutMs: number): Database.Database {
  createPrivate(file);
  check(file);
  const db = new Database(file, { timeout: busyTimeoutMs });
  try {
    db.pragma('journal_mode = WAL');
    db.pragma('synchronous = NORMAL');
    applyMigrations(db);
    return db;
  } catch (err) {
    db.close();
    throw err;
  }
}

// Checked through a read-only connection first: closing a read-write connection
// to a damaged file may checkpoint into it or delete its -wal, and a file we
// move aside must keep every byte it had.
function check(file: string): void {
  const probe = new Database(file, { readonly: true });
  try {
    probe.prepare('SELECT count(*) FROM sqlite_master').get(); // reads the header and parses the schema
    if (fs.existsSync(file + CHECK_MARKER)) {
      const result = probe.pragma('quick_check', { simple: true });
      if (result !== 'ok')
        throw Object.assign(new Error(`quick_check: ${String(result)}`), { code: 'SQLITE_CORRUPT' });
    }
  } finally {
    probe.close();
  }
  fs.rmSync(file + CHECK_MARKER, { force: true });
}

// The database holds secrets: create it 0600, and tighten an existing one (best effort).
function createPrivate(file: string): void {
  fs.closeSync(fs.openSync(file, 'a', 0o600));
  try {
    fs.chmodSync(file, 0o600);
  } catch {
    // not ours to chmod (another owner): opening will tell whether we can use it
  }
}

/** Rename the database and its WAL/SHM to `<file>.corrupt-<timestamp>[-wal|-shm]`; returns the new name. */
function moveAside(file: string, wallNow: number): string {
  const stamp = new Date(wallNow).toISOString().replace(/[:.]/g, '-');
  let target = `${file}.corrupt-${stamp}`;
  for (let i = 1; fs.existsSync(target); i++) target = `${file}.corrupt-${stamp}-${i}`;
  fs.renameSync(file, target);
  for (const suffix of ['-wal', '-shm']) {
    if (fs.existsSync(file + suffix)) fs.renameSync(file + suffix, target + suffix);
  }
  fs.rmSync(file + CHECK_MARKER, { force: true });
  return target;
}

function markForCheck(file: string): void {
  try {
    fs.writeFileSync(file + CHECK_MARKER, `corruption seen at ${new Date().toISOString()}\n`);
  } catch {
    // the disk may be the problem; the corruption is logged either way
  }
}

function storeError(file: string, err: unknown): NodewardenError {
  if (err instanceof NodewardenError) return err;
  return new NodewardenError('E_STORE', `cannot open the state database ${file}: ${describe(err)}`, {
    cause: err,
    hint: 'check that stateDir exists, is writable by nodewarden and has free space',
    details: { file },
  });
}
