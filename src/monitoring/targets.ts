/**
 * The target watcher (DESIGN §8 watch-only targets): probes every endpoint of
 * `targets/*.json` with a prober of its own (one serial queue per target, so
 * a target's probes never overlap and a slow target never delays another),
 * hands each result to the target policy, and tells the bus what changed:
 * `target_down` / `target_up` events and the target's state intervals
 * (`up` / `down`), from which uptime, export and ranking read it as they read
 * a node. It starts nothing and restarts nothing.
 */
import type { Registry } from 'prom-client';
import type { TargetSpec } from '../config/types.js';
import { targetRowWithoutFigures } from '../api/status.js';
import type { EventBus } from '../events/bus.js';
import { TARGET_UNWATCHED } from '../events/types.js';
import type { Logger } from '../logger.js';
import { registerTargetMetrics } from '../metrics/targets.js';
import { TargetPolicy, type TargetVerdict } from '../policy/targets.js';
import type { TargetStatus } from '../protocol/types.js';
import type { Clock, TimerHandle } from '../supervisor/clock.js';
import type { Supervisor } from '../supervisor/supervisor.js';
import type { Observations } from './observations.js';
import { HEIGHT_PROBE } from '../policy/sync-types.js';
import { Prober, type ProbeReport } from './prober.js';
import { ChainReading, toHeight, toInfo, type ProbeRunner } from './probes/index.js';

/** The part of the daemon the target watcher uses (a structural subset of `Daemon`). */
export interface TargetHost {
  readonly bus: EventBus;
  readonly clock: Clock;
  readonly logger: Logger;
  readonly observations: Observations;
  readonly supervisor: Pick<Supervisor, 'names' | 'spec'>;
  /** The targets of the config in force (changes with each reload). */
  targets(): readonly TargetSpec[];
  /** Where status reads targets from; the watcher installs its own. */
  targetStatus: () => TargetStatus[];
  addWatcher(w: { name: string; stop(): Promise<void> | void }): void;
}

export interface TargetOptions {
  /** Runs one probe (tests may pass a fake). */
  readonly run?: ProbeRunner;
  /** The daemon's metrics registry: target series are added to it. */
  readonly registry?: Registry;
  /** Told of every probe run (`ok` = it counted as an answer): the store records it for ranking. */
  readonly onProbe?: (target: string, probe: string, seconds: number, ok: boolean) => void;
}

/** What the watcher keeps of one target beyond the policy's verdict. */
interface Seen {
  spec: TargetSpec;
  sig: string;
  latencySeconds: number | null;
  height: number | null;
  version: string | null;
  peerId: string | null;
  peers: number | null;
  /** Probe runs and failures so far (for metrics). */
  runs: number;
  failed: number;
  start: TimerHandle | null;
}

/** What `attachTargets` returns: its parts, for tests and metrics. */
export interface TargetWatcher {
  readonly prober: Prober;
  readonly policy: TargetPolicy;
  status(): TargetStatus[];
}

/** Attach the target watcher to a daemon; it registers its own stop with `addWatcher`. */
export function attachTargets(host: TargetHost, opts: TargetOptions = {}): TargetWatcher {
  const { bus, clock, logger } = host;
  const policy = new TargetPolicy(clock);
  const seen = new Map<string, Seen>();
  let closed = false;

  const verdict = (v: TargetVerdict): void => {
    bus.emitTarget({ node: v.target, from: v.from, to: v.to, pid: null });
    if (v.to === 'down')
      bus.emit({
        node: v.target,
        type: 'target_down',
        reason: v.error,
        details: { probe: v.probe, error: v.error, failures: v.failures, ...afterOf(v) },
      });
    // From unknown, up is the first verdict, not a recovery: recorded, not announced.
    else if (v.from === 'down')
      bus.emit({ node: v.target, type: 'target_up', details: { probe: v.probe, ...afterOf(v) } });
  };

  const onReport = (r: ProbeReport): void => {
    const s = seen.get(r.target);
    if (!s || closed) return;
    let error = r.ok ? null : r.error;
    if (r.ok && r.value instanceof ChainReading) {
      // A chain preset: one answer carries the height and what the daemon tells of itself.
      const c = r.value;
      if (c.height !== undefined) s.height = c.height;
      else if (r.probe === HEIGHT_PROBE && !c.syncing)
        error = c.problems.join('; ') || 'no height in the answer';
      if (c.version !== undefined) s.version = c.version;
      if (c.peerId !== undefined) s.peerId = c.peerId;
      if (c.peers !== undefined) s.peers = c.peers;
    } else if (r.ok && r.probe === HEIGHT_PROBE) {
      try {
        s.height = toHeight(r.value);
      } catch (err) {
        error = (err as Error).message; // an answer that is no height is a failure, as for nodes
      }
    } else if (r.ok && (r.probe === 'version' || r.probe === 'peerId')) {
      try {
        s[r.probe] = String(toInfo(r.value));
      } catch {
        // the endpoint answered: the target is up, the value just is not shown
      }
    }
    s.latencySeconds = r.seconds;
    s.runs++;
    opts.onProbe?.(r.target, r.probe, r.seconds, error === null);
    if (error !== null) {
      s.failed++;
      logger.debug(`target ${r.target}: probe ${r.probe} failed: ${error}`);
    }
    const v = policy.reading(r.target, r.probe, error);
    if (v) verdict(v);
  };
  const prober = new Prober({ clock, onReport, logger, ...(opts.run ? { run: opts.run } : {}) });

  const unwatch = (name: string): void => {
    const s = seen.get(name);
    if (!s) return;
    if (s.start) clock.clearTimer(s.start);
    prober.unwatch(name);
    const state = policy.view(name)?.state;
    // Its open interval ends here; nothing is recorded for it from now on.
    if (state === 'up' || state === 'down')
      bus.emitTarget({ node: name, from: state, to: TARGET_UNWATCHED, pid: null });
    policy.forget(name);
    seen.delete(name);
  };

  /** Follow the config: new targets start, removed ones stop, changed ones probe anew. */
  const sync = (targets: readonly TargetSpec[]): void => {
    const wanted = new Map(targets.map((t) => [t.name, t]));
    for (const name of [...seen.keys()]) if (!wanted.has(name)) unwatch(name);
    // First rounds are spread over the shortest interval, so a fleet is not probed all at once.
    const fresh = targets.filter((t) => !seen.has(t.name));
    const spread = Math.min(...fresh.map(firstInterval));
    fresh.forEach((t, i) => {
      const s: Seen = {
        spec: t,
        sig: JSON.stringify(t),
        latencySeconds: null,
        height: null,
        version: null,
        peerId: null,
        peers: null,
        runs: 0,
        failed: 0,
        start: null,
      };
      seen.set(t.name, s);
      policy.configure(t.name, t.downAfter);
      const delay = fresh.length > 1 ? Math.floor((i * spread) / fresh.length) : 0;
      s.start = clock.setTimer(delay, () => {
        s.start = null;
        // The spec as it is now: a reload may have changed it while this first round waited.
        if (!closed && seen.get(t.name) === s) prober.watch(t.name, s.spec.probes);
      });
    });
    for (const t of targets) {
      const s = seen.get(t.name)!;
      const sig = JSON.stringify(t);
      if (s.sig === sig) continue;
      s.sig = sig;
      s.spec = t;
      policy.configure(t.name, t.downAfter);
      if (!s.start) prober.watch(t.name, t.probes);
    }
  };

  /** Each sync group's reference height as its nodes' watcher last saw it: one pass over the nodes. */
  const references = (): Map<string, number> => {
    const best = new Map<string, number>();
    for (const n of host.supervisor.names()) {
      const group = host.supervisor.spec(n)?.sync.group;
      const r = host.observations.get(n)?.referenceHeight;
      if (group === undefined || typeof r !== 'number') continue;
      if (r > (best.get(group) ?? -Infinity)) best.set(group, r);
    }
    return best;
  };

  const status = (): TargetStatus[] => {
    const now = clock.now();
    const refs = references();
    return [...seen.values()].map((s) => {
      const t = s.spec;
      const v = policy.view(t.name);
      const state = v?.state ?? 'unknown';
      const ref = t.sync.group === null ? null : (refs.get(t.sync.group) ?? null);
      const lag = ref !== null && s.height !== null ? Math.max(0, ref - s.height) : null;
      return {
        ...targetRowWithoutFigures(t, state),
        uptimeSeconds: state === 'up' && v ? Math.max(0, Math.round((now - v.since) / 1000)) : null,
        height: state === 'down' ? null : s.height,
        referenceHeight: ref,
        lag: state === 'down' ? null : lag,
        version: s.version,
        peerId: s.peerId,
        peers: s.peers,
        failures: v?.failures ?? 0,
        lastError: v?.lastError ?? null,
        latencySeconds: s.latencySeconds,
      };
    });
  };
  host.targetStatus = status;
  if (opts.registry)
    registerTargetMetrics(opts.registry, () =>
      status().map((row) => ({
        row,
        runs: seen.get(row.name)?.runs ?? 0,
        failed: seen.get(row.name)?.failed ?? 0,
      })),
    );

  const off = bus.on('event', (e) => {
    if (e.type === 'config_reloaded' && !closed) sync(host.targets());
  });
  sync(host.targets());

  host.addWatcher({
    name: 'targets',
    async stop() {
      closed = true;
      off();
      for (const s of seen.values()) if (s.start) clock.clearTimer(s.start);
      await prober.close();
    },
  });
  return { prober, policy, status };
}

/** The shortest probe interval of a target: its first round is spread within it. */
function firstInterval(t: TargetSpec): number {
  return Math.min(t.intervalMs, ...Object.values(t.probes).map((p) => p.intervalMs));
}

function afterOf(v: TargetVerdict): { afterMs: number | null } {
  return { afterMs: v.afterMs === null ? null : Math.round(v.afterMs) };
}
