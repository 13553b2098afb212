import type Database from 'better-sqlite3';
import { NodewardenError } from '../errors.js';

/**
 * The schema, as an ordered list of migrations: `MIGRATIONS[i]` takes a
 * database from version i to i+1, and `PRAGMA user_version` holds the version.
 * A released entry is never edited (the checked-in fixture DB pins v1); a
 * schema change is a new entry appended at the end, plus a seed for it in
 * test/unit/store/migrations.test.ts.
 */
export const MIGRATIONS: readonly string[] = [
  // v1: records and crash safety: events, nodes (desired state + process identity), secrets.
  `
  CREATE TABLE events (
    id        INTEGER PRIMARY KEY AUTOINCREMENT,
    ts        INTEGER NOT NULL,
    node      TEXT,
    type      TEXT    NOT NULL,
    severity  TEXT    NOT NULL,
    reason    TEXT,
    details   TEXT    NOT NULL DEFAULT '{}'
  );
  CREATE INDEX events_ts ON events (ts);
  CREATE INDEX events_node_ts ON events (node, ts);

  CREATE TABLE nodes (
    name        TEXT PRIMARY KEY,
    desired     TEXT CHECK (desired IN ('running', 'stopped')),
    held        INTEGER NOT NULL DEFAULT 0,
    pid         INTEGER,
    pgid        INTEGER,
    start_time  TEXT,
    argv        TEXT,
    run_hash    TEXT,
    updated_ts  INTEGER NOT NULL
  );

  CREATE TABLE secrets (
    node        TEXT NOT NULL,
    key         TEXT NOT NULL,
    value       TEXT NOT NULL,
    created_ts  INTEGER NOT NULL,
    PRIMARY KEY (node, key)
  ) WITHOUT ROWID;
  `,
  // v2: history: state intervals (uptime) and samples (raw + per-minute), events by type.
  `
  CREATE TABLE state_intervals (
    id          INTEGER PRIMARY KEY,
    node        TEXT    NOT NULL,
    state       TEXT    NOT NULL,
    pid         INTEGER,
    start_ts    INTEGER NOT NULL,
    end_ts      INTEGER,
    end_reason  TEXT
  );
  CREATE INDEX state_intervals_node_start ON state_intervals (node, start_ts);
  CREATE INDEX state_intervals_open ON state_intervals (node) WHERE end_ts IS NULL;

  CREATE TABLE samples_raw (
    node    TEXT    NOT NULL,
    ts      INTEGER NOT NULL,
    cpu     REAL,
    rss     INTEGER,
    height  INTEGER,
    lag     INTEGER,
    health  TEXT
  );
  CREATE INDEX samples_raw_node_ts ON samples_raw (node, ts);
  CREATE INDEX samples_raw_ts ON samples_raw (ts);

  CREATE TABLE samples_minute (
    node         TEXT    NOT NULL,
    minute_ts    INTEGER NOT NULL,
    n            INTEGER NOT NULL,
    cpu_n        INTEGER NOT NULL,
    cpu_sum      REAL,
    cpu_max      REAL,
    rss_max      INTEGER,
    height_last  INTEGER,
    lag_max      INTEGER,
    health_last  TEXT,
    last_ts      INTEGER NOT NULL,
    PRIMARY KEY (node, minute_ts)
  ) WITHOUT ROWID;
  CREATE INDEX samples_minute_ts ON samples_minute (minute_ts);

  CREATE INDEX events_type_ts ON events (type, ts);
  `,
  // v3: alerts: the durable outbox (one row per alert and channel) and throttle memory.
  `
  CREATE TABLE outbox (
    id               INTEGER PRIMARY KEY AUTOINCREMENT,
    created_ts       INTEGER NOT NULL,
    channel          TEXT    NOT NULL,
    key              TEXT    NOT NULL,
    payload          TEXT    NOT NULL,
    attempts         INTEGER NOT NULL DEFAULT 0,
    next_attempt_ts  INTEGER NOT NULL,
    status           TEXT    NOT NULL DEFAULT 'pending' CHECK (status IN ('pending', 'sent', 'failed')),
    last_error       TEXT,
    sent_ts          INTEGER
  );
  CREATE INDEX outbox_due ON outbox (channel, next_attempt_ts) WHERE status = 'pending';
  CREATE INDEX outbox_created ON outbox (created_ts);

  CREATE TABLE alert_throttle (
    node                 TEXT    NOT NULL,
    condition            TEXT    NOT NULL,
    last_sent_ts         INTEGER,
    open                 INTEGER NOT NULL DEFAULT 0,
    suppressed           INTEGER NOT NULL DEFAULT 0,
    suppressed_since_ts  INTEGER,
    pending              TEXT,
    PRIMARY KEY (node, condition)
  ) WITHOUT ROWID;
  `,
  // v4: a node's restart count, kept across manager restarts (status `restarts`).
  `
  ALTER TABLE nodes ADD COLUMN restarts INTEGER NOT NULL DEFAULT 0;
  `,
  // v5: probe latency for ranking: every probe run (kept one day) and hourly latency histograms
  // (clustered by hour, so a window is one contiguous range).
  `
  CREATE TABLE probe_samples (
    name     TEXT    NOT NULL,
    ts       INTEGER NOT NULL,
    probe    TEXT    NOT NULL,
    seconds  REAL    NOT NULL,
    ok       INTEGER NOT NULL
  );
  CREATE INDEX probe_samples_ts ON probe_samples (ts);

  CREATE TABLE probe_hour (
    hour_ts  INTEGER NOT NULL,
    name     TEXT    NOT NULL,
    ok       INTEGER NOT NULL,
    bucket   INTEGER NOT NULL,
    n        INTEGER NOT NULL,
    PRIMARY KEY (hour_ts, name, ok, bucket)
  ) WITHOUT ROWID;
  `,
  // v6: the version a node last reported, so a manager restart does not take its first answer for a change.
  `
  ALTER TABLE nodes ADD COLUMN version TEXT;
  `,
];

/** The schema version this build of nodewarden writes. */
export const SCHEMA_VERSION = MIGRATIONS.length;

/** Read `PRAGMA user_version`. */
export function schemaVersion(db: Database.Database): number {
  return db.pragma('user_version', { simple: true }) as number;
}

/**
 * Bring `db` to version `target` (default: current) in one immediate
 * transaction: either every step applies or none does. Returns the version
 * found before. A database newer than this build is refused, never touched.
 */
export function applyMigrations(db: Database.Database, target: number = SCHEMA_VERSION): number {
  const found = schemaVersion(db);
  if (found > SCHEMA_VERSION) {
    throw new NodewardenError(
      'E_STORE',
      `database ${db.name} has schema v${found}, newer than this nodewarden (v${SCHEMA_VERSION})`,
      { hint: 'run the nodewarden version that wrote it, or a newer one', details: { file: db.name, found } },
    );
  }
  if (found >= target) return found;
  db.transaction(() => {
    for (let v = found; v < target; v++) {
      db.exec(MIGRATIONS[v]!);
      db.pragma(`user_version = ${v + 1}`);
    }
  }).immediate();
  return found;
}
