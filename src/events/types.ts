/**
 * Event vocabulary. The stored and shown event types are fixed by the contract
 * (DESIGN §4); the bus also carries state changes that live views (status page,
 * metrics) follow but that are not stored as events of their own.
 */

export const EVENT_TYPES = [
  'manager_started',
  'manager_stopped',
  'started',
  'exited',
  'crashed',
  'restarting',
  'backoff',
  'fatal',
  'stopped',
  'paused',
  'resumed',
  'out_of_sync',
  'in_sync',
  'unreachable',
  'resource_limit',
  'config_reloaded',
  'config_error',
  'adopted',
  'orphan_reaped',
  'held',
  'released',
  'alert_failed',
  'low_disk',
  'upgraded',
  'rolled_back',
  'hook_failed',
  'target_down',
  'target_up',
  'reference_failed',
  'reference_recovered',
  'version_changed',
] as const;

export type EventType = (typeof EVENT_TYPES)[number];

export type Severity = 'info' | 'warning' | 'critical';

/** Why a node is being restarted (the `reason` of a `restarting` event). */
export type RestartReason =
  'crash' | 'out_of_sync' | 'unreachable' | 'resource' | 'manual' | 'config' | 'upgrade';

/** An event as stored, alerted on and shown: `{id, ts, node, type, severity, reason, details}`. */
export interface NodewardenEvent {
  /** Assigned by the store; absent until stored. */
  readonly id?: number;
  /** Wall-clock epoch milliseconds at emission. */
  readonly ts: number;
  /** Node name, or null for manager-wide events. */
  readonly node: string | null;
  readonly type: EventType;
  readonly severity: Severity;
  readonly reason: string | null;
  readonly details: Readonly<Record<string, unknown>>;
}

/** What emitters supply; the bus stamps `ts` and fills defaults. */
export interface EventInput {
  node: string | null;
  type: EventType;
  severity?: Severity;
  reason?: string | null;
  details?: Record<string, unknown>;
}

/** Default severity per event type, used when an emitter does not say. */
export const DEFAULT_SEVERITY: Readonly<Record<EventType, Severity>> = {
  manager_started: 'info',
  manager_stopped: 'info',
  started: 'info',
  exited: 'warning',
  crashed: 'warning',
  restarting: 'info',
  backoff: 'warning',
  fatal: 'critical',
  stopped: 'info',
  paused: 'warning',
  resumed: 'info',
  out_of_sync: 'warning',
  in_sync: 'info',
  unreachable: 'warning',
  resource_limit: 'warning',
  config_reloaded: 'info',
  config_error: 'critical',
  adopted: 'info',
  orphan_reaped: 'warning',
  held: 'info',
  released: 'info',
  alert_failed: 'critical',
  low_disk: 'critical',
  upgraded: 'info',
  rolled_back: 'warning',
  hook_failed: 'warning',
  target_down: 'warning',
  target_up: 'info',
  reference_failed: 'warning',
  reference_recovered: 'info',
  version_changed: 'info',
};

/** A node's lifecycle state changed (not stored as an event; live views follow it). */
export interface StateChange {
  readonly ts: number;
  readonly node: string;
  readonly from: string;
  readonly to: string;
  readonly pid: number | null;
}

/**
 * A watch-only target's state changed (`up` / `down`; `unwatched` when it left
 * the configuration): recorded as its state intervals, like a node's states.
 */
export type TargetStateChange = StateChange;

/** The `to` of a target that is no longer watched: its interval closes, none opens. */
export const TARGET_UNWATCHED = 'unwatched';

/**
 * A node's live process, recorded so a later manager can re-adopt it
 * (DESIGN §2 crash safety); `identity` null = no process any more.
 */
export interface ProcessRecord {
  readonly node: string;
  readonly identity: {
    readonly pid: number;
    readonly pgid: number;
    readonly startTime: string;
    readonly argv: readonly string[];
  } | null;
  readonly runHash: string | null;
  /** The node's restart count when the record was made (kept across manager restarts); absent = not told. */
  readonly restarts?: number;
}

/**
 * One step of a node's stop, told as it happens (not stored: `stop --wait`
 * and `shutdown --wait` show them): the polite signal went out with its
 * grace, the tree was SIGKILLed (the grace was over, or a second shutdown
 * signal asked for it), the process is gone.
 */
export type StopStep =
  | { readonly step: 'signal'; readonly signal: string; readonly graceMs: number }
  | { readonly step: 'kill'; readonly reason: 'grace over' | 'kill requested' }
  | {
      readonly step: 'stopped';
      /** Exit code and signal; both null when unknown (an adopted process, a spawn that failed). */
      readonly exitCode: number | null;
      readonly exitSignal: string | null;
      /** From the stop's beginning to the process's end. */
      readonly elapsedMs: number;
      /** The state the node went on to (stopped, starting for a restart, paused). */
      readonly next: string;
    };

/** A stop step of one node, stamped. */
export type StopProgress = StopStep & { readonly ts: number; readonly node: string };

/** What the operator wants of a node; persisted so it survives a manager restart. */
export interface IntentChange {
  readonly node: string;
  readonly desired: 'running' | 'stopped';
  readonly held: boolean;
}
