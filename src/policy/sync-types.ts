/**
 * The vocabulary of the sync policy (DESIGN §3): per-node settings taken from
 * a NodeSpec, the evidence a verdict carries, and a verdict change.
 */
import type { NodeSpec } from '../config/types.js';
import type { Health } from '../supervisor/states.js';

/** The probe whose value is a node's height (DESIGN §1: `probes.height` feeds sync). */
export const HEIGHT_PROBE = 'height';

/** A reading older than this many probe intervals is ignored. */
export const STALE_INTERVALS = 3;

/** What the sync rules need to know of one node. */
export interface SyncSettings {
  readonly group: string;
  readonly maxLag: number;
  readonly windowMs: number;
  readonly stallMs: number;
  readonly startupGraceMs: number;
  /** Height-probe failures in a row that make a node `unreachable` (`limits.forSamples`). */
  readonly unreachableAfter: number;
  /** Height readings older than this are ignored (3 × the height probe's `intervalMs`). */
  readonly staleMs: number;
}

/** The sync settings of a node, or null when it has no `height` probe (then it gets no verdict). */
export function syncSettingsOf(spec: NodeSpec): SyncSettings | null {
  const probe = spec.probes[HEIGHT_PROBE];
  if (!probe) return null;
  return {
    group: spec.sync.group,
    maxLag: spec.sync.maxLag,
    windowMs: spec.sync.windowMs,
    stallMs: spec.sync.stallMs,
    startupGraceMs: spec.sync.startupGraceMs,
    unreachableAfter: spec.limits.forSamples,
    staleMs: STALE_INTERVALS * probe.intervalMs,
  };
}

/** Which rule gave a verdict. */
export type SyncRule =
  'grace' | 'no_reading' | 'probe_failed' | 'lag' | 'stall' | 'catching_up' | 'within_lag' | 'daemon_syncing';

/** Why a node got its verdict; it becomes the details of the event. */
export interface SyncEvidence {
  readonly group: string;
  readonly rule: SyncRule;
  readonly height: number | null;
  readonly reference: number | null;
  readonly lag: number | null;
  readonly maxLag: number;
  /** Wall-clock ms since when the condition holds (behind, frozen, failing), or null. */
  readonly since: number | null;
  readonly error?: string;
  readonly failures?: number;
}

/** The contract events a verdict change can be. */
export type SyncEventType = 'out_of_sync' | 'in_sync' | 'unreachable';

/** A node's health changed. */
export interface VerdictChange {
  readonly node: string;
  readonly from: Health;
  readonly to: Health;
  readonly evidence: SyncEvidence;
  /**
   * The event to emit, or null. `out_of_sync` and `unreachable` open an
   * episode (emitted once, however the verdict wavers inside it); `in_sync`
   * closes it. Neither `syncing` nor a first `in_sync` after a start is an event.
   */
  readonly event: SyncEventType | null;
}
