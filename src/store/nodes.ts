import type Database from 'better-sqlite3';
import type { Logger } from '../logger.js';
import type { ProcessIdentity } from '../supervisor/driver.js';
import type { WriteQueue } from './write-queue.js';
import type { DesiredState, NodeRecord } from './types.js';

interface NodeRow {
  name: string;
  desired: DesiredState | null;
  held: number;
  pid: number | null;
  pgid: number | null;
  start_time: string | null;
  argv: string | null;
  run_hash: string | null;
  restarts: number;
  updated_ts: number;
}

/**
 * When a node row is written: `now`, before the call returns (true if it
 * reached the database); `soon`, at the end of the current microtasks, in one
 * transaction with the rest of its burst (true unless it waits for a retry).
 */
export type WriteTiming = 'now' | 'soon';

/**
 * The `nodes` table, what a new manager needs to re-adopt survivors and
 * honour operator intent: desired state, hold flag and the identity of the
 * running process. Each write goes to disk at once (not batched), or, asked
 * `soon`, before the turn of the event loop that made it ends (the writes of
 * one burst, such as a start of 200 nodes, in one transaction); a refused
 * write is kept and retried in order like any other.
 */
export class NodeStore {
  private readonly upsertProcess: Database.Statement;
  private readonly upsertDesired: Database.Statement;
  private readonly upsertHeld: Database.Statement;
  private readonly upsertRestarts: Database.Statement;
  private readonly remove: Database.Statement;
  private readonly upsertVersion: Database.Statement;

  constructor(
    private readonly db: Database.Database,
    private readonly queue: WriteQueue,
    private readonly wallNow: () => number,
    private readonly logger: Logger,
  ) {
    this.upsertProcess = db.prepare(
      `INSERT INTO nodes (name, pid, pgid, start_time, argv, run_hash, updated_ts)
       VALUES (@name, @pid, @pgid, @startTime, @argv, @runHash, @ts)
       ON CONFLICT (name) DO UPDATE SET pid = excluded.pid, pgid = excluded.pgid, start_time = excluded.start_time,
         argv = excluded.argv, run_hash = excluded.run_hash, updated_ts = excluded.updated_ts`,
    );
    this.upsertDesired = db.prepare(
      `INSERT INTO nodes (name, desired, updated_ts) VALUES (?, ?, ?)
       ON CONFLICT (name) DO UPDATE SET desired = excluded.desired, updated_ts = excluded.updated_ts`,
    );
    this.upsertHeld = db.prepare(
      `INSERT INTO nodes (name, held, updated_ts) VALUES (?, ?, ?)
       ON CONFLICT (name) DO UPDATE SET held = excluded.held, updated_ts = excluded.updated_ts`,
    );
    this.upsertRestarts = db.prepare(
      `INSERT INTO nodes (name, restarts, updated_ts) VALUES (?, ?, ?)
       ON CONFLICT (name) DO UPDATE SET restarts = excluded.restarts, updated_ts = excluded.updated_ts`,
    );
    this.remove = db.prepare('DELETE FROM nodes WHERE name = ?');
    this.upsertVersion = db.prepare(
      `INSERT INTO nodes (name, version, updated_ts) VALUES (?, ?, ?)
       ON CONFLICT (name) DO UPDATE SET version = excluded.version, updated_ts = excluded.updated_ts`,
    );
  }

  /**
   * The node's process (or none, once it is gone) and the run hash it was
   * started with; with `restarts`, the node's restart count too. True if written.
   */
  recordProcess(
    name: string,
    identity: ProcessIdentity | null,
    runHash: string | null,
    restarts?: number,
    timing: WriteTiming = 'now',
  ): boolean {
    const row = {
      name,
      pid: identity?.pid ?? null,
      pgid: identity?.pgid ?? null,
      startTime: identity?.startTime ?? null,
      argv: identity ? JSON.stringify(identity.argv) : null,
      runHash,
      ts: this.wallNow(),
    };
    return this.write(
      `process ${name}`,
      () => {
        this.upsertProcess.run(row);
        if (restarts !== undefined) this.upsertRestarts.run(name, restarts, row.ts);
      },
      timing,
    );
  }

  /** What the operator asked for (`start` / `stop`), kept across restarts. True if written. */
  setDesired(name: string, desired: DesiredState, timing: WriteTiming = 'now'): boolean {
    const ts = this.wallNow();
    return this.write(`desired ${name}`, () => this.upsertDesired.run(name, desired, ts), timing);
  }

  /** `hold` / `release`. True if written. */
  setHeld(name: string, held: boolean, timing: WriteTiming = 'now'): boolean {
    const ts = this.wallNow();
    return this.write(`held ${name}`, () => this.upsertHeld.run(name, held ? 1 : 0, ts), timing);
  }

  /** The version the node reported last (its `version` probe), kept across manager restarts. True if written. */
  recordVersion(name: string, version: string): boolean {
    const ts = this.wallNow();
    return this.write(`version ${name}`, () => this.upsertVersion.run(name, version, ts));
  }

  /** The last reported version of every node that reported one. */
  versions(): Map<string, string> {
    const rows = this.db
      .prepare('SELECT name, version FROM nodes WHERE version IS NOT NULL ORDER BY name')
      .all() as { name: string; version: string }[];
    return new Map(rows.map((r) => [r.name, r.version]));
  }

  /** Forget a node removed from the configuration. True if written. */
  forget(name: string): boolean {
    return this.write(`forget ${name}`, () => this.remove.run(name));
  }

  /** Every node row, by name. */
  load(): Map<string, NodeRecord> {
    return selectNodes(this.db, (name, argv) =>
      this.logger.warn(
        `store: node ${name} has an unreadable argv in the database; its process will not be re-adopted`,
        { argv },
      ),
    );
  }

  private write(what: string, run: () => unknown, timing: WriteTiming = 'now'): boolean {
    const op = { what, important: true, run: () => void run() };
    return timing === 'soon' ? this.queue.soon(op) : this.queue.writeNow(op);
  }
}

/**
 * Every row of the `nodes` table, by name. A row whose process identity
 * cannot be read gets none (`onBadArgv` is told): its process is never
 * mistaken for the node's.
 */
export function selectNodes(
  db: Database.Database,
  onBadArgv: (name: string, argv: string) => void,
): Map<string, NodeRecord> {
  const out = new Map<string, NodeRecord>();
  for (const r of db.prepare('SELECT * FROM nodes ORDER BY name').all() as NodeRow[]) {
    out.set(r.name, {
      name: r.name,
      desired: r.desired,
      held: r.held !== 0,
      process: identity(r, onBadArgv),
      runHash: r.run_hash,
      restarts: r.restarts,
      updatedTs: r.updated_ts,
    });
  }
  return out;
}

function identity(r: NodeRow, onBadArgv: (name: string, argv: string) => void): ProcessIdentity | null {
  if (r.pid === null || r.pgid === null || r.start_time === null || r.argv === null) return null;
  try {
    const argv = JSON.parse(r.argv) as unknown;
    if (Array.isArray(argv) && argv.every((a) => typeof a === 'string')) {
      return { pid: r.pid, pgid: r.pgid, startTime: r.start_time, argv };
    }
  } catch {
    // fall through: an unreadable identity is no identity (the process is not re-adopted)
  }
  onBadArgv(r.name, r.argv);
  return null;
}
