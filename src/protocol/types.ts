/**
 * The control protocol: one definition shared by the daemon's API handlers and
 * the CLI (DESIGN §6). Field names of NodeStatus are part of the contract
 * (`status --json`); add fields, never rename.
 */
import type { NodewardenEvent } from '../events/types.js';

export const PROTOCOL_VERSION = 1;

/** One node as `GET /api/status` and `status --json` show it. */
export interface NodeStatus {
  name: string;
  state: string;
  health: string;
  pid: number | null;
  uptimeSeconds: number | null;
  restarts: number;
  exitCode: number | null;
  exitSignal: string | null;
  height: number | null;
  referenceHeight: number | null;
  lag: number | null;
  cpuPercent: number | null;
  rssBytes: number | null;
  version: string | null;
  peerId: string | null;
  priority: number;
  held: boolean;
  /** Additions beyond the contract's list. */
  /** Connected peers (a chain preset's reading or the node's `peers` probe), null when unknown. */
  peers: number | null;
  group: string;
  profile: string | null;
  desired: 'running' | 'stopped';
}

/**
 * One watch-only target in `status --json` (appended after the nodes): the
 * node row's fields, so tools reading the array keep working, with
 * `kind: "target"`, `state` up / down / unknown, no process fields, and what
 * the prober knows of it.
 */
export interface TargetStatus extends NodeStatus {
  kind: 'target';
  /** The largest run of failures in a row among its probes right now. */
  failures: number;
  lastError: string | null;
  /** Duration of its latest probe, in seconds (null before the first). */
  latencySeconds: number | null;
  labels: Record<string, string>;
}

/** Per-target result of start/stop/restart/hold/release. */
export interface TargetResult {
  node: string;
  ok: boolean;
  /** e.g. `started`, `stopped`, `restarted`, `held`, `released`, `already running`. */
  message: string;
}

export interface ActionResponse {
  results: TargetResult[];
}

export interface ReloadResponse {
  ok: boolean;
  added: string[];
  removed: string[];
  changed: string[];
  unchanged: string[];
  /** Manager settings that only take effect after nodewarden restarts. */
  needsManagerRestart: string[];
  /** When !ok: every problem, formatted `file: key: message (value)`. */
  problems: string[];
  /** Nodes whose settings changed without restarting them (applied live); not in `unchanged`. */
  live: string[];
  /** The changed keys (dot paths, never values) of every `changed` and `live` node. */
  keys: Record<string, string[]>;
  /** A preview (`reload --dry-run`): nothing was applied. */
  dryRun: boolean;
  /** What the reload does to the watch-only targets; absent when none is configured before or after. */
  targets?: TargetReloadPlan;
}

/** A reload's watch-only targets: started, stopped, probed anew with new settings, or left alone. */
export interface TargetReloadPlan {
  added: string[];
  removed: string[];
  changed: string[];
  unchanged: string[];
  /** The changed keys (dot paths, never values) of every `changed` target. */
  keys: Record<string, string[]>;
}

/** `GET /api/hello`: which protocol and which nodewarden the daemon is. */
export interface HelloResponse {
  protocol: number;
  version: string;
}

/** Header every request and reply carries with the sender's PROTOCOL_VERSION. */
export const PROTOCOL_HEADER = 'x-nodewarden-protocol';

/** Operator commands on nodes (`POST /api/actions/:verb`). */
export const ACTION_VERBS = ['start', 'stop', 'restart', 'hold', 'release'] as const;
export type ActionVerb = (typeof ACTION_VERBS)[number];

/** Body of `POST /api/actions/:verb`. Targets are names, globs (`node-*`) or `all`. */
export interface ActionRequest {
  targets: string[];
  /** start/restart: until running; stop: until stopped. */
  wait?: boolean;
  /** Bound of `wait` (default 60 000 ms). */
  timeoutMs?: number;
  /**
   * stop with wait: answer as a stream (NDJSON, one ActionStreamLine a line):
   * each node's stop steps as they happen, then the results.
   */
  progress?: boolean;
  /** restart: every node at once, not rolling through its sync group. */
  now?: boolean;
  /** restart: sync groups rolling at once (default startup.concurrency; 0 = no limit). */
  parallel?: number;
}

/** Body of `POST /api/upgrade`. */
export interface UpgradeRequest {
  targets: string[];
  /** With a `version` probe, the gate wants this version (compared as semver) instead of any new one. */
  expectVersion?: string;
  /** Sync groups rolling at once (default startup.concurrency; 0 = no limit). */
  parallel?: number;
}

/** A line of the streamed answer to `upgrade`: each rollout step, then the results. */
export type UpgradeStreamLine = RolloutLine | ({ type: 'result' } & ActionResponse) | StreamError;

/** Body of `POST /api/shutdown`. */
export interface ShutdownRequest {
  /** Leave every node running for the next manager to adopt. */
  keepNodes?: boolean;
  /**
   * Answer as a stream (NDJSON, one ShutdownStreamLine a line): accepted, every
   * node's stop steps as they happen, and `done` once every node is stopped
   * (or left running); the daemon then exits.
   */
  progress?: boolean;
}

/**
 * One step of a node's stop as `stop --wait` and `shutdown --wait` show it:
 * the stop signal went out (with its grace), a reminder while it is still
 * stopping (about every 10 s, with the grace left), SIGKILL of the tree, gone.
 */
export type ProgressLine =
  | { type: 'progress'; ts: number; node: string; step: 'signal'; signal: string; graceMs: number }
  | { type: 'progress'; ts: number; node: string; step: 'waiting'; graceLeftMs: number }
  | { type: 'progress'; ts: number; node: string; step: 'kill'; reason: 'grace over' | 'kill requested' }
  | {
      type: 'progress';
      ts: number;
      node: string;
      step: 'stopped';
      exitCode: number | null;
      exitSignal: string | null;
      elapsedMs: number;
    };

/** A line of the streamed answer to `stop` with `wait` and `progress`. */
/** A step of a rolling restart (`restart --wait`): restarting, gate, passed, failed, skipped, waiting. */
export interface RolloutLine {
  type: 'rollout';
  ts: number;
  node: string;
  group: string;
  step: 'waiting' | 'restarting' | 'gate' | 'passed' | 'failed' | 'skipped';
  message: string;
}

export type ActionStreamLine =
  ProgressLine | RolloutLine | ({ type: 'result' } & ActionResponse) | StreamError;

/** A line of the streamed answer to `shutdown` with `progress`. */
export type ShutdownStreamLine =
  | { type: 'accepted'; keepNodes: boolean; pid: number }
  | ProgressLine
  | { type: 'done'; keepNodes: boolean; pid: number }
  | StreamError;

/** A stream that failed after its first line: the error as any reply carries it. */
export type StreamError = { type: 'error' } & ErrorResponse;

/** Content type of the streamed answers (one JSON object a line). */
export const NDJSON = 'application/x-ndjson';

export interface ShutdownResponse {
  ok: true;
  keepNodes: boolean;
}

/** What `GET /api/export/:kind` exports (src/store/EXPORTS.md). */
export const EXPORT_KINDS = ['events', 'uptime', 'samples'] as const;
export type ExportKind = (typeof EXPORT_KINDS)[number];

export interface EventsQuery {
  node?: string;
  type?: string;
  sinceMs?: number;
  limit?: number;
}

export interface EventsResponse {
  /** Newest first. */
  events: NodewardenEvent[];
}

export interface UptimeRow {
  node: string;
  upSeconds: number;
  observedSeconds: number;
  uptimePercent: number | null;
  /** With `timeline=1`: the node's state timeline over the window. */
  timeline?: Timeline;
}

export interface UptimeResponse {
  sinceMs: number;
  untilMs: number;
  nodes: UptimeRow[];
  /** With `timeline=1`: nodes by state over the window (the fleet view's chart). */
  states?: StateCounts;
}

/** The series `GET /api/nodes/:name/history` can return (`fields=`). */
export const HISTORY_FIELDS = ['height', 'reference', 'lag', 'cpu', 'rss'] as const;
export type HistoryField = (typeof HISTORY_FIELDS)[number];

/** One point of a series: `[epoch ms, value]`. */
export type SeriesPoint = [number, number];

/**
 * `GET /api/nodes/:name/history`: a node's samples over [sinceMs, untilMs],
 * downsampled to at most `points` per series (README "History").
 */
export interface HistoryResponse {
  node: string;
  sinceMs: number;
  untilMs: number;
  /** Where the buckets start: `sinceMs`, or the node's first sample if it has none before the window (a young node). */
  fromMs: number;
  /** Width of one bucket in ms (buckets from `fromMs` to `untilMs`): at most one point per series and bucket. */
  step: number;
  /** Where the points come from: `raw` samples (short windows) or the per-minute aggregates. */
  source: 'raw' | 'minute';
  series: Partial<Record<HistoryField, SeriesPoint[]>>;
}

/**
 * A node's lifecycle over a window: `segments` `[start, end, state]` in time
 * order (a gap is time nothing was recorded), `restarts` `[ts, count]` (one
 * tick per restart: a start after a run, a crash or a backoff, not after a
 * stop; counted per bucket when there are more than the points asked for).
 */
export interface Timeline {
  segments: Array<[number, number, string]>;
  restarts: Array<[number, number]>;
}

/** How many nodes were in each state at `ts[i]` (`counts[state][i]`); states never seen are left out. */
export interface StateCounts {
  step: number;
  ts: number[];
  counts: Record<string, number[]>;
}

/** One node's or target's place in `uptime --rank` (store/types.ts `RankRow`). */
export interface RankRow {
  /** 1 = best. */
  rank: number;
  name: string;
  kind: 'node' | 'target';
  uptimePercent: number | null;
  upSeconds: number;
  observedSeconds: number;
  /** State intervals behind the uptime figure. */
  intervals: number;
  medianLatencyMs: number | null;
  /** Probe runs behind the median (successful and failed). */
  probeSamples: number;
  failedProbes: number;
  latencySource: 'raw' | 'histogram' | null;
}

/** `GET /api/uptime/rank`: every node and target over the window, best first. */
export interface RankResponse {
  sinceMs: number;
  untilMs: number;
  rows: RankRow[];
}

export interface LogsResponse {
  node: string;
  lines: string[];
}

/** Every error reply: `{error: {code, message}}`. */
export interface ErrorResponse {
  error: { code: string; message: string; hint?: string; details?: unknown };
}
