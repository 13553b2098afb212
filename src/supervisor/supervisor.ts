import type { LoadedConfig, ManagerConfig, NodeSpec } from '../config/types.js';
import type { EventBus } from '../events/bus.js';
import type { RestartReason } from '../events/types.js';
import type { Logger } from '../logger.js';
import { act, type ActOutcome, type PolicyAction } from './actions.js';
import type { Clock } from './clock.js';
import type { ProcessDriver, ProcessIdentity } from './driver.js';
import { StartPacer } from './pacer.js';
import { NodeRunner, type NodeSnapshot } from './runner.js';

/** A node's log pipeline as the supervisor sees it (see logs/). */
export interface NodeLog {
  /** The fd the node's stdout and stderr are attached to. */
  outputFd(): number;
  close(): Promise<void>;
  /** Counters of the log writer (read by metrics); absent for logs that keep none. */
  stats?(): NodeLogStats;
}

/** What a node's log pipeline has written and dropped since this manager opened it. */
export interface NodeLogStats {
  readonly writtenBytes: number;
  readonly droppedBytes: number;
  readonly droppedLines: number;
  readonly rotations: number;
}

/** What a previous manager left in the store about a node. */
export interface PersistedNode {
  readonly desired: 'running' | 'stopped';
  readonly held: boolean;
  readonly identity: ProcessIdentity | null;
  readonly runHash: string | null;
}

export interface SupervisorDeps {
  driver: ProcessDriver;
  clock: Clock;
  bus: EventBus;
  logger: Logger;
  /** Open a node's log pipeline (its FIFO must exist). */
  openLog(spec: NodeSpec): Promise<NodeLog>;
  /** Is this exact process (pid + start time) still alive, and what is its argv? */
  inspect(identity: ProcessIdentity): { alive: boolean; argv: readonly string[] | null };
  random?: () => number;
}

/** Result of applying a new configuration. */
export interface ReloadDiff {
  readonly added: string[];
  readonly removed: string[];
  readonly changed: string[];
  readonly unchanged: string[];
  /** Manager settings that differ but only take effect after a restart of nodewarden. */
  readonly needsManagerRestart: string[];
}

interface Entry {
  spec: NodeSpec;
  runner: NodeRunner;
  log: NodeLog;
}

/**
 * Owns one NodeRunner per node: paced start, parallel stop, re-adoption of the
 * survivors of a previous manager, operator commands and reload. It executes;
 * it does not decide (policy does) and it remembers nothing (the store does,
 * from the bus).
 */
export class Supervisor {
  private readonly entries = new Map<string, Entry>();
  private manager: ManagerConfig;
  /** The manager settings this process started with: what restart-only keys are compared to. */
  private readonly bootManager: ManagerConfig;
  private readonly pacer: StartPacer;
  private readonly offState: () => void;
  private shuttingDown = false;

  /** Build a supervisor for a loaded configuration, opening every node's log. */
  static async create(config: LoadedConfig, deps: SupervisorDeps): Promise<Supervisor> {
    const sup = new Supervisor(config, deps);
    // Logs open concurrently (each is a file open and a FIFO open); entries keep config order.
    const logs = await Promise.all(config.nodes.map((spec) => deps.openLog(spec)));
    config.nodes.forEach((spec, i) => sup.add(spec, logs[i]!));
    return sup;
  }

  private constructor(
    config: LoadedConfig,
    private readonly deps: SupervisorDeps,
  ) {
    this.manager = config.manager;
    this.bootManager = config.manager;
    this.pacer = new StartPacer(config.manager.startup, deps.clock, (name) => {
      const e = this.entries.get(name);
      if (e) e.runner.start();
      else this.pacer.settled(name);
    });
    // A paced launch frees its slot once the node settles one way or another.
    this.offState = deps.bus.on('state', (s) => {
      if (s.to !== 'starting') this.pacer.settled(s.node);
    });
  }

  /** Node names in config order. */
  names(): string[] {
    return [...this.entries.keys()];
  }

  has(name: string): boolean {
    return this.entries.has(name);
  }

  spec(name: string): NodeSpec | undefined {
    return this.entries.get(name)?.spec;
  }

  runner(name: string): NodeRunner | undefined {
    return this.entries.get(name)?.runner;
  }

  snapshots(): NodeSnapshot[] {
    return [...this.entries.values()].map((e) => e.runner.snapshot());
  }

  /** A node's log counters (read-only, for metrics), or undefined if unknown. */
  logStats(name: string): NodeLogStats | undefined {
    return this.entries.get(name)?.log.stats?.();
  }

  managerConfig(): ManagerConfig {
    return this.manager;
  }

  /**
   * First start of a manager: re-adopt the survivors of the previous run that
   * still match their config, reap those that do not, restore held and stopped
   * intents, then start (paced) every node that should run and does not.
   */
  async boot(persisted: ReadonlyMap<string, PersistedNode>): Promise<void> {
    const toStart: string[] = [];
    const reaping: Promise<void>[] = [];
    for (const [name, e] of this.entries) {
      const p = persisted.get(name);
      if (p?.held) e.runner.hold();
      const identity = p?.identity ?? null;
      if (identity) {
        const seen = this.deps.inspect(identity);
        if (seen.alive) {
          const sameArgv = seen.argv !== null && sameList(seen.argv, identity.argv);
          if (sameArgv && p?.runHash === e.spec.runHash) {
            e.runner.adopt(identity);
            continue;
          }
          reaping.push(this.reap(name, identity, sameArgv ? 'config changed' : 'argv differs'));
        }
      }
      const wantsRun = p ? p.desired === 'running' : e.spec.autostart;
      if (wantsRun && !p?.held) toStart.push(name);
    }
    // Survivors of nodes that are no longer configured at all.
    for (const [name, p] of persisted) {
      if (this.entries.has(name) || !p.identity) continue;
      if (this.deps.inspect(p.identity).alive)
        reaping.push(this.reap(name, p.identity, 'node removed from config'));
      else this.deps.bus.emitProcess({ node: name, identity: null, runHash: null });
    }
    await Promise.all(reaping);
    this.pacer.enqueue(toStart);
  }

  /** Start nodes at once (operator command; not paced). */
  start(names: readonly string[]): void {
    for (const n of names) {
      const e = this.must(n);
      this.pacer.cancel(n);
      this.intent(n, 'running');
      e.runner.start();
    }
  }

  /** Stop nodes; resolves when all of them have stopped. */
  async stop(names: readonly string[]): Promise<void> {
    await Promise.all(
      names.map((n) => {
        const e = this.must(n);
        this.pacer.cancel(n);
        this.intent(n, 'stopped');
        return e.runner.stop();
      }),
    );
  }

  restart(names: readonly string[], reason: RestartReason = 'manual'): void {
    for (const n of names) {
      const e = this.must(n);
      this.intent(n, 'running');
      e.runner.restart(reason);
    }
  }

  /**
   * The one entry point for what policy decides (sync, resource limits,
   * pressure, reload): applies holds and the group's `sync.minHealthy`, then
   * carries the action out through the node's runner (see actions.ts).
   */
  act(action: PolicyAction): ActOutcome {
    return act(this, action);
  }

  hold(names: readonly string[]): void {
    for (const n of names) {
      this.must(n).runner.hold();
      this.emitIntent(n);
    }
  }

  release(names: readonly string[]): void {
    for (const n of names) {
      this.must(n).runner.release();
      this.emitIntent(n);
    }
  }

  /**
   * Apply a validated configuration: only nodes whose run-affecting config
   * changed restart, new ones start, removed ones stop; the rest keep their pid
   * and take the new settings live.
   */
  async reload(next: LoadedConfig): Promise<ReloadDiff> {
    const diff: ReloadDiff = {
      added: [],
      removed: [],
      changed: [],
      unchanged: [],
      needsManagerRestart: managerRestartKeys(this.bootManager, next.manager),
    };
    const nextNames = new Set(next.nodes.map((n) => n.name));
    const removals: Promise<void>[] = [];
    for (const [name, e] of this.entries) {
      if (nextNames.has(name)) continue;
      diff.removed.push(name);
      this.pacer.cancel(name);
      removals.push(
        e.runner.stop().then(async () => {
          this.entries.delete(name);
          await e.log.close();
          this.deps.bus.emitProcess({ node: name, identity: null, runHash: null });
        }),
      );
    }
    const toStart: string[] = [];
    for (const spec of next.nodes) {
      const e = this.entries.get(spec.name);
      if (!e) {
        diff.added.push(spec.name);
        this.add(spec, await this.deps.openLog(spec));
        if (spec.autostart) toStart.push(spec.name);
        continue;
      }
      const runChanged = e.spec.runHash !== spec.runHash;
      e.spec = spec;
      e.runner.updateSpec(spec);
      if (!runChanged) {
        diff.unchanged.push(spec.name);
        continue;
      }
      diff.changed.push(spec.name);
      const st = e.runner.snapshot().state;
      if (st === 'starting' || st === 'running' || st === 'backoff') e.runner.restart('config');
    }
    this.manager = next.manager;
    this.pacer.enqueue(toStart);
    await Promise.all(removals);
    return diff;
  }

  /**
   * Stop every node in parallel (each with its own grace) and close the logs.
   * With `keepNodes`, leave every node running for the next manager to adopt.
   */
  async shutdown(opts: { keepNodes?: boolean } = {}): Promise<void> {
    this.shuttingDown = true;
    this.pacer.clear();
    if (!opts.keepNodes) {
      await Promise.all([...this.entries.values()].map((e) => e.runner.stop()));
    }
    // No timer (backoff, fatal retry) may outlive the manager; kept nodes stay as they are.
    for (const e of this.entries.values()) e.runner.detach();
    if (opts.keepNodes) this.deps.driver.release?.();
    await Promise.all([...this.entries.values()].map((e) => e.log.close()));
    this.offState();
  }

  /** A second shutdown signal: SIGKILL every node's tree now. */
  killAll(): void {
    for (const e of this.entries.values()) e.runner.kill();
  }

  get isShuttingDown(): boolean {
    return this.shuttingDown;
  }

  private add(spec: NodeSpec, log: NodeLog): void {
    const entry = { spec, log } as Entry;
    entry.runner = new NodeRunner({
      spec,
      driver: this.deps.driver,
      clock: this.deps.clock,
      bus: this.deps.bus,
      outputFd: () => log.outputFd(),
      logger: this.deps.logger,
      ...(this.deps.random ? { random: this.deps.random } : {}),
      // Recorded so that a later manager can re-adopt the process (DESIGN §2 crash safety).
      onProcess: (identity) =>
        this.deps.bus.emitProcess({
          node: spec.name,
          identity,
          runHash: identity ? entry.spec.runHash : null,
        }),
    });
    this.entries.set(spec.name, entry);
  }

  /** Stop a survivor that no longer matches its config, gracefully, then by force. */
  private async reap(name: string, identity: ProcessIdentity, why: string): Promise<void> {
    const spec = this.entries.get(name)?.spec;
    const signal = spec?.stop.signal ?? 'SIGTERM';
    const graceMs = spec?.stop.graceMs ?? 120_000;
    this.deps.logger.warn(`reaping survivor of ${name} (pid ${identity.pid}): ${why}`);
    this.deps.driver.signalGroup(identity.pgid, signal);
    const gone = this.deps.driver.watch(identity);
    let timer: ReturnType<Clock['setTimer']> | null = null;
    const escalated = await Promise.race([
      gone.then(() => false),
      new Promise<boolean>((resolve) => {
        timer = this.deps.clock.setTimer(graceMs, () => resolve(true));
      }),
    ]);
    if (timer) this.deps.clock.clearTimer(timer);
    if (escalated) {
      await this.deps.driver.killTree(identity.pid, identity.pgid);
      await gone;
    }
    this.deps.bus.emit({
      node: name,
      type: 'orphan_reaped',
      reason: why,
      details: { pid: identity.pid, argv: identity.argv, escalated },
    });
    this.deps.bus.emitProcess({ node: name, identity: null, runHash: null });
  }

  private intent(name: string, desired: 'running' | 'stopped'): void {
    const e = this.must(name);
    this.deps.bus.emitIntent({ node: name, desired, held: e.runner.snapshot().held });
  }

  private emitIntent(name: string): void {
    const snap = this.must(name).runner.snapshot();
    const desired = snap.state === 'stopped' ? 'stopped' : 'running';
    this.deps.bus.emitIntent({ node: name, desired, held: snap.held });
  }

  private must(name: string): Entry {
    const e = this.entries.get(name);
    if (!e) throw new Error(`no such node: ${name}`);
    return e;
  }
}

function sameList(a: readonly string[], b: readonly string[]): boolean {
  return a.length === b.length && a.every((x, i) => x === b[i]);
}

/** Manager settings that a live reload cannot apply. */
function managerRestartKeys(a: ManagerConfig, b: ManagerConfig): string[] {
  const keys: string[] = [];
  if (a.stateDir !== b.stateDir) keys.push('stateDir');
  if (a.logDir !== b.logDir) keys.push('logDir');
  if (a.control.socket !== b.control.socket) keys.push('control.socket');
  if (JSON.stringify(a.control.http) !== JSON.stringify(b.control.http)) keys.push('control.http');
  return keys;
}
