import fs from 'node:fs';
import path from 'node:path';
import Database from 'better-sqlite3';
import type { Redact } from '../config/redact.js';
import { NodewardenError } from '../errors.js';
import { DB_FILE } from './db.js';
import { redactEvents, selectEvents } from './event-store.js';
import { lastIntervals, lastRecorded, type LastInterval } from './intervals.js';
import { SCHEMA_VERSION, schemaVersion } from './migrations.js';
import { selectNodes } from './nodes.js';
import { queryRanking } from './rank.js';
import { selectSamples } from './samples.js';
import { describe, sqliteCode } from './sqlite-errors.js';
import { queryUptime } from './uptime.js';
import { selectHistory, selectTimelines, type HistoryQuery, type TimelineQuery } from './history.js';
import type { HistoryResponse, StateCounts, Timeline } from '../protocol/types.js';
import type {
  EventQuery,
  MinuteSample,
  NodeRecord,
  RankQuery,
  RankRow,
  RawSample,
  SampleQuery,
  StoredEvent,
  StoreReader,
  UptimeQuery,
  UptimeRow,
} from './types.js';

/** How a node's process last ended, from its latest `exited` or `crashed` event. */
export interface LastExit {
  readonly code: number | null;
  readonly signal: string | null;
}

/**
 * The state database of a manager that is not running, opened read-only
 * (the CLI's `status`, `events`, `uptime` and `export` with the daemon down).
 * It never writes, migrates, checkpoints or moves a file aside: the same
 * queries as the daemon's Store, over what the last manager left. Built by
 * `openReadOnlyStore`.
 */
export class ReadOnlyStore implements StoreReader {
  private redaction: Redact | null = null;

  constructor(
    /** The database file. */
    readonly file: string,
    private readonly db: Database.Database,
    private readonly wallNow: () => number,
  ) {}

  /** Mask these secrets in every event read (see `Store.redactReads`). */
  redactReads(redaction: Redact | null): void {
    this.redaction = redaction;
  }

  queryEvents(q: EventQuery = {}): StoredEvent[] {
    return redactEvents(selectEvents(this.db, q), this.redaction);
  }

  uptime(q: UptimeQuery): UptimeRow[] {
    return queryUptime(this.db, q, this.wallNow());
  }

  rank(q: RankQuery): RankRow[] {
    return queryRanking(this.db, q, this.wallNow());
  }

  querySamples(q: SampleQuery): RawSample[] | MinuteSample[] {
    return selectSamples(this.db, q);
  }

  history(q: HistoryQuery): HistoryResponse {
    return selectHistory(this.db, q, this.wallNow());
  }

  timelines(q: TimelineQuery): { timelines: Map<string, Timeline>; states: StateCounts } {
    return selectTimelines(this.db, q, this.wallNow());
  }

  /** The crash-safety rows: desired state, hold, the process last recorded. */
  loadNodes(): Map<string, NodeRecord> {
    // A row with an unreadable process identity simply has none: no pid is shown for it.
    return selectNodes(this.db, () => {});
  }

  /** Every node's latest state interval. */
  lastIntervals(): Map<string, LastInterval> {
    return lastIntervals(this.db);
  }

  /** When the last manager last recorded anything (epoch ms), or null for an empty database. */
  lastRecorded(): number | null {
    return lastRecorded(this.db);
  }

  /** How the node's process last ended, or null if it never did. */
  lastExit(node: string): LastExit | null {
    const [e] = selectEvents(this.db, { node, type: ['exited', 'crashed'], limit: 1 });
    if (!e) return null;
    const code = e.details['code'];
    const signal = e.details['signal'];
    return {
      code: typeof code === 'number' ? code : null,
      signal: typeof signal === 'string' ? signal : null,
    };
  }

  /** Every stored `secret "key"` value, for the redactor. */
  secretValues(): string[] {
    return this.db.prepare('SELECT value FROM secrets').pluck().all() as string[];
  }

  close(): void {
    this.db.close();
  }
}

/**
 * Open `<stateDir>/nodewarden.db` read-only. No file at all is E_STORE
 * (`details.missing`); so is a database this build cannot read (another
 * schema version) or one SQLite cannot open read-only — after a manager that
 * died uncleanly, a read-only reader needs the -wal/-shm files or the right
 * to create them, and the message says which is missing.
 */
export function openReadOnlyStore(stateDir: string, wallNow: () => number = Date.now): ReadOnlyStore {
  const file = path.join(stateDir, DB_FILE);
  if (!fs.existsSync(file)) {
    throw new NodewardenError(
      'E_STORE',
      `no state database at ${file}; has nodewarden run with this config?`,
      {
        details: { file, missing: true },
      },
    );
  }
  const had = (suffix: string): boolean => fs.existsSync(file + suffix);
  const before = { wal: had('-wal'), shm: had('-shm') };
  let db: Database.Database;
  try {
    // SQLite itself gives a -wal/-shm it has to create the owner and mode of the database file.
    db = new Database(file, { readonly: true, fileMustExist: true, timeout: 2000 });
  } catch (err) {
    throw cannotRead(file, err, before);
  }
  try {
    // The first read opens the WAL and its index: that is where a read-only open can fail.
    db.prepare('SELECT count(*) FROM sqlite_master').get();
    const found = schemaVersion(db);
    if (found !== SCHEMA_VERSION) {
      throw new NodewardenError(
        'E_STORE',
        `the state database ${file} has schema v${found}, this nodewarden reads v${SCHEMA_VERSION}`,
        {
          hint:
            found > SCHEMA_VERSION
              ? 'use the nodewarden version that wrote it, or a newer one'
              : 'start the daemon once: it brings the database to the current schema',
          details: { file, found },
        },
      );
    }
  } catch (err) {
    db.close();
    throw err instanceof NodewardenError ? err : cannotRead(file, err, before);
  }
  return new ReadOnlyStore(file, db, wallNow);
}

function cannotRead(file: string, err: unknown, before: { wal: boolean; shm: boolean }): NodewardenError {
  const code = sqliteCode(err) ?? '';
  const missing = [!before.wal && '-wal', !before.shm && '-shm'].filter(Boolean).join(' and ');
  const dir = path.dirname(file);
  let why: string;
  if (code === 'SQLITE_READONLY_DIRECTORY' || code === 'SQLITE_READONLY_CANTINIT') {
    why = `its ${missing || '-wal/-shm'} file${missing.includes(' and ') ? 's are' : ' is'} missing and ${dir} is not writable by this user (${code})`;
  } else if (code.startsWith('SQLITE_CANTOPEN') && missing !== '') {
    why = `its ${missing} file${missing.includes(' and ') ? 's are' : ' is'} missing and cannot be created in ${dir} (${describe(err)})`;
  } else {
    why = describe(err);
  }
  return new NodewardenError('E_STORE', `cannot read the state database ${file} read-only: ${why}`, {
    hint: 'run this as the user that runs nodewarden, or start the daemon and ask it',
    cause: err,
    details: { file },
  });
}
