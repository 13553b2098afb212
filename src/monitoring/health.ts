/**
 * The health watcher (DESIGN §3): probes every running node, and each sync
 * group's reference probes while a member runs; feeds heights to the sync
 * policy and carries out its verdicts and restarts (sync-executor.ts).
 * Probing follows the bus 'state' channel: a node is probed only while it is
 * `running`, and every entry into `running` restarts its startup grace.
 */
import type { NodeSpec, ProbeSpec } from '../config/types.js';
import type { StateChange } from '../events/types.js';
import { SyncActions } from '../policy/sync-actions.js';
import { SyncPolicy } from '../policy/sync.js';
import { syncSettingsOf } from '../policy/sync-types.js';
import type { StateKind } from '../supervisor/states.js';
import { groupOf, membersOf, type HealthHost } from './health-host.js';
import { reportHandler, REF_PREFIX, type ProbeObserver } from './probe-reports.js';
import { Prober } from './prober.js';
import type { ProbeRunner } from './probes/index.js';
import { SyncExecutor } from './sync-executor.js';

export type { HealthHost } from './health-host.js';
export type { HealthObservation, ProbeObserver } from './probe-reports.js';

export interface HealthOptions {
  /** Metrics hook, told of every node probe (a group's reference probes are no node: not told). */
  readonly onProbe?: ProbeObserver;
  /** Runs one probe (tests may pass a fake). */
  readonly run?: ProbeRunner;
}

/** What `attachProber` returns: its parts, for tests. */
export interface HealthWatcher {
  readonly prober: Prober;
  readonly policy: SyncPolicy;
  readonly actions: SyncActions;
}

/** Attach the health watcher to a daemon; it registers its own stop with `addWatcher`. */
export function attachProber(host: HealthHost, opts: HealthOptions = {}): HealthWatcher {
  const { bus, supervisor, observations, clock, logger } = host;
  const policy = new SyncPolicy(clock);
  const actions = new SyncActions(clock);
  const running = new Set<string>();
  const probeSig = new Map<string, string>();
  const refSig = new Map<string, string>();
  /** Each watched group's reference probes by key, to name them in events. */
  const refProbes = new Map<string, Record<string, ProbeSpec>>();
  const exec = new SyncExecutor(
    host,
    policy,
    actions,
    (n) => running.has(n),
    (g, key) => describeEndpoint(refProbes.get(g)?.[key]),
  );
  const onReport = reportHandler({
    host,
    policy,
    apply: (g, cs) => exec.apply(g, cs),
    onProbe: opts.onProbe,
  });
  const prober = new Prober({ clock, onReport, logger, ...(opts.run ? { run: opts.run } : {}) });
  let closed = false;

  /** One reference target per group: the distinct `sync.reference` probes of its running members. */
  const refreshReferences = (group: string): void => {
    const probes: Record<string, ProbeSpec> = {};
    const seen = new Set<string>();
    for (const n of membersOf(host, group)) {
      if (!running.has(n)) continue;
      for (const p of supervisor.spec(n)!.sync.reference) {
        const sig = JSON.stringify(p);
        if (!seen.has(sig)) probes[`reference.${seen.size}`] = p;
        seen.add(sig);
      }
    }
    const sig = JSON.stringify(probes);
    if (seen.size === 0) {
      prober.unwatch(REF_PREFIX + group);
      refSig.delete(group);
      refProbes.delete(group);
      policy.clearReferences(group);
    } else if (refSig.get(group) !== sig) {
      // Readings are kept only under keys that still mean the same probe.
      const before = refProbes.get(group) ?? {};
      const changed = Object.keys(probes).filter(
        (k) => before[k] !== undefined && JSON.stringify(before[k]) !== JSON.stringify(probes[k]),
      );
      policy.configureReferences(group, Object.keys(probes), changed);
      refSig.set(group, sig);
      refProbes.set(group, probes);
      prober.watch(REF_PREFIX + group, probes);
    }
  };

  const watchProbes = (node: string, spec: NodeSpec, fresh: boolean): void => {
    const sig = JSON.stringify(spec.probes);
    if (!fresh && probeSig.get(node) === sig) return;
    probeSig.set(node, sig);
    prober.watch(node, spec.probes);
  };

  // -> running: probes start, the grace restarts.
  const begin = (node: string): void => {
    const spec = supervisor.spec(node);
    if (!spec) return;
    running.add(node);
    const settings = syncSettingsOf(spec);
    if (settings) {
      policy.configure(node, settings);
      policy.started(node);
    } else policy.forget(node);
    watchProbes(node, spec, true);
    refreshReferences(spec.sync.group);
    observations.update(node, {
      health: 'unknown',
      lag: null,
      referenceHeight: null,
      profile: actions.profileOf(node),
    });
  };

  // running -> anything else: no probes, no verdict; the group is judged without it.
  const end = (node: string): void => {
    running.delete(node);
    prober.unwatch(node);
    probeSig.delete(node);
    policy.stopped(node);
    observations.update(node, { health: 'unknown', lag: null, referenceHeight: null });
    const group = groupOf(host, node);
    if (group !== null) {
      refreshReferences(group);
      exec.apply(group, policy.evaluate(group));
    }
  };

  const onState = (s: StateChange): void => {
    if (closed || !supervisor.spec(s.node)) return;
    if (s.to === 'running' && !running.has(s.node)) begin(s.node);
    else if (s.to !== 'running' && running.has(s.node)) end(s.node);
    actions.stateChanged(s.node, s.to as StateKind);
    const group = groupOf(host, s.node);
    if (group !== null) exec.schedulePlan(group);
  };

  // Reload: new settings and probes take effect live; removed nodes are forgotten.
  const onReload = (): void => {
    const names = new Set(supervisor.names());
    actions.allowFallbackAgain();
    for (const n of [...running]) if (!names.has(n)) end(n);
    for (const n of policy.known()) if (!names.has(n)) policy.forget(n);
    for (const [n] of actions.onProfiles()) if (!names.has(n)) actions.forget(n);
    keepProfiles();
    for (const n of [...running]) {
      const spec = supervisor.spec(n)!;
      const settings = syncSettingsOf(spec);
      // A node that gains a height probe on reload is judged from its next start on.
      if (!settings) policy.forget(n);
      else if (policy.has(n)) policy.configure(n, settings);
      watchProbes(n, spec, false);
    }
    for (const g of new Set([...running].map((n) => groupOf(host, n)))) {
      if (g === null) continue;
      refreshReferences(g);
      exec.schedulePlan(g);
    }
  };

  // The supervisor's reload hands every runner its normal spec; a node this watcher put
  // on a profile keeps it (as the new config resolved it) so its next spawn stays on it.
  const keepProfiles = (): void => {
    for (const [n, profile] of actions.onProfiles()) {
      const spec = supervisor.spec(n)?.profileSpecs[profile];
      if (spec) supervisor.runner(n)?.updateSpec(spec);
      else
        logger.error(`${n}: profile ${profile} is no longer defined; its next start uses the normal config`);
    }
  };

  const offs = [
    bus.on('state', onState),
    bus.on('event', (e) => {
      if (e.type === 'config_reloaded' && !closed) onReload();
    }),
  ];
  for (const s of supervisor.snapshots()) if (s.state === 'running') begin(s.name);

  host.addWatcher({
    name: 'prober',
    async stop() {
      closed = true;
      exec.close();
      for (const off of offs) off();
      await prober.close();
    },
  });
  return { prober, policy, actions };
}

/**
 * Where a reference probe points, for events and the log, without secrets:
 * the URL's scheme, host and port only (a path or query may hold an API key,
 * user and password are left out), `host:port` of a tcp probe, the program of
 * a command probe.
 */
export function describeEndpoint(p: ProbeSpec | undefined): Record<string, unknown> {
  if (!p) return {};
  if (p.url !== undefined) {
    try {
      const u = new URL(p.url);
      return { type: p.type, endpoint: `${u.protocol}//${u.host}` };
    } catch {
      return { type: p.type };
    }
  }
  if (p.type === 'tcp') return { type: p.type, endpoint: `${p.host ?? ''}:${p.port ?? ''}` };
  if (p.command?.[0] !== undefined) return { type: p.type, endpoint: p.command[0] };
  return { type: p.type };
}
