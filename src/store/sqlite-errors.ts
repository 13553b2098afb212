/**
 * Which SQLite failures mean "the database cannot take writes right now"
 * (keep the rows in memory and retry) as opposed to "this row will never be
 * accepted" (drop it, keep the rest).
 */

/** The SQLite result code of an error (e.g. `SQLITE_READONLY_DBMOVED`), or null if it is not one. */
export function sqliteCode(err: unknown): string | null {
  const code = (err as { code?: unknown } | null)?.code;
  return typeof code === 'string' && code.startsWith('SQLITE_') ? code : null;
}

const TRANSIENT = [
  'SQLITE_FULL',
  'SQLITE_READONLY',
  'SQLITE_BUSY',
  'SQLITE_LOCKED',
  'SQLITE_IOERR',
  'SQLITE_CORRUPT',
  'SQLITE_NOTADB',
  'SQLITE_CANTOPEN',
  'SQLITE_NOMEM',
  'SQLITE_PROTOCOL',
  'SQLITE_INTERRUPT',
];

/** True for failures of the database itself (disk full, read-only, locked, I/O, corruption). */
export function isTransient(err: unknown): boolean {
  const code = sqliteCode(err);
  if (code === null) return false;
  return TRANSIENT.some((t) => code === t || code.startsWith(`${t}_`));
}

/** True when the file itself is damaged: it should be checked and moved aside at next open. */
export function isCorruption(err: unknown): boolean {
  const code = sqliteCode(err);
  return code !== null && (code.startsWith('SQLITE_CORRUPT') || code === 'SQLITE_NOTADB');
}

/** One line for logs: code and message. */
export function describe(err: unknown): string {
  const code = sqliteCode(err);
  const msg = err instanceof Error ? err.message : String(err);
  return code ? `${code}: ${msg}` : msg;
}
