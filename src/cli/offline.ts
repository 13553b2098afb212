import { NodewardenError } from '../errors.js';
import type { ControlClient } from '../protocol/client.js';
import { DaemonClient } from './connect.js';
import type { OfflineDatabase } from './offline-db.js';

/** Socket errors that mean no daemon listens: no socket file, or a stale one nobody accepts on. */
const DOWN = new Set(['ENOENT', 'ECONNREFUSED']);

/**
 * True when `err` says the daemon is not running: its socket is missing or
 * refuses connections (a stale socket of a killed daemon). Both come back at
 * once from connect(2), so telling costs no wait. Anything else (permission
 * denied, a connection lost mid-reply, an error the daemon answered with) is
 * not "down": a busy daemon is still asked, never bypassed.
 */
export function daemonDown(err: unknown): boolean {
  if (!(err instanceof NodewardenError) || err.code !== 'E_DAEMON_UNREACHABLE') return false;
  const code = (err.cause as NodeJS.ErrnoException | undefined)?.code;
  return code !== undefined && DOWN.has(code);
}

/** An answer of a read verb and, when it came from the database, that database. */
export interface ReadResult<T> {
  readonly value: T;
  /** Null when the daemon answered. */
  readonly offline: { readonly marker: string } | null;
}

/**
 * Ask the daemon; when it is down (see `daemonDown`), answer from its state
 * database opened read-only, with the same queries. Any other failure is
 * the daemon's answer and is thrown as is.
 */
export async function askOrRead<T>(
  client: ControlClient,
  ask: (client: ControlClient) => Promise<T>,
  read: (db: OfflineDatabase) => T,
): Promise<ReadResult<T>> {
  try {
    return { value: await ask(client), offline: null };
  } catch (err) {
    if (!(client instanceof DaemonClient) || !daemonDown(err)) throw err;
    // Loaded on use: SQLite and the config loader are not needed while the daemon answers.
    const { OfflineDatabase } = await import('./offline-db.js');
    const db = OfflineDatabase.open(client, err as NodewardenError);
    try {
      return { value: read(db), offline: { marker: db.marker() } };
    } finally {
      db.close();
    }
  }
}
