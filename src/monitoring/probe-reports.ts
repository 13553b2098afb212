/**
 * What a finished probe means: a node's `height` probe feeds the sync policy
 * (a value that is no height is a failure, never a reading), other probes fill
 * the node's info (version, peerId, peers, anything else under `info`), and a group's
 * reference probes give the network's tip.
 */
import type { NodeObservation } from '../api/status.js';
import type { SyncPolicy } from '../policy/sync.js';
import { HEIGHT_PROBE, STALE_INTERVALS, type VerdictChange } from '../policy/sync-types.js';
import { groupOf, type HealthHost } from './health-host.js';
import type { ProbeReport } from './prober.js';
import { toHeight, toInfo, toPeers } from './probes/index.js';

/** Prober target key of a sync group's reference probes (node names cannot start with `@`). */
export const REF_PREFIX = '@';

/** The info probe whose value is a node's peer count (status `peers`, metric `nodewarden_node_peers`). */
export const PEERS_PROBE = 'peers';

/** Told of every node probe run: e.g. metrics' `observeProbe(node, probe, seconds, ok)`. */
export type ProbeObserver = (node: string, probe: string, seconds: number, ok: boolean) => void;

/** An observation with the values of info probes other than height, version, peerId and peers. */
export type HealthObservation = NodeObservation & { info?: Readonly<Record<string, string | number>> };

export interface ReportDeps {
  readonly host: HealthHost;
  readonly policy: SyncPolicy;
  readonly apply: (group: string, changes: readonly VerdictChange[]) => void;
  readonly onProbe?: ProbeObserver | undefined;
}

/** Builds the prober's `onReport`. */
export function reportHandler(d: ReportDeps): (r: ProbeReport) => void {
  const { host, policy } = d;
  const info = new Map<string, Record<string, string | number>>();
  const debug = (msg: string): void => host.logger.debug(msg);

  const reference = (r: ProbeReport): void => {
    const group = r.target.slice(REF_PREFIX.length);
    let h: number | null = null;
    let error = r.ok ? null : r.error;
    if (r.ok) {
      try {
        h = toHeight(r.value);
      } catch (err) {
        error = (err as Error).message;
      }
    }
    if (h === null) {
      debug(`sync group ${group}: ${r.probe} failed: ${error}`);
      // A failing reference is the reference's problem: an episode event at most, never a node verdict.
      return d.apply(group, policy.referenceFailed(group, r.probe, error!));
    }
    d.apply(group, policy.referenceReading(group, r.probe, h, STALE_INTERVALS * r.spec.intervalMs));
  };

  const height = (node: string, r: ProbeReport): void => {
    let h: number | null = null;
    let error = r.ok ? null : r.error;
    if (r.ok) {
      try {
        h = toHeight(r.value);
      } catch (err) {
        error = (err as Error).message;
      }
    }
    d.onProbe?.(node, r.probe, r.seconds, h !== null);
    if (h !== null) host.observations.update(node, { height: h });
    const group = groupOf(host, node);
    if (group === null || !policy.has(node)) return;
    d.apply(group, h !== null ? policy.height(node, h) : policy.heightFailed(node, error!));
  };

  const other = (node: string, r: ProbeReport): void => {
    let value: string | number | null = null;
    if (!r.ok) debug(`${node}: probe ${r.probe} failed: ${r.error}`);
    else {
      try {
        value = r.probe === PEERS_PROBE ? toPeers(r.value) : toInfo(r.value);
      } catch (err) {
        debug(`${node}: probe ${r.probe}: ${(err as Error).message}`);
      }
    }
    d.onProbe?.(node, r.probe, r.seconds, value !== null);
    // A failed info probe keeps the last value shown: it is no new fact about the node.
    if (value === null) return;
    if (r.probe === 'version') host.observations.update(node, { version: String(value) });
    else if (r.probe === 'peerId') host.observations.update(node, { peerId: String(value) });
    else if (r.probe === PEERS_PROBE) host.observations.update(node, { peers: value as number });
    else {
      const mine = { ...(info.get(node) ?? {}), [r.probe]: value };
      info.set(node, mine);
      const fields: HealthObservation = { info: mine };
      host.observations.update(node, fields);
    }
  };

  return (r) => {
    if (r.target.startsWith(REF_PREFIX)) reference(r);
    else if (r.probe === HEIGHT_PROBE) height(r.target, r);
    else other(r.target, r);
  };
}
