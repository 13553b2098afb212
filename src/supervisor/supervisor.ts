import { ConfigError, issue } from '../config/issues.js';
import type { ConfigIssue, HookKind, LoadedConfig, ManagerConfig, NodeSpec } from '../config/types.js';
import type { EventBus } from '../events/bus.js';
import type { RestartReason } from '../events/types.js';
import type { Logger } from '../logger.js';
import { act, type ActOutcome, type PolicyAction } from './actions.js';
import type { Clock } from './clock.js';
import { judgeSurvivor, retiredSpec, type NodeLockFacts } from './adoption.js';
import type { ProcessDriver, ProcessIdentity } from './driver.js';
import { StartPacer, type StartGate } from './pacer.js';
import { NodeRunner, type NodeSnapshot } from './runner.js';
import { planReload, type ReloadPlan } from './reload-plan.js';
import { describeHookFailure, hookOfTransition } from './hooks.js';

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
  /** Times the log file was found deleted or moved away and opened anew. */
  readonly reopens?: number;
}

/** What a previous manager left in the store about a node. */
export interface PersistedNode {
  readonly desired: 'running' | 'stopped';
  readonly held: boolean;
  readonly identity: ProcessIdentity | null;
  readonly runHash: string | null;
  /** Restarts counted by earlier managers (absent: 0). */
  readonly restarts?: number;
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
  /** The live node process the lock in the node's dataDir names (absent: locks are not consulted). */
  nodeLock?(spec: NodeSpec): NodeLockFacts | null;
  /** Make an adopted node's lock name this manager (absent: locks are left as they are). */
  claimNodeLock?(spec: NodeSpec, identity: ProcessIdentity, runHash: string): void;
  random?: () => number;
}

/**
 * The staging step of a reload: everything the new and changed nodes need
 * before any running node is touched (log FIFOs, dataDirs, the directories of
 * rendered files, users). It reports problems instead of throwing and can
 * undo what it created, so a refused reload leaves nothing behind.
 */
export interface ReloadStaging {
  /** Prepare; every problem found, as config issues naming the node file and key. */
  prepare(added: readonly NodeSpec[], changed: readonly NodeSpec[]): Promise<ConfigIssue[]>;
  /** Remove what `prepare` created. */
  rollback(): Promise<void>;
}

/** Result of applying a new configuration. */
export interface ReloadDiff {
  readonly added: string[];
  readonly removed: string[];
  readonly changed: string[];
  readonly unchanged: string[];
  /** Manager settings that differ but only take effect after a restart of nodewarden. */
  readonly needsManagerRestart: string[];
  /** Nodes whose settings changed but not their process: applied live, no restart. */
  readonly live: string[];
  /** The changed keys of every `changed` and `live` node, by node name. */
  readonly keys: Record<string, string[]>;
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
  /** Sync group → its members in config order; null once a node is added, removed or respecified. */
  private groupIndex: Map<string, string[]> | null = null;
  /** Node → the nodes whose `dependsOn` names it, in config order; null when stale, as groupIndex. */
  private dependents: Map<string, string[]> | null = null;
  private readonly offState: () => void;
  /** Nodes whose config a reload changed and whose restart the group's minHealthy still defers. */
  private readonly pendingConfig = new Set<string>();
  /** Nodes whose config a reload changed, handed to the config roller and not restarted yet. */
  private readonly rollingConfig = new Set<string>();
  private shuttingDown = false;
  /** Nodes being reaped at boot that start (paced) once their survivor is gone. */
  private readonly startAfterReap = new Set<string>();
  /** Runners reaping survivors of nodes no longer configured (not in status). */
  private readonly retired = new Map<string, NodeRunner>();
  /** Stops in progress that wait for dependents first (see stopInOrder). */
  private readonly stopping = new Map<string, Promise<void>>();
  /** Who rolls a reload's config restarts (see useConfigRoller); null: the supervisor's own queue. */
  private configRoller: ((nodes: readonly string[]) => readonly string[]) | null = null;
  /** A node's health as the watchers last saw it (see useHealth). */
  private healthOf: (node: string) => string | undefined = () => undefined;

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
    this.pacer = new StartPacer(
      config.manager.startup,
      deps.clock,
      (name) => {
        const e = this.entries.get(name);
        if (!e) return this.pacer.settled(name);
        this.warnUnsyncedDependencies(name);
        e.runner.start();
      },
      (name) => this.dependencyGate(name),
    );
    // A paced launch frees its slot once the node settles one way or another.
    this.offState = deps.bus.on('state', (s) => {
      if (s.to !== 'starting') this.pacer.settled(s.node);
      // A node that spawns again runs its new config anyway; a member back up may unblock its group.
      if (s.to === 'starting') {
        this.pendingConfig.delete(s.node);
        this.rollingConfig.delete(s.node);
      }
      if (s.to === 'running' && this.pendingConfig.size > 0) queueMicrotask(() => this.applyConfigRestarts());
      // A node up may be the dependency a queued node waits for.
      if (s.to === 'running') this.pacer.poke();
      // A reaped survivor is gone: the node takes its turn like any other start.
      if (s.from === 'stopping' && this.startAfterReap.delete(s.node) && s.to === 'stopped')
        this.pacer.enqueue([s.node]);
      const hook = hookOfTransition(s.from, s.to);
      if (hook) this.runHook(s.node, hook);
    });
  }

  /** A node's postStart / preStop / postStop hook, on the side: it never delays the node; a failure is an event. */
  private runHook(name: string, kind: HookKind): void {
    const e = this.entries.get(name);
    if (!e) return;
    // Read at write time: a removed node's log (or all of them at shutdown) may be closed by then.
    const output = (): number | null =>
      !this.shuttingDown && this.entries.get(name) === e ? e.log.outputFd() : null;
    void this.deps.driver.runHook?.(e.spec, kind, output)?.then((o) => {
      if (o.ok) return;
      this.deps.bus.emit({
        node: name,
        type: 'hook_failed',
        reason: describeHookFailure(o),
        details: { hook: kind, code: o.code, signal: o.signal, timedOut: o.timedOut, error: o.error },
      });
    });
  }

  /**
   * Restart, through `act`, the running nodes whose config a reload changed.
   * One the group's `sync.minHealthy` does not allow yet waits for a member to
   * be running again, so a reload that changes a whole group rolls through it
   * instead of taking it down.
   */
  private applyConfigRestarts(tell = false): void {
    if (this.shuttingDown) return;
    for (const name of [...this.pendingConfig]) {
      const out = this.act({ kind: 'restart', node: name, reason: 'config' });
      if (out.outcome === 'deferred') {
        if (tell)
          this.deps.logger.info(`${name}: config restart waits for its group (${out.why})`, {
            ...out.details,
          });
        continue;
      }
      this.pendingConfig.delete(name);
    }
  }

  /** Node names in config order. */
  names(): string[] {
    return [...this.entries.keys()];
  }

  /**
   * The configured members of sync group `group`, in config order. Asked at
   * every state change of a member, so the grouping is kept (rebuilt after a
   * node is added, removed or given new settings) rather than found by a pass
   * over every node each time.
   */
  groupMembers(group: string): string[] {
    if (this.groupIndex === null) {
      this.groupIndex = new Map();
      for (const [name, e] of this.entries) {
        const members = this.groupIndex.get(e.spec.sync.group);
        if (members) members.push(name);
        else this.groupIndex.set(e.spec.sync.group, [name]);
      }
    }
    return [...(this.groupIndex.get(group) ?? [])];
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

  /** Waiting in the paced start queue for its turn (status shows it `queued`). */
  isQueued(name: string): boolean {
    return this.pacer.isQueued(name);
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
   * still match their config (or are held), begin reaping those that do not,
   * restore held and stopped intents, then queue (paced) every node that should
   * run and does not. Never waits: a reap runs in the node's runner (status
   * shows it `stopping`) and its node is queued once the survivor is gone.
   */
  boot(persisted: ReadonlyMap<string, PersistedNode>): void {
    const toStart: string[] = [];
    // Processes recorded for some node: a lock found elsewhere never lends one to a second node.
    const seen = new Map<string, { alive: boolean; argv: readonly string[] | null }>();
    const taken = new Set<number>();
    for (const [name, p] of persisted) {
      if (!p.identity) continue;
      const s = this.deps.inspect(p.identity);
      seen.set(name, s);
      if (s.alive) taken.add(p.identity.pid);
    }
    for (const [name, e] of this.entries) {
      const p = persisted.get(name);
      if (p?.restarts) e.runner.restoreRestarts(p.restarts);
      if (p?.held) e.runner.hold();
      const recorded = seen.get(name);
      const lock = this.deps.nodeLock?.(e.spec) ?? null;
      const lockIsOther = lock !== null && lock.holder.pid !== p?.identity?.pid && taken.has(lock.holder.pid);
      const verdict = judgeSurvivor({
        spec: e.spec,
        recorded: p,
        recordedAlive: recorded?.alive ? { argv: recorded.argv } : null,
        lock: lockIsOther ? null : lock,
      });
      const wantsRun = (p ? p.desired === 'running' : e.spec.autostart) && !p?.held;
      if (verdict.kind !== 'none') taken.add(verdict.identity.pid);
      if (verdict.kind === 'adopt') {
        e.runner.adopt(verdict.identity, { runHash: verdict.runHash, details: verdict.details });
        this.deps.claimNodeLock?.(e.spec, verdict.identity, verdict.runHash);
        continue;
      }
      if (verdict.kind === 'reap') {
        this.deps.logger.warn(`reaping survivor of ${name} (pid ${verdict.identity.pid}): ${verdict.reason}`);
        if (wantsRun) this.startAfterReap.add(name);
        void e.runner.reap(verdict.identity, verdict.reason, {
          runHash: verdict.runHash,
          details: verdict.details,
        });
        continue;
      }
      if (verdict.note) this.deps.logger.warn(`${name}: not adopted: ${verdict.note}`);
      if (wantsRun) toStart.push(name);
    }
    // Survivors of nodes that are no longer configured at all.
    for (const [name, p] of persisted) {
      if (this.entries.has(name) || !p.identity) continue;
      const s = seen.get(name);
      if (s?.alive) {
        const identity = { ...p.identity, argv: s.argv ?? p.identity.argv };
        this.deps.logger.warn(`reaping survivor of ${name} (pid ${identity.pid}): node removed from config`);
        this.retire(name, identity, p.runHash);
      } else this.deps.bus.emitProcess({ node: name, identity: null, runHash: null });
    }
    this.pacer.enqueue(toStart);
  }

  /**
   * Start nodes at once (operator command; not paced), with the dependencies
   * (`dependsOn`) that are at rest: a node whose dependencies are not ready
   * yet waits for them in the start queue.
   */
  start(names: readonly string[]): void {
    for (const n of this.withRestingDependencies(names)) {
      const e = this.must(n);
      this.pacer.cancel(n);
      this.startAfterReap.delete(n);
      this.intent(n, 'running');
      if (AT_REST.has(e.runner.snapshot().state) && !this.dependencyGate(n).ready) this.pacer.enqueue([n]);
      else e.runner.start();
    }
  }

  /**
   * Stop nodes; resolves when all of them have stopped. A node's dependents
   * (nodes whose `dependsOn` names it) that are up or queued are stopped
   * first, and are meant to stay stopped too.
   */
  async stop(names: readonly string[]): Promise<void> {
    for (const n of names) this.must(n);
    await Promise.all(names.map((n) => this.stopInOrder(n, true)));
  }

  /**
   * Stop a node once every dependent of it that is up or queued has stopped
   * (each of those likewise). One stop per node at a time, shared by whoever
   * asks. `intent` records the stop as the operator's wish (not at shutdown).
   */
  private stopInOrder(name: string, intent: boolean): Promise<void> {
    const cur = this.stopping.get(name);
    if (cur) return cur;
    const e = this.must(name);
    this.pacer.cancel(name);
    this.startAfterReap.delete(name);
    if (intent) this.intent(name, 'stopped');
    const first = this.dependentsOf(name).filter(
      (d) => this.pacer.isQueued(d) || this.must(d).runner.snapshot().state !== 'stopped',
    );
    // Without dependents to wait for, the stop begins now, as any stop does.
    const p =
      first.length === 0
        ? e.runner.stop()
        : Promise.all(first.map((d) => this.stopInOrder(d, intent))).then(() => e.runner.stop());
    this.stopping.set(name, p);
    const forget = (): void => {
      if (this.stopping.get(name) === p) this.stopping.delete(name);
    };
    p.then(forget, forget);
    return p;
  }

  /** Nodes whose `dependsOn` names this one. */
  private dependentsOf(name: string): string[] {
    // Kept with the sync groups: a stop of every node asks this once per node.
    if (this.dependents === null) {
      this.dependents = new Map();
      for (const e of this.entries.values()) {
        for (const d of new Set(e.spec.dependsOn)) {
          const list = this.dependents.get(d);
          if (list) list.push(e.spec.name);
          else this.dependents.set(d, [e.spec.name]);
        }
      }
    }
    return [...(this.dependents.get(name) ?? [])];
  }

  /** `names` and, first, every dependency of them (transitively) at rest and not queued. */
  private withRestingDependencies(names: readonly string[]): string[] {
    const out: string[] = [];
    const visit = (n: string): void => {
      if (out.includes(n)) return;
      for (const d of this.must(n).spec.dependsOn) {
        const de = this.entries.get(d);
        if (de && AT_REST.has(de.runner.snapshot().state) && !this.pacer.isQueued(d)) visit(d);
      }
      out.push(n);
    };
    for (const n of names) visit(n);
    return out;
  }

  /**
   * Tell the supervisor how to read a node's health (the watchers' latest
   * verdict): a dependency with a height probe is ready once it is in_sync.
   */
  /**
   * Hand a reload's config restarts to `roll`, which restarts the nodes it
   * takes (through `configRestart`) one at a time per group with its gate, and
   * answers the nodes it leaves out; those wait in the supervisor's own queue.
   */
  useConfigRoller(roll: (nodes: readonly string[]) => readonly string[]): void {
    this.configRoller = roll;
  }

  /** One node of a reload's config rollout: restarted through `act` (reason `config`). */
  configRestart(name: string): ActOutcome {
    this.must(name);
    const out = this.act({ kind: 'restart', node: name, reason: 'config' });
    if (out.outcome !== 'deferred') {
      this.pendingConfig.delete(name);
      this.rollingConfig.delete(name);
    }
    return out;
  }

  /**
   * A config rollout has ended: those of `names` it did not restart (its group
   * kept it waiting past the gate, or an earlier node failed its gate) wait in
   * the supervisor's own queue, restarted as soon as the group's minHealthy allows.
   */
  configRollEnded(names: readonly string[]): void {
    if (this.shuttingDown) return;
    for (const name of names) {
      if (!this.rollingConfig.delete(name)) continue;
      const st = this.entries.get(name)?.runner.snapshot().state;
      if (st === 'starting' || st === 'running' || st === 'backoff') this.pendingConfig.add(name);
    }
    this.applyConfigRestarts(true);
  }

  useHealth(healthOf: (node: string) => string | undefined): void {
    this.healthOf = healthOf;
    this.pacer.poke();
  }

  /** A node's health changed: a node waiting for it may start now. */
  healthChanged(): void {
    // Not from inside the watcher's update: the start runs once it has returned.
    queueMicrotask(() => {
      if (!this.shuttingDown) this.pacer.poke();
    });
  }

  /**
   * May `name` start as far as its dependencies go? Each must be running and,
   * when it has a `height` probe, in_sync, or running for its
   * `sync.startupGraceMs + sync.windowMs` already (no sync verdict comes
   * during the grace, and by the end of the window a node is judged; the wait
   * is bounded: past that the node starts anyway, with a warning). A
   * dependency no longer configured is not waited for.
   */
  private dependencyGate(name: string): StartGate {
    const e = this.entries.get(name);
    if (!e) return { ready: true };
    let recheck: number | null = null;
    for (const d of e.spec.dependsOn) {
      const de = this.entries.get(d);
      if (!de) continue;
      const snap = de.runner.snapshot();
      if (snap.state !== 'running') return { ready: false, recheckInMs: null };
      if (!de.spec.probes.height || this.healthOf(d) === 'in_sync') continue;
      const left = snap.since + syncBoundMs(de.spec) - this.deps.clock.wallNow();
      if (left > 0) recheck = Math.max(recheck ?? 0, left);
    }
    return recheck === null ? { ready: true } : { ready: false, recheckInMs: recheck };
  }

  /** Log the dependencies a node starts without waiting longer for their sync. */
  private warnUnsyncedDependencies(name: string): void {
    const e = this.entries.get(name);
    for (const d of e?.spec.dependsOn ?? []) {
      const de = this.entries.get(d);
      if (!de?.spec.probes.height || this.healthOf(d) === 'in_sync') continue;
      if (de.runner.snapshot().state !== 'running') continue;
      this.deps.logger.warn(
        `${name}: starting although its dependency ${d} is not in_sync after sync.startupGraceMs + sync.windowMs (${syncBoundMs(de.spec)} ms)`,
      );
    }
  }

  restart(names: readonly string[], reason: RestartReason = 'manual'): void {
    for (const n of names) {
      const e = this.must(n);
      this.startAfterReap.delete(n);
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

  /**
   * One node of a rolling restart (the operator asked for it): records that
   * it should run, then restarts it through `act`, so that the group's
   * `sync.minHealthy` may defer it.
   */
  rollingRestart(name: string): ActOutcome {
    const e = this.must(name);
    const out = this.act({ kind: 'restart', node: name, reason: 'manual' });
    if (out.outcome === 'done' || e.runner.snapshot().state !== 'running') {
      this.startAfterReap.delete(name);
      this.intent(name, 'running');
    }
    return out;
  }

  /**
   * One node of an upgrade: it runs `spec` from now on, restarted through
   * `act` (reason `upgrade`); if its group's minHealthy defers the restart or
   * it is refused, the node keeps its current spec.
   */
  upgradeRestart(name: string, spec: NodeSpec): ActOutcome {
    const e = this.must(name);
    const previous = e.spec;
    this.setSpec(e, spec);
    const out = this.act({ kind: 'restart', node: name, reason: 'upgrade' });
    if (out.outcome !== 'done') this.setSpec(e, previous);
    else this.intent(name, 'running');
    return out;
  }

  /** Put a node whose upgrade failed back on `spec` and start it again on it, whatever its state. */
  rollBack(name: string, spec: NodeSpec): void {
    const e = this.must(name);
    this.setSpec(e, spec);
    this.pendingConfig.delete(name);
    this.intent(name, 'running');
    const before = e.runner.snapshot();
    e.runner.restart('upgrade', { details: { rollback: true } });
    const after = e.runner.snapshot();
    if (after.state === before.state && after.pid === before.pid) e.runner.start();
  }

  private setSpec(e: Entry, spec: NodeSpec): void {
    e.spec = spec;
    this.groupIndex = this.dependents = null;
    e.runner.updateSpec(spec);
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
   * Apply a validated configuration, all or nothing: first everything the
   * change needs is prepared (`staging`, then the logs of new nodes); if any
   * of it fails, what was prepared is undone, no node is touched and a
   * ConfigError lists every problem. Then, in one synchronous step, removed
   * nodes stop, nodes whose run-affecting config changed restart, new ones are
   * queued to start, and the rest keep their pid and take the new settings live.
   */
  async reload(next: LoadedConfig, staging?: ReloadStaging): Promise<ReloadDiff> {
    const plan = this.planReload(next);
    const added = next.nodes.filter((spec) => !this.entries.has(spec.name));
    const changed = next.nodes.filter((spec) => {
      const e = this.entries.get(spec.name);
      return e !== undefined && e.spec.runHash !== spec.runHash;
    });

    // STAGE: nothing below touches a node until every preparation succeeded.
    let issues: ConfigIssue[];
    try {
      issues = staging ? await staging.prepare(added, changed) : [];
    } catch (err) {
      await staging?.rollback();
      throw err;
    }
    const logs = new Map<string, NodeLog>();
    if (issues.length === 0) {
      const opened = await Promise.allSettled(added.map((spec) => this.deps.openLog(spec)));
      opened.forEach((r, i) => {
        const spec = added[i]!;
        if (r.status === 'fulfilled') logs.set(spec.name, r.value);
        else issues.push(issue(spec.file, '', `cannot open the node's log: ${errorText(r.reason)}`));
      });
    }
    if (issues.length > 0) {
      await Promise.all([...logs.values()].map((l) => l.close().catch(() => undefined)));
      await staging?.rollback();
      throw new ConfigError(next.manager.configDir, issues);
    }

    // APPLY: synchronous, so no input or reload interleaves and nothing fails half-way.
    const diff: ReloadDiff = {
      added: [],
      removed: [],
      changed: [],
      unchanged: [],
      needsManagerRestart: managerRestartKeys(this.bootManager, next.manager),
      live: plan.live.map((c) => c.name),
      keys: Object.fromEntries([...plan.changed, ...plan.live].map((c) => [c.name, c.keys])),
    };
    const liveNames = new Set(diff.live);
    const nextNames = new Set(next.nodes.map((n) => n.name));
    const removals: Promise<void>[] = [];
    const stopRemoved = this.removedStopper(nextNames);
    for (const [name, e] of this.entries) {
      if (nextNames.has(name)) continue;
      diff.removed.push(name);
      this.pacer.cancel(name);
      this.startAfterReap.delete(name);
      this.pendingConfig.delete(name);
      removals.push(
        stopRemoved(name).then(async () => {
          this.entries.delete(name);
          this.groupIndex = this.dependents = null;
          await e.log.close();
          this.deps.bus.emitProcess({ node: name, identity: null, runHash: null });
        }),
      );
    }
    const toStart: string[] = [];
    const restartNow: string[] = [];
    const retryFatal: string[] = [];
    for (const spec of next.nodes) {
      const e = this.entries.get(spec.name);
      const log = logs.get(spec.name);
      if (!e && log) {
        diff.added.push(spec.name);
        this.add(spec, log);
        if (spec.autostart) toStart.push(spec.name);
        continue;
      }
      if (!e) continue; // cannot happen: every added node's log was opened above
      const runChanged = e.spec.runHash !== spec.runHash;
      e.spec = spec;
      this.groupIndex = this.dependents = null;
      e.runner.updateSpec(spec);
      if (!runChanged) {
        if (!liveNames.has(spec.name)) diff.unchanged.push(spec.name);
        continue;
      }
      diff.changed.push(spec.name);
      const { state: st, held } = e.runner.snapshot();
      if (st === 'starting' || st === 'running' || st === 'backoff') restartNow.push(spec.name);
      // A changed config is the operator's fix for a node that kept failing: try it now,
      // not at the next fatal retry. A held one stays as the operator left it.
      else if (st === 'fatal' && !held) retryFatal.push(spec.name);
    }
    this.manager = next.manager;
    this.pacer.enqueue(toStart);
    const left = this.configRoller && restartNow.length > 0 ? this.configRoller(restartNow) : restartNow;
    const leftOut = new Set(left);
    for (const name of restartNow) {
      this.pendingConfig.delete(name);
      if (!leftOut.has(name)) this.rollingConfig.add(name);
    }
    for (const name of left) this.pendingConfig.add(name);
    this.applyConfigRestarts(true);
    for (const name of retryFatal) this.act({ kind: 'restart', node: name, reason: 'config' });
    await Promise.all(removals);
    return diff;
  }

  /**
   * How a reload stops the nodes it removes: each after the removed nodes
   * that depend on it (by their last config); the rest in parallel.
   */
  private removedStopper(keep: ReadonlySet<string>): (name: string) => Promise<void> {
    const removed = [...this.entries.keys()].filter((n) => !keep.has(n));
    const stops = new Map<string, Promise<void>>();
    const stop = (name: string): Promise<void> => {
      const cur = stops.get(name);
      if (cur) return cur;
      const runner = this.must(name).runner;
      const first = removed.filter((d) => this.must(d).spec.dependsOn.includes(name));
      const p = first.length === 0 ? runner.stop() : Promise.all(first.map(stop)).then(() => runner.stop());
      stops.set(name, p);
      return p;
    };
    return stop;
  }

  /**
   * What `reload(next)` would do to each node, touching nothing: the same
   * plan the reload itself applies (`reload --dry-run`).
   */
  previewReload(next: LoadedConfig): ReloadDiff {
    const plan = this.planReload(next);
    return {
      added: plan.added,
      removed: plan.removed,
      changed: plan.changed.map((c) => c.name),
      unchanged: plan.unchanged,
      needsManagerRestart: managerRestartKeys(this.bootManager, next.manager),
      live: plan.live.map((c) => c.name),
      keys: Object.fromEntries([...plan.changed, ...plan.live].map((c) => [c.name, c.keys])),
    };
  }

  private planReload(next: LoadedConfig): ReloadPlan {
    return planReload(new Map([...this.entries].map(([name, e]) => [name, e.spec])), next.nodes);
  }

  /**
   * Stop every node, each with its own grace: a node's dependents first,
   * everything else in parallel; then close the logs.
   * With `keepNodes`, leave every node running for the next manager to adopt.
   */
  async shutdown(opts: { keepNodes?: boolean } = {}): Promise<void> {
    this.shuttingDown = true;
    this.pacer.clear();
    this.startAfterReap.clear();
    this.pendingConfig.clear();
    this.rollingConfig.clear();
    const runners = [...[...this.entries.values()].map((e) => e.runner), ...this.retired.values()];
    // Dependents stop before the nodes they depend on; everything else in parallel.
    if (!opts.keepNodes)
      await Promise.all([
        ...[...this.entries.keys()].map((n) => this.stopInOrder(n, false)),
        ...[...this.retired.values()].map((r) => r.stop()),
      ]);
    // No timer (backoff, fatal retry, grace) may outlive the manager; kept nodes stay as they are.
    for (const r of runners) r.detach();
    if (opts.keepNodes) this.deps.driver.release?.();
    await Promise.all([...this.entries.values()].map((e) => e.log.close()));
    this.offState();
  }

  /** A second shutdown signal: SIGKILL every node's tree now. */
  killAll(): void {
    for (const e of this.entries.values()) e.runner.kill();
    for (const r of this.retired.values()) r.kill();
  }

  get isShuttingDown(): boolean {
    return this.shuttingDown;
  }

  private add(spec: NodeSpec, log: NodeLog): void {
    this.entries.set(spec.name, { spec, log, runner: this.newRunner(spec, () => log.outputFd()) });
    this.groupIndex = this.dependents = null;
  }

  /** A runner for `spec` wired to this supervisor's driver, clock, bus and logger. */
  private newRunner(spec: NodeSpec, outputFd: () => number): NodeRunner {
    const runner: NodeRunner = new NodeRunner({
      spec,
      driver: this.deps.driver,
      clock: this.deps.clock,
      bus: this.deps.bus,
      outputFd,
      logger: this.deps.logger,
      ...(this.deps.random ? { random: this.deps.random } : {}),
      // Recorded so that a later manager can re-adopt the process (DESIGN §2 crash safety)
      // and go on counting restarts where this one stopped.
      onProcess: (identity, runHash) =>
        this.deps.bus.emitProcess({
          node: spec.name,
          identity,
          runHash,
          restarts: runner.snapshot().restarts,
        }),
    });
    return runner;
  }

  /**
   * Reap the survivor of a node no longer in the configuration through a
   * runner of its own (DESIGN's stop defaults), like any stop; it is forgotten
   * once the process is gone.
   */
  private retire(name: string, identity: ProcessIdentity, runHash: string | null): void {
    const runner = this.newRunner(retiredSpec(name), () => {
      throw new Error(`${name} is no longer configured; it is only being stopped`);
    });
    this.retired.set(name, runner);
    void runner
      .reap(identity, 'node removed from config', { runHash, details: { source: 'database' } })
      .then(() => {
        if (this.retired.get(name) === runner) this.retired.delete(name);
      });
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

/** How long a dependency with a height probe is waited for to be in_sync once it runs. */
function syncBoundMs(spec: NodeSpec): number {
  return spec.sync.startupGraceMs + spec.sync.windowMs;
}

/** States without a process that a start leaves (what `start` pulls dependencies out of). */
const AT_REST: ReadonlySet<string> = new Set(['stopped', 'exited', 'fatal']);

function errorText(err: unknown): string {
  return err instanceof Error ? err.message : String(err);
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
