import type Database from 'better-sqlite3';
import type { Redact } from '../config/redact.js';
import type { NodewardenEvent, StateChange } from '../events/types.js';
import type { Logger } from '../logger.js';
import type { Clock } from '../supervisor/clock.js';
import type { ProcessIdentity } from '../supervisor/driver.js';
import { EventStore, redactEvents } from './event-store.js';
import { IntervalStore } from './intervals.js';
import { NodeStore, type WriteTiming } from './nodes.js';
import { ProbeSampleStore, type ProbeRun } from './probes.js';
import { queryRanking } from './rank.js';
import { SampleStore } from './samples.js';
import { SqliteSecrets } from './secrets.js';
import { queryUptime } from './uptime.js';
import { selectHistory, selectTimelines, type HistoryQuery, type TimelineQuery } from './history.js';
import type { HistoryResponse, StateCounts, Timeline } from '../protocol/types.js';
import { WriteQueue } from './write-queue.js';
import type {
  DesiredState,
  EventQuery,
  MinuteSample,
  NodeRecord,
  PruneResult,
  RankQuery,
  RankRow,
  RawSample,
  Retention,
  SampleInput,
  SampleQuery,
  StoredEvent,
  StoreStats,
  UptimeQuery,
  UptimeRow,
} from './types.js';

const DAY = 86_400_000;

export interface StoreOptions {
  logger: Logger;
  clock: Clock;
  maxBacklog?: number;
  retryMs?: number;
  onCorruption?: () => void;
}

/**
 * nodewarden's memory (DESIGN §2, §4): events, state intervals, samples,
 * node rows and secrets in one SQLite database. Writes never throw: they are
 * batched per tick (node rows: at once; resource samples: once a minute) and, when SQLite refuses them, kept
 * in a bounded backlog and retried (see `stats()`). Reads flush what is
 * pending first (unless writes are failing) and throw on a database error. Built by `openStore`.
 */
export class Store {
  /** `secret "key"` values for config interpolation. */
  readonly secrets: SqliteSecrets;
  private readonly queue: WriteQueue;
  private readonly events: EventStore;
  private readonly intervals: IntervalStore;
  private readonly samples: SampleStore;
  private readonly probes: ProbeSampleStore;
  private readonly nodes: NodeStore;
  private closed = false;
  private redaction: Redact | null = null;

  constructor(
    /** The connection (for diagnostics and tests; other modules use the methods). */
    readonly db: Database.Database,
    private readonly opts: StoreOptions,
  ) {
    this.queue = new WriteQueue(db, opts);
    const wallNow = (): number => opts.clock.wallNow();
    this.events = new EventStore(db, this.queue);
    this.intervals = new IntervalStore(db, this.queue);
    this.samples = new SampleStore(db, this.queue);
    this.probes = new ProbeSampleStore(db, this.queue);
    this.nodes = new NodeStore(db, this.queue, wallNow, opts.logger);
    this.secrets = new SqliteSecrets(db, this.queue, wallNow);
  }

  /**
   * Record a contract event. `manager_stopped` also closes every open state
   * interval; `adopted` (with `details.pid`) bridges the node's interval
   * across the manager's absence.
   */
  append(event: NodewardenEvent): void {
    this.events.append(event);
    if (event.type === 'manager_stopped') this.intervals.managerStopped(event.ts);
    const pid = event.details['pid'];
    if (event.type === 'adopted' && event.node !== null && typeof pid === 'number') {
      this.intervals.adopted(event.node, pid, event.ts);
    }
  }

  /** Record a lifecycle state change (an uptime interval boundary). */
  recordState(change: StateChange): void {
    this.intervals.record(change);
  }

  /** Close `node`'s open interval at `ts` without opening another (a target no longer watched). */
  closeInterval(node: string, ts: number): void {
    this.intervals.close(node, ts);
  }

  /** Close intervals left open by a previous manager that was killed. Returns how many. */
  closeStaleIntervals(): number {
    return this.intervals.closeStale(this.opts.clock.wallNow());
  }

  /** Hold a resource sample; it reaches the database within a minute (see `SampleStore`). */
  recordSample(sample: SampleInput): void {
    this.samples.record(sample);
  }

  /** Hand the samples held in memory to the write queue now (readers, flush and close do it). */
  releaseSamples(): void {
    this.samples.release();
  }

  /** Record one probe run of a node or target (its latency, for `uptime --rank`). */
  recordProbe(run: ProbeRun): void {
    this.probes.record(run);
  }

  /** See `NodeStore.recordProcess`. Written at once (or `soon`); true if it reached the database. */
  recordProcess(
    name: string,
    identity: ProcessIdentity | null,
    runHash: string | null,
    restarts?: number,
    timing: WriteTiming = 'now',
  ): boolean {
    return this.nodes.recordProcess(name, identity, runHash, restarts, timing);
  }

  setDesired(name: string, desired: DesiredState, timing: WriteTiming = 'now'): boolean {
    return this.nodes.setDesired(name, desired, timing);
  }

  setHeld(name: string, held: boolean, timing: WriteTiming = 'now'): boolean {
    return this.nodes.setHeld(name, held, timing);
  }

  /** See `NodeStore.recordVersion`. */
  recordVersion(name: string, version: string): boolean {
    return this.nodes.recordVersion(name, version);
  }

  /** The last reported version of every node that reported one. */
  nodeVersions(): Map<string, string> {
    return this.nodes.versions();
  }

  forgetNode(name: string): boolean {
    return this.nodes.forget(name);
  }

  loadNodes(): Map<string, NodeRecord> {
    return this.nodes.load();
  }

  /**
   * Mask secrets in every event read from now on. Events are redacted on the
   * bus before they are stored; this also covers rows an older nodewarden
   * stored unmasked, for every reader (API, export, status page, mails).
   */
  redactReads(redaction: Redact | null): void {
    this.redaction = redaction;
  }

  /** Events matching `q`, newest first (default limit 100). */
  queryEvents(q: EventQuery = {}): StoredEvent[] {
    this.flushForRead();
    return redactEvents(this.events.query(q), this.redaction);
  }

  /** Per-node uptime over a window, worst first (see `computeUptime`). */
  uptime(q: UptimeQuery): UptimeRow[] {
    this.flushForRead();
    return queryUptime(this.db, q, this.opts.clock.wallNow());
  }

  /** Nodes and targets ranked by uptime, then median probe latency (see `computeRanking`). */
  rank(q: RankQuery): RankRow[] {
    this.flushForRead();
    return queryRanking(this.db, q, this.opts.clock.wallNow());
  }

  querySamples(q: SampleQuery & { resolution: 'raw' }): RawSample[];
  querySamples(q: SampleQuery & { resolution: 'minute' }): MinuteSample[];
  querySamples(q: SampleQuery): RawSample[] | MinuteSample[];
  querySamples(q: SampleQuery): RawSample[] | MinuteSample[] {
    this.flushForRead();
    return this.samples.query(q);
  }

  history(q: HistoryQuery): HistoryResponse {
    this.flushForRead();
    return selectHistory(this.db, q, this.opts.clock.wallNow());
  }

  timelines(q: TimelineQuery): { timelines: Map<string, Timeline>; states: StateCounts } {
    this.flushForRead();
    return selectTimelines(this.db, q, this.opts.clock.wallNow());
  }

  /**
   * Delete what retention no longer keeps: events and closed intervals older
   * than `eventsDays`, then the oldest events beyond `maxEvents`, raw samples
   * and probe runs older than one day, minute samples and probe histograms
   * older than `samplesDays`. Returns the
   * rows removed, or null if the database refused (counted and logged; nothing thrown).
   */
  prune(retention: Retention, now: number = this.opts.clock.wallNow()): PruneResult | null {
    this.flushForRead();
    const eventsCut = now - retention.eventsDays * DAY;
    try {
      return this.db
        .transaction(() => ({
          events:
            this.db.prepare('DELETE FROM events WHERE ts < ?').run(eventsCut).changes +
            this.events.pruneBeyond(retention.maxEvents ?? Infinity),
          intervals: this.db
            .prepare('DELETE FROM state_intervals WHERE end_ts IS NOT NULL AND end_ts < ?')
            .run(eventsCut).changes,
          rawSamples: this.db.prepare('DELETE FROM samples_raw WHERE ts < ?').run(now - DAY).changes,
          minuteSamples: this.db
            .prepare('DELETE FROM samples_minute WHERE minute_ts < ?')
            .run(now - retention.samplesDays * DAY).changes,
          probeSamples: this.db.prepare('DELETE FROM probe_samples WHERE ts < ?').run(now - DAY).changes,
          probeHours: this.db
            .prepare('DELETE FROM probe_hour WHERE hour_ts < ?')
            .run(now - retention.samplesDays * DAY).changes,
        }))
        .immediate();
    } catch (err) {
      this.queue.reportError(err, 'prune');
      return null;
    }
  }

  /** Write everything pending now. True when nothing is left pending. */
  flush(): boolean {
    this.samples.release();
    return this.queue.flush();
  }

  /** Samples held in memory are readable too: release them, then flush unless writes are failing. */
  private flushForRead(): void {
    this.samples.release();
    this.queue.flushForRead();
  }

  /** Counters for metrics: write errors, backlog, dropped writes. */
  stats(): StoreStats {
    return this.queue.stats();
  }

  /** Flush and close. Later writes are dropped and counted. Idempotent. */
  close(): void {
    if (this.closed) return;
    this.closed = true;
    this.samples.release();
    this.queue.close();
    this.db.close();
  }
}
