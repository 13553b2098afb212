import fs from 'node:fs';
import { loadConfig, ConfigError } from './config/load.js';
import { loadManagerConfig } from './config/manager.js';
import { formatIssue, formatIssues } from './config/issues.js';
import { Redaction } from './config/redact.js';
import { sensitiveValues } from './config/sensitive.js';
import type { LoadedConfig, ManagerConfig, NodeSpec, TargetSpec } from './config/types.js';
import { EventBus } from './events/bus.js';
import { createLogger, type Logger } from './logger.js';
import { ensureFifos, fifoPath } from './logs/fifo.js';
import { NodeLog } from './logs/node-log.js';
import { attachStore, openStore, probeRecorder, type Store } from './store/index.js';
import { ensureStateDir } from './store/state-dir.js';
import { PeekSecrets } from './store/secrets.js';
import { systemClock, type Clock } from './supervisor/clock.js';
import { describeContainment } from './supervisor/cgroup.js';
import type { Containment, ProcessDriver } from './supervisor/driver.js';
import { ExecDriver } from './supervisor/exec-driver.js';
import { acquireManagerLock, type HeldLock } from './supervisor/lock.js';
import { claimNodeLock, inspectProcess, readNodeLockFacts } from './supervisor/survivor-facts.js';
import { planTargetReload } from './supervisor/reload-plan.js';
import { ReloadStage } from './reload-stage.js';
import { Supervisor, type PersistedNode } from './supervisor/supervisor.js';
import { VERSION } from './version.js';
import { metricsFor } from './metrics/registry.js';
import type { ObservationSource } from './api/status.js';
import type { ReloadOutcome } from './api/context.js';
import { prepareControl, startControlServer } from './api/server.js';
import { Observations } from './monitoring/observations.js';
import { answerOf, Rollouts } from './policy/rollouts.js';
import { attachProber } from './monitoring/health.js';
import { attachVersions } from './monitoring/versions.js';
import { attachResources } from './monitoring/resources.js';
import { attachAlerter } from './alerts/attach.js';
import { attachTargets } from './monitoring/targets.js';
import type { TargetStatus } from './protocol/types.js';

export interface DaemonOptions {
  configDir: string;
  clock?: Clock;
  driver?: ProcessDriver;
  /** Manager log on the console (default true); tests turn it off. */
  consoleLog?: boolean;
}

/** A running nodewarden: the object graph of DESIGN §7, assembled. */
export interface Daemon {
  readonly manager: ManagerConfig;
  readonly bus: EventBus;
  readonly store: Store;
  readonly supervisor: Supervisor;
  readonly logger: Logger;
  readonly configDir: string;
  /** Masks secrets (learnt from the config and the stored secrets) in what nodewarden shows and sends. */
  readonly redaction: Redaction;
  /** Re-read and validate every config file; apply only if all of it is valid. */
  reload(): Promise<ReloadOutcome>;
  /**
   * The config on disk of `names` (an upgrade's targets), validated as a whole
   * and with everything the changed ones need prepared; applies nothing.
   * Throws ConfigError naming every problem.
   */
  pendingSpecs(names: readonly string[]): Promise<Map<string, NodeSpec>>;
  /** What `reload` would do now, applying nothing (`reload --dry-run`). */
  previewReload(): ReloadOutcome;
  /** Stop every node (unless keepNodes) and release everything; idempotent. */
  stop(opts?: { keepNodes?: boolean }): Promise<void>;
  /** A second shutdown signal: kill every node's tree now. */
  kill(): void;
  /** Resolves once stop() has finished. */
  readonly stopped: Promise<void>;
  /** Watchers' latest view of each node (health, height, resources) for status and metrics. */
  observe: ObservationSource;
  readonly observations: Observations;
  readonly clock: Clock;
  /** Register something to stop (in reverse order) before the nodes are stopped. */
  addWatcher(w: Watcher): void;
  /** Every rolling restart (restart, upgrade, a reload's config restarts): a node is in one at a time. */
  readonly rollouts: Rollouts;
  /** How nodes' process trees are contained (a cgroup per node, or the sweep); null for a driver that forks nothing. */
  readonly containment: Containment | null;
  /** The watch-only targets of the config in force (`targets/*.json`). */
  targets(): readonly TargetSpec[];
  /** Every target's status row (the target watcher installs it; none until then). */
  targetStatus: () => TargetStatus[];
}

/** A component that runs alongside the supervisor (prober, sampler, alerter); stopped before the nodes are. */
export interface Watcher {
  readonly name: string;
  stop(): Promise<void> | void;
}

/**
 * Assemble and start nodewarden: config → lock → logger → store → bus →
 * supervisor → control API, then re-adopt survivors (reaping those that no
 * longer match in the background) and start what should run. Throws
 * ConfigError (nothing started) or a NodewardenError (E_LOCKED …).
 */
export async function startDaemon(opts: DaemonOptions): Promise<Daemon> {
  const clock = opts.clock ?? systemClock;
  const { manager, issues } = loadManagerConfig(opts.configDir);
  if (issues.length > 0) throw new ConfigError(opts.configDir, issues);
  const stateDirWarning = ensureStateDir(manager.stateDir);
  fs.mkdirSync(manager.logDir, { recursive: true });

  const lock: HeldLock = acquireManagerLock(manager.stateDir);
  const redaction = new Redaction();
  const logger = createLogger({
    level: manager.log.level,
    logDir: manager.logDir,
    maxBytes: manager.log.maxBytes,
    backups: manager.log.backups,
    silentConsole: opts.consoleLog === false,
    redaction,
  });
  let store: Store | null = null;
  try {
    if (stateDirWarning) logger.warn(stateDirWarning);
    if (lock.takenOver) logger.warn(`took over the stale lock of pid ${lock.takenOver.pid}`);
    // A bad control setup (open TCP without a token, a live socket) refuses before any node is touched.
    await prepareControl(manager);
    store = openStore(manager.stateDir, { logger, clock });
    const config = loadConfig(opts.configDir, { secrets: store.secrets });
    for (const w of config.warnings ?? []) logger.warn(formatIssue(w, opts.configDir));
    redaction.learn([...sensitiveValues(config), ...store.secrets.values()]);
    store.redactReads(redaction);
    const bus = new EventBus(
      () => clock.wallNow(),
      (err) => logger.error('event consumer failed', { error: String(err) }),
    );
    bus.redactWith(redaction);
    attachStore(bus, store);
    bus.on('event', (e) => {
      const level = e.severity === 'info' ? 'info' : e.severity === 'warning' ? 'warn' : 'error';
      logger[level](`${e.node ?? 'nodewarden'}: ${e.type}${e.reason ? ` (${e.reason})` : ''}`, {
        ...e.details,
      });
    });
    const driver = opts.driver ?? new ExecDriver({ stateDir: manager.stateDir, warn: (m) => logger.warn(m) });
    if (driver.containment) logger.info(describeContainment(driver.containment));
    const supervisor = await buildSupervisor(config, { clock, bus, logger, driver });
    return await boot({
      configDir: opts.configDir,
      manager,
      config,
      bus,
      store,
      supervisor,
      logger,
      lock,
      clock,
      redaction,
      containment: driver.containment ?? null,
    });
  } catch (err) {
    store?.close();
    lock.release();
    await logger.close();
    throw err;
  }
}

async function buildSupervisor(
  config: LoadedConfig,
  deps: { clock: Clock; bus: EventBus; logger: Logger; driver: ProcessDriver },
): Promise<Supervisor> {
  const { stateDir, logDir } = config.manager;
  await ensureFifos(config.nodes.map((n) => fifoPath(stateDir, n.name)));
  return Supervisor.create(config, {
    ...deps,
    openLog: (spec) =>
      NodeLog.open({
        fifoPath: fifoPath(stateDir, spec.name),
        logDir,
        name: spec.name,
        logs: spec.logs,
        logger: deps.logger,
        clock: deps.clock,
        timestamps: config.manager.logs.timestamps,
      }),
    inspect: inspectProcess,
    nodeLock: (spec) => readNodeLockFacts(spec.dataDir),
    claimNodeLock: (spec, identity, runHash) => claimNodeLock(spec, identity, runHash, deps.logger),
  });
}

interface Parts {
  configDir: string;
  manager: ManagerConfig;
  config: LoadedConfig;
  bus: EventBus;
  store: Store;
  supervisor: Supervisor;
  logger: Logger & { close(): Promise<void> };
  lock: HeldLock;
  clock: Clock;
  redaction: Redaction;
  containment: Containment | null;
}

async function boot(p: Parts): Promise<Daemon> {
  const { bus, store, supervisor, logger, config } = p;
  bus.emit({
    node: null,
    type: 'manager_started',
    details: {
      pid: process.pid,
      version: VERSION,
      nodes: config.nodes.length,
      configDir: p.configDir,
      ...(p.containment ? { containment: describeContainment(p.containment) } : {}),
    },
  });

  const pruneEvery = 3_600_000;
  const prune = (): void => {
    store.prune(supervisor.managerConfig().retention);
    pruneTimer = p.clock.setTimer(pruneEvery, prune);
  };
  let pruneTimer = p.clock.setTimer(60_000, prune);

  let reloadChain: Promise<void> = Promise.resolve();
  // All or nothing: validate, then prepare everything the change needs, then apply.
  // A failure at either step changes nothing and is recorded as config_error.
  const reloadOnce = async (): Promise<ReloadOutcome> => {
    let phase: 'validate' | 'prepare' = 'validate';
    try {
      const next = loadConfig(p.configDir, { secrets: store.secrets });
      for (const w of next.warnings ?? []) logger.warn(formatIssue(w, p.configDir));
      // Before anything of the new config can show up in an event or a log line.
      p.redaction.learn([...sensitiveValues(next), ...store.secrets.values()]);
      phase = 'prepare';
      const diff = await supervisor.reload(next, new ReloadStage(next.manager.stateDir));
      const targetPlan = planTargetReload(targets, next.targets ?? []);
      targets = next.targets ?? [];
      bus.emit({ node: null, type: 'config_reloaded', details: { ...diff } });
      return { ok: true, diff, targets: targetPlan };
    } catch (err) {
      if (!(err instanceof ConfigError)) throw err;
      const problems = formatIssues(err.issues, p.configDir).split('\n').filter(Boolean);
      bus.emit({ node: null, type: 'config_error', details: { problems, phase } });
      return { ok: false, problems };
    }
  };
  // `reload --dry-run`: the reload's own plan, computed without applying, recording or storing anything.
  const previewReload = (): ReloadOutcome => {
    try {
      const next = loadConfig(p.configDir, { secrets: new PeekSecrets(store.secrets) });
      return {
        ok: true,
        diff: supervisor.previewReload(next),
        targets: planTargetReload(targets, next.targets ?? []),
      };
    } catch (err) {
      if (!(err instanceof ConfigError)) throw err;
      return { ok: false, problems: formatIssues(err.issues, p.configDir).split('\n').filter(Boolean) };
    }
  };
  const observations = new Observations();
  let targets: readonly TargetSpec[] = config.targets ?? [];
  // dependsOn: a dependency with a height probe is ready once the watchers see it in_sync.
  supervisor.useHealth((node) => observations.get(node)?.health);
  observations.onHealth(() => supervisor.healthChanged());
  // One keeper of rollouts for the API and reload; the supervisor restarts, the rollout decides when.
  const rollouts = new Rollouts(
    {
      spec: (n) => supervisor.spec(n),
      state: (n) => supervisor.runner(n)?.snapshot().state,
      health: (n) => observations.get(n)?.health,
      restart: (n) =>
        supervisor.isShuttingDown
          ? { outcome: 'refused', why: 'the daemon is shutting down' }
          : answerOf(supervisor.rollingRestart(n)),
    },
    {
      onState: (fn) => bus.on('state', (s) => fn(s.node, s.to)),
      onObservation: (fn) => observations.onUpdate(fn),
    },
    p.clock,
    () => ({
      parallel: supervisor.managerConfig().startup.concurrency,
      gateMs: supervisor.managerConfig().rollout.gateMs,
    }),
    (s) => logger.info(`${s.node}: rollout of ${s.group}: ${s.message}`),
  );
  // A reload's config restarts roll through the gate; nodes already in a rollout are left to the supervisor's own queue.
  // Nodes the rollout did not restart (stopped group, gate bound) go back to the supervisor's queue.
  supervisor.useConfigRoller((nodes) => {
    const run = rollouts.begin(nodes, {
      restart: (n) =>
        supervisor.isShuttingDown
          ? { outcome: 'refused', why: 'the daemon is shutting down' }
          : answerOf(supervisor.configRestart(n)),
    });
    void run.rollout.done.then(() => supervisor.configRollEnded(nodes));
    return run.busy;
  });
  const watchers: Watcher[] = [];
  /** Closed last, once the nodes are stopped: status answers and `shutdown --wait` follows the stops until then. */
  let control: { close(): Promise<void> } | null = null;
  let stopping: Promise<void> | null = null;
  let resolveStopped!: () => void;
  const stopped = new Promise<void>((r) => (resolveStopped = r));

  const daemon: Daemon = {
    manager: p.manager,
    bus,
    store,
    supervisor,
    logger,
    configDir: p.configDir,
    redaction: p.redaction,
    containment: p.containment,
    stopped,
    observe: (node) => observations.get(node),
    observations,
    clock: p.clock,
    addWatcher(w) {
      watchers.push(w);
    },
    rollouts,
    targets: () => targets,
    targetStatus: () => [],
    async pendingSpecs(names) {
      const next = loadConfig(p.configDir, { secrets: store.secrets });
      p.redaction.learn([...sensitiveValues(next), ...store.secrets.values()]);
      const wanted = new Set(names);
      const specs = new Map(next.nodes.filter((n) => wanted.has(n.name)).map((n) => [n.name, n]));
      const changed = [...specs.values()].filter((n) => supervisor.spec(n.name)?.runHash !== n.runHash);
      const issues = await new ReloadStage(next.manager.stateDir).prepare([], changed);
      if (issues.length > 0) throw new ConfigError(p.configDir, issues);
      return specs;
    },
    reload() {
      // One reload at a time, whether it came from SIGHUP or the API.
      const run = reloadChain.then(() => reloadOnce());
      reloadChain = run.then(
        () => undefined,
        () => undefined,
      );
      return run;
    },
    previewReload,
    stop(opts = {}) {
      stopping ??= (async () => {
        p.clock.clearTimer(pruneTimer);
        for (const w of [...watchers].reverse()) {
          try {
            await w.stop();
          } catch (err) {
            logger.error(`stopping ${w.name} failed`, { error: String(err) });
          }
        }
        rollouts.cancelAll('the daemon is shutting down');
        await supervisor.shutdown(opts);
        bus.emit({
          node: null,
          type: 'manager_stopped',
          details: { pid: process.pid, keepNodes: Boolean(opts.keepNodes) },
        });
        try {
          await control?.close();
        } catch (err) {
          logger.error('stopping control server failed', { error: String(err) });
        }
        store.flush();
        store.close();
        p.lock.release();
        await logger.close();
        resolveStopped();
      })();
      return stopping;
    },
    kill() {
      supervisor.killAll();
    },
  };
  // Watchers subscribe before boot so they see adoption and reaping too.
  // WATCHERS: one line each, e.g. `attachAlerter(daemon);` (see each module's attach.ts).
  metricsFor(daemon); // counters fed by the bus must see boot's events too
  const observeProbe = metricsFor(daemon).observeProbe;
  const recordProbe = probeRecorder(
    store,
    (n) => supervisor.has(n),
    () => p.clock.wallNow(),
  );
  attachProber(daemon, {
    onProbe: (node, probe, seconds, ok) => {
      observeProbe(node, probe, seconds, ok);
      recordProbe(node, probe, seconds, ok);
    },
  });
  attachVersions(daemon);
  metricsFor(daemon).watchAlerts(attachAlerter(daemon));
  attachResources(daemon);
  attachTargets(daemon, { registry: metricsFor(daemon).registry, onProbe: recordProbe });

  // CONTROL: the control server comes up before any node is touched, so a
  // failure here leaves every survivor as it is, and status answers while
  // survivors are being reaped.
  try {
    control = await startControlServer(daemon);
  } catch (err) {
    // Nodes keep running for the next manager to adopt; startDaemon releases store, lock and logger.
    p.clock.clearTimer(pruneTimer);
    for (const w of [...watchers].reverse()) await Promise.resolve(w.stop()).catch(() => undefined);
    await supervisor.shutdown({ keepNodes: true });
    throw err;
  }

  // Synchronous: no request is served between the control server's start and
  // the adoption of every survivor; reaps run on in the nodes' runners.
  const persisted = new Map<string, PersistedNode>();
  for (const [name, rec] of store.loadNodes()) {
    const spec = supervisor.spec(name);
    persisted.set(name, {
      desired: rec.desired ?? (spec && !spec.autostart ? 'stopped' : 'running'),
      held: rec.held,
      identity: rec.process,
      runHash: rec.runHash,
      restarts: rec.restarts,
    });
  }
  supervisor.boot(persisted);

  return daemon;
}
