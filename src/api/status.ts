import type { Supervisor } from '../supervisor/supervisor.js';
import type { TargetSpec } from '../config/types.js';
import type { NodeStatus, TargetStatus } from '../protocol/types.js';
import type { NodeSnapshot } from '../supervisor/runner.js';
import { PROCESS_STATES, QUEUED, type StateKind, type StatusState } from '../supervisor/states.js';

/**
 * What the watchers (prober, sampler, policy) currently know of a node. They
 * fill it in as they come to exist; until then every field is unknown.
 */
export interface NodeObservation {
  health?: string;
  height?: number | null;
  referenceHeight?: number | null;
  lag?: number | null;
  cpuPercent?: number | null;
  rssBytes?: number | null;
  /** CPU seconds of the node's process trees as far as the sampler saw them (a counter). */
  cpuSecondsTotal?: number | null;
  /** Live processes in the node's tree (0 without a process). */
  processes?: number | null;
  version?: string | null;
  peerId?: string | null;
  /** Connected peers: a chain preset's reading, or the node's own `peers` probe. */
  peers?: number | null;
  profile?: string | null;
}

/** Reads observations by node name (an empty source until watchers exist). */
export type ObservationSource = (node: string) => NodeObservation | undefined;

/**
 * A node's observation as far as its lifecycle state allows: the watchers keep
 * the last sample and probe answer of a process that is gone, so a node
 * without a process (stopped, exited, fatal, backoff, paused) shows no CPU,
 * memory, height, lag or peers of its last run (its version and peer id stay:
 * they are what it runs as). The group's `referenceHeight` stays:
 * it belongs to the group, not to the node's process. Status and metrics both
 * read observations through this.
 */
export function liveObservation(state: StateKind, o: NodeObservation | undefined): NodeObservation {
  if (!o) return {};
  if (PROCESS_STATES.has(state)) return o;
  return { ...o, cpuPercent: null, rssBytes: null, height: null, lag: null, peers: null };
}

/** The state status shows: the lifecycle state, or `queued` for a node at rest that the start queue will start. */
export function statusState(sup: Supervisor, name: string, state: StateKind): StatusState {
  return !PROCESS_STATES.has(state) && sup.isQueued(name) ? QUEUED : state;
}

/** One row per node with the contract's `status --json` fields, in config order. */
export function buildStatus(sup: Supervisor, observe: ObservationSource, nowMs: number): NodeStatus[] {
  return sup.snapshots().map((s) => statusRow(sup, observe, s, nowMs));
}

/** One node's status row, or undefined for a name not configured (without building every other row). */
export function buildNodeStatus(
  sup: Supervisor,
  observe: ObservationSource,
  name: string,
  nowMs: number,
): NodeStatus | undefined {
  const runner = sup.runner(name);
  return runner ? statusRow(sup, observe, runner.snapshot(), nowMs) : undefined;
}

function statusRow(sup: Supervisor, observe: ObservationSource, s: NodeSnapshot, nowMs: number): NodeStatus {
  const spec = sup.spec(s.name)!;
  const o = liveObservation(s.state, observe(s.name));
  const live = PROCESS_STATES.has(s.state);
  const state = statusState(sup, s.name, s.state);
  return {
    name: s.name,
    state,
    health: o.health ?? 'unknown',
    pid: s.pid,
    uptimeSeconds:
      live && s.startedAt !== null ? Math.max(0, Math.round((nowMs - s.startedAt) / 1000)) : null,
    restarts: s.restarts,
    exitCode: s.exitCode,
    exitSignal: s.exitSignal,
    height: o.height ?? null,
    referenceHeight: o.referenceHeight ?? null,
    lag: o.lag ?? null,
    cpuPercent: o.cpuPercent ?? null,
    rssBytes: o.rssBytes ?? null,
    version: o.version ?? null,
    peerId: o.peerId ?? null,
    peers: o.peers ?? null,
    priority: spec.priority,
    held: s.held,
    group: spec.sync.group,
    profile: o.profile ?? spec.profile,
    desired: state === 'stopped' ? 'stopped' : 'running',
  };
}

/**
 * A status row with nothing live to show: no process, no figures, no
 * restarts, wanted running. Rows built without a running process (a recorded
 * node, a target) start from it and fill in what they know.
 */
export function rowWithoutFigures(name: string, state: string): NodeStatus {
  return {
    name,
    state,
    health: 'unknown',
    pid: null,
    uptimeSeconds: null,
    restarts: 0,
    exitCode: null,
    exitSignal: null,
    height: null,
    referenceHeight: null,
    lag: null,
    cpuPercent: null,
    rssBytes: null,
    version: null,
    peerId: null,
    peers: null,
    priority: 0,
    held: false,
    group: name,
    profile: null,
    desired: 'running',
  };
}

/** A watch-only target's row before any probe answered: its group and labels, no figures. */
export function targetRowWithoutFigures(t: TargetSpec, state: string): TargetStatus {
  const { name, ...row } = rowWithoutFigures(t.name, state);
  return {
    name,
    kind: 'target',
    ...row,
    group: t.sync.group ?? t.name,
    failures: 0,
    lastError: null,
    latencySeconds: null,
    labels: { ...t.labels },
  };
}
