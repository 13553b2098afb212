import type { EventType, Severity } from '../events/types.js';
import type { HistoryResponse, StateCounts, Timeline } from '../protocol/types.js';
import type { ProcessIdentity } from '../supervisor/driver.js';
import type { HistoryQuery, TimelineQuery } from './history.js';

/**
 * Shapes the store hands to its readers (API, CLI, metrics, exports).
 * Times are wall-clock epoch milliseconds unless a name says seconds.
 */

/** Filter for `queryEvents`. Everything is optional; results are newest first by default. */
export interface EventQuery {
  /** One node, or any of several (a resolved glob). */
  node?: string | readonly string[];
  /** One type or several. */
  type?: EventType | readonly EventType[];
  /** Only events at or after this time. */
  sinceMs?: number;
  /** Only events strictly before this time. */
  untilMs?: number;
  /** At most this many rows (default 100). */
  limit?: number;
  /** `desc` (newest first, the default) or `asc` (oldest first, for exports). */
  order?: 'asc' | 'desc';
}

/** A stored event, as read back. */
export interface StoredEvent {
  readonly id: number;
  readonly ts: number;
  readonly node: string | null;
  readonly type: EventType;
  readonly severity: Severity;
  readonly reason: string | null;
  readonly details: Readonly<Record<string, unknown>>;
}

export interface UptimeQuery {
  sinceMs: number;
  /** Defaults to now; time after now is never counted. */
  untilMs?: number;
  /** Restrict to these nodes (a named node never seen is reported with no data). */
  nodes?: readonly string[];
}

/** One node's uptime over a window. */
export interface UptimeRow {
  readonly node: string;
  /** Seconds spent `running` inside the window. */
  readonly upSeconds: number;
  /** Length of the window the node existed in: [max(since, first seen), min(until, now)]. */
  readonly observedSeconds: number;
  /** 100 · up / observed, within [0, 100]; null when nothing was observed. */
  readonly uptimePercent: number | null;
  /** Effective window start (epoch ms). */
  readonly fromMs: number;
  /** Effective window end (epoch ms). */
  readonly toMs: number;
}

/** Window of `uptime --rank`. */
export interface RankQuery {
  sinceMs: number;
  /** Defaults to now; time after now is never counted. */
  untilMs?: number;
}

/** One node's or target's place in the ranking (see `computeRanking`). */
export interface RankRow {
  /** 1 = best. */
  readonly rank: number;
  readonly name: string;
  /** `node` (nodewarden runs it) or `target` (watch-only). */
  readonly kind: 'node' | 'target';
  /** Share of the observed time spent up (`running` / `up`), 0–100; null when nothing was observed. */
  readonly uptimePercent: number | null;
  readonly upSeconds: number;
  readonly observedSeconds: number;
  /** State intervals overlapping the window: the records behind the uptime figure. */
  readonly intervals: number;
  /** Median latency of the successful probe runs in the window (ms), or null with none. */
  readonly medianLatencyMs: number | null;
  /** Probe runs in the window (successful and failed): the records behind the median. */
  readonly probeSamples: number;
  readonly failedProbes: number;
  /** `raw` (exact, every run) or `histogram` (hourly histograms, ±5 %); null without probe runs. */
  readonly latencySource: 'raw' | 'histogram' | null;
}

/** One resource/height observation of a node (from the sampler and the height probe). */
export interface SampleInput {
  node: string;
  ts: number;
  cpuPercent: number | null;
  rssBytes: number | null;
  height: number | null;
  lag: number | null;
  health: string | null;
}

export interface SampleQuery {
  /** One node, or any of several (a resolved glob). */
  node?: string | readonly string[];
  sinceMs: number;
  untilMs?: number;
  /** `raw` rows are kept one day; `minute` aggregates for `retention.samplesDays`. */
  resolution: 'raw' | 'minute';
  /** At most this many rows (default: all). */
  limit?: number;
}

/** A raw sample as read back (same fields as `SampleInput`). */
export type RawSample = Readonly<SampleInput>;

/** One node-minute of samples. `ts` is the minute's start. */
export interface MinuteSample {
  readonly node: string;
  readonly ts: number;
  /** How many raw samples went into this minute. */
  readonly samples: number;
  readonly cpuAvg: number | null;
  readonly cpuMax: number | null;
  readonly rssMax: number | null;
  /** Last known height in the minute. */
  readonly height: number | null;
  readonly lagMax: number | null;
  /** Last known health in the minute. */
  readonly health: string | null;
}

export interface Retention {
  eventsDays: number;
  samplesDays: number;
  /** Most rows the events table keeps (oldest deleted first); absent = no count bound. */
  maxEvents?: number;
}

/** Rows removed by one `prune`. */
export interface PruneResult {
  readonly events: number;
  readonly intervals: number;
  readonly rawSamples: number;
  readonly minuteSamples: number;
  /** Probe runs older than one day (`probe_samples`). */
  readonly probeSamples: number;
  /** Hourly probe histogram rows older than `samplesDays` (`probe_hour`). */
  readonly probeHours: number;
}

/** What an operator asked a node to be; null = never said, follow `autostart`. */
export type DesiredState = 'running' | 'stopped';

/** A node's crash-safety row: what it should be and which process it was. */
export interface NodeRecord {
  readonly name: string;
  readonly desired: DesiredState | null;
  readonly held: boolean;
  /** The process last recorded as running, or null. */
  readonly process: ProcessIdentity | null;
  readonly runHash: string | null;
  /** Restarts of the node (automatic and commanded) since it was first recorded: kept across manager restarts. */
  readonly restarts: number;
  readonly updatedTs: number;
}

/** Health counters of the store, exported as metrics. */
export interface StoreStats {
  /** Failed write attempts (one per failed transaction) since open. */
  readonly writeErrors: number;
  /** Writes waiting in memory for the database to accept them. */
  readonly backlog: number;
  /** Writes given up: backlog overflow, writes after close, or rows SQLite refused for good. */
  readonly dropped: number;
  /** SQLite code of the last failure, or null. */
  readonly lastErrorCode: string | null;
}

/**
 * What the readers of history need (API handlers, exports, the CLI with the
 * daemon down): the daemon's `Store` and the CLI's `ReadOnlyStore` both are one.
 */
export interface StoreReader {
  /** Events matching `q`, newest first unless `q.order` is `asc` (default limit 100). */
  queryEvents(q?: EventQuery): StoredEvent[];
  /** Per-node uptime over a window, worst first. */
  uptime(q: UptimeQuery): UptimeRow[];
  /** Nodes and targets ranked by uptime, then median probe latency; best first. */
  rank(q: RankQuery): RankRow[];
  querySamples(q: SampleQuery): RawSample[] | MinuteSample[];
  /** A node's downsampled series (status page, `status --history`). */
  history(q: HistoryQuery): HistoryResponse;
  /** State timelines of `q.nodes` and the fleet's state counts over a window. */
  timelines(q: TimelineQuery): { timelines: Map<string, Timeline>; states: StateCounts };
}
