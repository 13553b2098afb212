/**
 * The health watcher: probes every running node (and each sync group's
 * reference probes), feeds heights to the sync policy, writes what it learns
 * into the observations, emits the verdict events and carries out the sync
 * policy's restarts through each node's runner. Decisions stay in
 * policy/sync*.ts; this file only wires and executes.
 */
import type { NodeObservation } from '../api/status.js';
import type { NodeSpec, SecretSource } from '../config/types.js';
import type { EventBus } from '../events/bus.js';
import type { StateChange } from '../events/types.js';
import type { Logger } from '../logger.js';
import { SyncActions, type SyncAction } from '../policy/sync-actions.js';
import { SyncPolicy } from '../policy/sync.js';
import { HEIGHT_PROBE, STALE_INTERVALS, syncSettingsOf, type VerdictChange } from '../policy/sync-types.js';
import type { Clock } from '../supervisor/clock.js';
import type { Supervisor } from '../supervisor/supervisor.js';
import { groupFacts } from './health-facts.js';
import type { Observations } from './observations.js';
import { Prober, type ProbeReport } from './prober.js';
import { toHeight, toInfo, type ProbeRunner } from './probes/index.js';
import { resolveProfileSpec } from './profile-spec.js';

/** The part of the daemon the health watcher uses (a structural subset of `Daemon`). */
export interface HealthHost {
  readonly bus: EventBus;
  readonly supervisor: Supervisor;
  readonly observations: Observations;
  readonly clock: Clock;
  readonly logger: Logger;
  readonly configDir: string;
  readonly store: { readonly secrets: SecretSource };
  addWatcher(w: { name: string; stop(): Promise<void> | void }): void;
}

/** Told of every probe run: e.g. metrics' `observeProbe(node, probe, seconds, ok)`. */
export type ProbeObserver = (node: string, probe: string, seconds: number, ok: boolean) => void;

export interface HealthOptions {
  /** Metrics hook; reference probes report as node `@<group>`. */
  readonly onProbe?: ProbeObserver;
  /** Runs one probe (tests may pass a fake). */
  readonly run?: ProbeRunner;
}

/** An observation with the node-info values of probes other than height/version/peerId. */
export type HealthObservation = NodeObservation & { info?: Readonly<Record<string, string | number>> };

/** What `attachProber` returns: the parts, for tests and for metrics. */
export interface HealthWatcher {
  readonly prober: Prober;
  readonly policy: SyncPolicy;
  readonly actions: SyncActions;
}

const REF_PREFIX = '@';

/** Attach the health watcher to a daemon; it registers its own stop with `addWatcher`. */
export function attachProber(host: HealthHost, opts: HealthOptions = {}): HealthWatcher {
  const { bus, supervisor, observations, clock, logger } = host;
  const policy = new SyncPolicy(clock);
  const actions = new SyncActions(clock);
  const running = new Set<string>();
  const probeSig = new Map<string, string>();
  const refSig = new Map<string, string>();
  const info = new Map<string, Record<string, string | number>>();
  const evidence = new Map<string, VerdictChange['evidence']>();
  const lastDeferral = new Map<string, string>();
  const planned = new Set<string>();
  let closed = false;

  const groupOf = (node: string): string | null => supervisor.spec(node)?.sync.group ?? null;
  const membersOf = (group: string): string[] =>
    supervisor.names().filter((n) => supervisor.spec(n)?.sync.group === group);

  const showSync = (group: string): void => {
    for (const n of membersOf(group)) {
      if (!running.has(n) || !policy.has(n)) continue;
      const v = policy.view(n);
      observations.update(n, { health: v.health, height: v.height, referenceHeight: v.referenceHeight, lag: v.lag });
    }
  };

  const apply = (group: string, changes: VerdictChange[]): void => {
    for (const c of changes) {
      evidence.set(c.node, c.evidence);
      const lag = c.evidence.lag === null ? '' : ` lag=${c.evidence.lag}`;
      logger.info(`${c.node}: health ${c.from} -> ${c.to} (${c.evidence.rule}${lag})`);
      if (c.event) bus.emit({ node: c.node, type: c.event, details: { ...c.evidence, from: c.from, to: c.to } });
    }
    showSync(group);
    schedulePlan(group);
  };

  // Planning runs after the current synchronous step: a state change is told from
  // inside a runner's mailbox, and a restart of that same runner would only queue.
  const schedulePlan = (group: string): void => {
    if (closed || planned.has(group)) return;
    planned.add(group);
    queueMicrotask(() => {
      planned.delete(group);
      if (!closed) plan(group);
    });
  };

  const plan = (group: string): void => {
    const p = actions.plan(groupFacts(group, membersOf(group), supervisor, policy));
    if (p.modeChange === 'fallback_entered') logger.warn(`sync group ${group}: every node is out of sync, switching to the fallback profile`);
    if (p.modeChange === 'fallback_left') logger.info(`sync group ${group}: in sync on the fallback profile, returning to normal`);
    for (const d of p.deferred) {
      const key = `${d.why}:${JSON.stringify(d.details.minHealthy ?? '')}`;
      if (lastDeferral.get(d.node) === key) continue;
      lastDeferral.set(d.node, key);
      logger.info(`${d.node}: restart deferred (${d.why})`, { ...d.details });
    }
    if (p.action) execute(group, p.action);
  };

  const execute = (group: string, a: SyncAction): void => {
    const runner = supervisor.runner(a.node);
    if (!runner) return;
    let action = a;
    let spec: NodeSpec | undefined;
    if (a.switchesProfile) {
      try {
        spec = a.profile === null ? supervisor.spec(a.node) : resolveProfileSpec(host.configDir, host.store.secrets, a.node, a.profile);
      } catch (err) {
        const problem = err instanceof Error ? err.message : String(err);
        logger.error(`${a.node}: cannot resolve profile ${a.profile}: ${problem}`);
        bus.emit({ node: a.node, type: 'config_error', details: { profile: a.profile, problems: [problem] } });
        action = { ...a, profile: actions.profileOf(a.node), switchesProfile: false };
        if (action.reason === 'config') return; // nothing to heal, only a switch that cannot be made
      }
    }
    lastDeferral.delete(a.node);
    const before = runner.snapshot();
    actions.restarted(group, action);
    const ev = evidence.get(a.node);
    runner.restart(action.reason, {
      details: { ...(ev ? { rule: ev.rule, height: ev.height, reference: ev.reference, lag: ev.lag } : {}), ...action.details },
      profile: action.profile,
      ...(spec ? { spec } : {}),
    });
    const after = runner.snapshot();
    if (after.state === before.state && after.pid === before.pid) actions.stateChanged(a.node, after.state);
    if (action.switchesProfile) observations.update(a.node, { profile: action.profile });
  };

  const refreshReferences = (group: string): void => {
    const key = REF_PREFIX + group;
    const probes: Record<string, NodeSpec['sync']['reference'][number]> = {};
    const seen = new Set<string>();
    for (const n of membersOf(group)) {
      if (!running.has(n)) continue;
      for (const p of supervisor.spec(n)!.sync.reference) {
        const sig = JSON.stringify(p);
        if (seen.has(sig)) continue;
        seen.add(sig);
        probes[`reference.${seen.size - 1}`] = p;
      }
    }
    const sig = JSON.stringify(probes);
    if (seen.size === 0) {
      prober.unwatch(key);
      refSig.delete(group);
      policy.clearReferences(group);
    } else if (refSig.get(group) !== sig) {
      refSig.set(group, sig);
      prober.watch(key, probes);
    }
  };

  const watchProbes = (node: string, spec: NodeSpec): void => {
    const sig = JSON.stringify(spec.probes);
    if (probeSig.get(node) === sig && prober.watching(node)) return;
    probeSig.set(node, sig);
    prober.watch(node, spec.probes);
  };

  const begin = (node: string): void => {
    const spec = supervisor.spec(node);
    if (!spec) return;
    running.add(node);
    const settings = syncSettingsOf(spec);
    if (settings) {
      policy.configure(node, settings);
      policy.started(node);
    } else policy.forget(node);
    probeSig.delete(node);
    watchProbes(node, spec);
    refreshReferences(spec.sync.group);
    observations.update(node, { health: 'unknown', lag: null, referenceHeight: null, profile: actions.profileOf(node) });
  };

  const end = (node: string): void => {
    running.delete(node);
    prober.unwatch(node);
    probeSig.delete(node);
    policy.stopped(node);
    observations.update(node, { health: 'unknown', lag: null, referenceHeight: null });
    const group = groupOf(node);
    if (group !== null) {
      refreshReferences(group);
      apply(group, policy.evaluate(group));
    }
  };

  const onState = (s: StateChange): void => {
    if (closed || !supervisor.spec(s.node)) return;
    if (s.to === 'running' && (s.from !== 'running' || !running.has(s.node))) begin(s.node);
    else if (s.to !== 'running' && running.has(s.node)) end(s.node);
    actions.stateChanged(s.node, s.to as Parameters<SyncActions['stateChanged']>[1]);
    const group = groupOf(s.node);
    if (group !== null) schedulePlan(group);
  };

  const onReport = (r: ProbeReport): void => {
    if (r.target.startsWith(REF_PREFIX)) {
      const group = r.target.slice(REF_PREFIX.length);
      let ok: boolean = r.ok;
      if (r.ok) {
        try {
          const h = toHeight(r.value);
          apply(group, policy.referenceReading(group, r.probe, h, STALE_INTERVALS * r.spec.intervalMs));
        } catch (err) {
          ok = false;
          logger.debug(`sync group ${group}: ${r.probe}: ${(err as Error).message}`);
        }
      } else logger.debug(`sync group ${group}: ${r.probe} failed: ${r.error}`);
      opts.onProbe?.(r.target, r.probe, r.seconds, ok);
      return;
    }
    const node = r.target;
    if (r.probe === HEIGHT_PROBE) {
      let height: number | null = null;
      let error = r.ok ? null : r.error;
      if (r.ok) {
        try {
          height = toHeight(r.value);
        } catch (err) {
          error = (err as Error).message;
        }
      }
      opts.onProbe?.(node, r.probe, r.seconds, height !== null);
      if (height !== null) observations.update(node, { height });
      const group = groupOf(node);
      if (group === null || !policy.has(node)) return;
      apply(group, height !== null ? policy.height(node, height) : policy.heightFailed(node, error!));
      return;
    }
    let value: string | number | null = null;
    if (r.ok) {
      try {
        value = toInfo(r.value);
      } catch (err) {
        logger.debug(`${node}: probe ${r.probe}: ${(err as Error).message}`);
      }
    } else logger.debug(`${node}: probe ${r.probe} failed: ${r.error}`);
    opts.onProbe?.(node, r.probe, r.seconds, value !== null);
    if (value === null) return;
    if (r.probe === 'version') observations.update(node, { version: String(value) });
    else if (r.probe === 'peerId') observations.update(node, { peerId: String(value) });
    else {
      const mine = { ...(info.get(node) ?? {}), [r.probe]: value };
      info.set(node, mine);
      const fields: HealthObservation = { info: mine };
      observations.update(node, fields);
    }
  };

  const onReload = (): void => {
    const names = new Set(supervisor.names());
    for (const n of [...running]) {
      if (!names.has(n)) {
        end(n);
        policy.forget(n);
        actions.forget(n);
        continue;
      }
      const spec = supervisor.spec(n)!;
      const settings = syncSettingsOf(spec);
      if (settings) {
        // A node that gains a height probe on reload is judged from its next start on.
        if (policy.has(n)) policy.configure(n, settings);
      } else policy.forget(n);
      watchProbes(n, spec);
    }
    const groups = new Set([...running].map((n) => groupOf(n)).filter((g): g is string => g !== null));
    for (const g of groups) {
      refreshReferences(g);
      schedulePlan(g);
    }
  };

  const prober: Prober = new Prober({ clock, onReport, logger, ...(opts.run ? { run: opts.run } : {}) });
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
      for (const off of offs) off();
      await prober.close();
    },
  });
  return { prober, policy, actions };
}
