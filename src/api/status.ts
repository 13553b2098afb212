import type { Supervisor } from '../supervisor/supervisor.js';
import type { NodeStatus } from '../protocol/types.js';

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
  profile?: string | null;
}

/** Reads observations by node name (an empty source until watchers exist). */
export type ObservationSource = (node: string) => NodeObservation | undefined;

/** One row per node with the contract's `status --json` fields, in config order. */
export function buildStatus(sup: Supervisor, observe: ObservationSource, nowMs: number): NodeStatus[] {
  return sup.snapshots().map((s) => {
    const spec = sup.spec(s.name)!;
    const o = observe(s.name) ?? {};
    const live = s.state === 'running' || s.state === 'starting' || s.state === 'stopping';
    return {
      name: s.name,
      state: s.state,
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
      priority: spec.priority,
      held: s.held,
      group: spec.sync.group,
      profile: o.profile ?? spec.profile,
      desired: s.state === 'stopped' ? 'stopped' : 'running',
    };
  });
}
