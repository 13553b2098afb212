/**
 * What a finished probe means: a node's `height` probe feeds the sync policy
 * (a value that is no height is a failure, never a reading), other probes fill
 * the node's info (version, peerId, peers, anything else under `info`), and a group's
 * reference probes give the network's tip. A chain preset's probe gives
 * several facts in one run: its height (and the daemon's syncing flag) go to
 * the sync policy when it is the height probe, its version, peerId and peers
 * to the node's observation whatever its name.
 */
import type { NodeObservation } from '../api/status.js';
import type { SyncPolicy } from '../policy/sync.js';
import { HEIGHT_PROBE, STALE_INTERVALS, type VerdictChange } from '../policy/sync-types.js';
import { groupOf, type HealthHost } from './health-host.js';
import type { ProbeReport } from './prober.js';
import { ChainReading, toHeight, toInfo, toPeers } from './probes/index.js';

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
        h = toHeight(r.value instanceof ChainReading ? r.value.height : r.value);
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

  /** The version, peerId and peers a chain reading told, as observation fields (its problems logged). */
  const chainFacts = (node: string, probe: string, c: ChainReading): NodeObservation => {
    for (const p of c.problems) debug(`${node}: probe ${probe}: ${p}`);
    const fields: NodeObservation = {};
    if (c.version !== undefined) fields.version = c.version;
    if (c.peerId !== undefined) fields.peerId = c.peerId;
    if (c.peers !== undefined) fields.peers = c.peers;
    return fields;
  };

  /** Merge fields into a node's observation unless there are none. */
  const observe = (node: string, fields: NodeObservation): void => {
    if (Object.keys(fields).length > 0) host.observations.update(node, fields);
  };

  const height = (node: string, r: ProbeReport): void => {
    let h: number | null = null;
    let error = r.ok ? null : r.error;
    const chain = r.ok && r.value instanceof ChainReading ? r.value : null;
    // A daemon syncing without a height yet (bootstrapping) stays where it was, so the stall rule still sees it.
    const bootstrapping = chain !== null && chain.height === undefined && chain.syncing === true;
    if (r.ok && !bootstrapping) {
      try {
        h = toHeight(chain ? chain.height : r.value);
      } catch (err) {
        error = chain && chain.height === undefined ? 'the daemon gave no height' : (err as Error).message;
      }
    }
    d.onProbe?.(node, r.probe, r.seconds, h !== null || bootstrapping);
    // One observation update per run: the chain's facts and the height together.
    const fields = chain ? chainFacts(node, r.probe, chain) : {};
    observe(node, h !== null ? { ...fields, height: h } : fields);
    const group = groupOf(host, node);
    if (group === null || !policy.has(node)) return;
    if (bootstrapping) return d.apply(group, policy.height(node, policy.view(node).height ?? 0, true));
    d.apply(
      group,
      h !== null ? policy.height(node, h, chain?.syncing ?? null) : policy.heightFailed(node, error!),
    );
  };

  const other = (node: string, r: ProbeReport): void => {
    if (r.ok && r.value instanceof ChainReading) {
      d.onProbe?.(node, r.probe, r.seconds, true);
      return observe(node, chainFacts(node, r.probe, r.value));
    }
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
