import type { SampleInput } from '../store/types.js';
import type { TimerHandle } from '../supervisor/clock.js';
import { ProcHostReader, type HostReader, type HostReading } from './host.js';
import type { Observations } from './observations.js';
import type { ProcSource } from './proc-source.js';
import { ResourceActions, type ResourceActionHost, type ResourceDecisions } from './resource-actions.js';
import { Sampler, type ProcessSample } from './sampler.js';

/**
 * The resource watcher of a daemon: every `sampling.intervalMs` it samples
 * every node's process tree and the host, publishes the figures (observations
 * for status and metrics, samples for the store), and hands them to the
 * resource policies (resource-actions.ts). One tick is synchronous from start
 * to end, so two ticks never overlap.
 */

/** The part of the daemon the resource watcher uses (a structural subset of `Daemon`). */
export interface ResourceHost extends ResourceActionHost {
  readonly observations: Observations;
  readonly store: { recordSample(sample: SampleInput): void };
  addWatcher(w: { name: string; stop(): Promise<void> | void }): void;
}

/** The host as one tick saw it. */
export interface HostFigures extends HostReading {
  /** 100 − memoryAvailablePercent. */
  readonly memoryUsedPercent: number;
  /** Wall ms of the reading. */
  readonly ts: number;
  /** How long the process sampling of that tick took, in ms. */
  readonly tickMs: number;
  /** Processes on the host in that tick's /proc pass. */
  readonly hostProcesses: number;
}

/** Everything one tick saw and did. */
export interface TickResult extends ResourceDecisions {
  readonly sample: ProcessSample;
  /** Null when the host could not be read (the error is logged). */
  readonly host: HostFigures | null;
}

export interface ResourceWatcherOptions {
  host?: HostReader;
  procs?: ProcSource;
  /** false: no timer; whoever attached it calls `tick()` (tests, benchmarks). Default true. */
  autoTick?: boolean;
}

/** See the module comment. Made by `attachResources`. */
export class ResourceWatcher {
  readonly sampler: Sampler;
  private readonly hostReader: HostReader;
  private readonly actions: ResourceActions;
  private timer: TimerHandle | null = null;
  private stopped = false;
  private hostFailing = false;
  private known = new Set<string>();

  constructor(
    private readonly deps: ResourceHost,
    opts: ResourceWatcherOptions = {},
  ) {
    this.sampler = new Sampler({ clock: deps.clock, ...(opts.procs ? { procs: opts.procs } : {}) });
    this.hostReader = opts.host ?? new ProcHostReader();
    this.actions = new ResourceActions(deps);
    if (opts.autoTick !== false) this.schedule();
  }

  /** One sample of everything, then the policies and their actions. */
  tick(): TickResult {
    const { supervisor, observations, store, clock } = this.deps;
    const snaps = supervisor.snapshots();
    const sample = this.sampler.sampleOnce(snaps.map((s) => ({ node: s.name, pid: s.pid })));
    const ts = clock.wallNow();
    const host = this.readHost(
      snaps.map((s) => supervisor.spec(s.name)!.dataDir),
      sample,
      ts,
    );

    for (const u of sample.nodes) {
      observations.update(u.node, {
        cpuPercent: u.cpuPercent,
        rssBytes: u.rssBytes,
        cpuSecondsTotal: u.cpuSecondsTotal,
        processes: u.processes,
      });
      if (u.pid === null) continue;
      const o = observations.get(u.node) ?? {};
      store.recordSample({
        node: u.node,
        ts,
        cpuPercent: u.cpuPercent,
        rssBytes: u.rssBytes,
        height: o.height ?? null,
        lag: o.lag ?? null,
        health: o.health ?? null,
      });
    }
    this.forgetRemoved(snaps.map((s) => s.name));
    return { sample, host, ...this.actions.apply(sample, host) };
  }

  stop(): void {
    this.stopped = true;
    this.actions.close();
    if (this.timer) this.deps.clock.clearTimer(this.timer);
    this.timer = null;
  }

  private schedule(): void {
    if (this.stopped) return;
    // Read at every round, so a reload's new interval applies from the next tick.
    const ms = this.deps.supervisor.managerConfig().sampling.intervalMs;
    this.timer = this.deps.clock.setTimer(ms, () => {
      this.timer = null;
      if (this.stopped) return;
      try {
        this.tick();
      } catch (err) {
        this.deps.logger.error('resource sampling failed', { error: String(err) });
      }
      this.schedule();
    });
  }

  private readHost(dataDirs: string[], sample: ProcessSample, ts: number): HostFigures | null {
    try {
      const r = this.hostReader.read(dataDirs);
      this.hostFailing = false;
      return {
        ...r,
        memoryUsedPercent: Math.round((100 - r.memoryAvailablePercent) * 100) / 100,
        ts,
        tickMs: Math.round(sample.durationMs * 100) / 100,
        hostProcesses: sample.hostProcesses,
      };
    } catch (err) {
      // Logged once per failing spell, not at every tick.
      if (!this.hostFailing) this.deps.logger.warn('cannot read host resources', { error: String(err) });
      this.hostFailing = true;
      return null;
    }
  }

  private forgetRemoved(names: readonly string[]): void {
    const now = new Set(names);
    for (const n of this.known) {
      if (now.has(n)) continue;
      this.sampler.forget(n);
      this.deps.observations.delete(n);
    }
    this.known = now;
  }
}

/** Start resource watching on a daemon (its WATCHERS line) and register its stop. */
export function attachResources(daemon: ResourceHost, opts: ResourceWatcherOptions = {}): ResourceWatcher {
  const w = new ResourceWatcher(daemon, opts);
  daemon.addWatcher({ name: 'resources', stop: () => w.stop() });
  return w;
}
