import type { NodeSpec } from '../config/types.js';
import { NodewardenError } from '../errors.js';
import type { EventBus } from '../events/bus.js';
import type { NodewardenEvent, RestartReason } from '../events/types.js';
import { nullLogger, type Logger } from '../logger.js';
import { sameArgv } from './adoption.js';
import type { Clock } from './clock.js';
import type { ProcessDriver, ProcessIdentity } from './driver.js';
import { transition } from './machine.js';
import { TIMER_INPUT, type Effect, type Input, type NodeState } from './machine-types.js';
import { NamedTimers } from './named-timers.js';
import { ProcessSlot } from './process-slot.js';
import type { StateKind } from './states.js';

export interface NodeRunnerDeps {
  spec: NodeSpec;
  driver: ProcessDriver;
  clock: Clock;
  bus: EventBus;
  /** The fd the node's stdout and stderr go to; asked for at every spawn. */
  outputFd: () => number;
  /** Uniform [0, 1) for backoff jitter (default Math.random). */
  random?: () => number;
  logger?: Logger;
  /** Throw on an illegal transition (tests) instead of logging it. */
  strict?: boolean;
  /**
   * Told the identity of each new process (again once its exec chain has
   * settled), with the run hash of the config it runs, and null once it is
   * gone (crash-safety records).
   */
  onProcess?: (identity: ProcessIdentity | null, runHash: string | null) => void;
}

/** A node as status, metrics and the control API see it. */
export interface NodeSnapshot {
  readonly name: string;
  readonly state: StateKind;
  readonly pid: number | null;
  /** Wall-clock ms when the node entered its state. */
  readonly since: number;
  /** Wall-clock ms when the current process started (for a survivor: its real start from /proc), or null. */
  readonly startedAt: number | null;
  /** Restarts (automatic and commanded) since the node was first recorded: earlier managers' count included. */
  readonly restarts: number;
  readonly exitCode: number | null;
  readonly exitSignal: NodeJS.Signals | null;
  readonly held: boolean;
  /** Failures in a row (failed starts and crashes before a stable run). */
  readonly attempt: number;
  readonly lastEvent: NodewardenEvent | null;
}

/** Restart reasons that come from automation, which a hold suspends. */
const AUTOMATIC_REASONS: ReadonlySet<RestartReason> = new Set([
  'crash',
  'out_of_sync',
  'unreachable',
  'resource',
]);

/**
 * The imperative shell around the pure machine, one per node. Inputs go
 * through a mailbox: each is applied synchronously (transition, then effects)
 * and results of effects (a spawn, an exit, a timer) come back as new inputs,
 * so the node is serial and no two awaits race over its state. Results that
 * belong to an older process generation (ProcessSlot) or an older timer
 * (NamedTimers) are dropped. It knows nothing of logs, the store or alerts.
 */
export class NodeRunner {
  private spec: NodeSpec;
  private state: NodeState;
  private held = false;
  private readonly slot: ProcessSlot;
  private readonly timers: NamedTimers;
  private readonly mailbox: Input[] = [];
  private draining = false;
  private detached = false;
  private idleWaiters: Array<() => void> = [];
  private sinceWall: number;
  private restarts = 0;
  /** Run hash of the config the current process was started with (an adopted one: as recorded). */
  private processRunHash: string | null = null;
  private lastEvent: NodewardenEvent | null = null;
  private readonly logger: Logger;
  private readonly random: () => number;
  /** Illegal transitions and failed OS calls seen (logged; a metric may export it). */
  internalErrors = 0;

  constructor(private readonly deps: NodeRunnerDeps) {
    this.spec = deps.spec;
    this.logger = deps.logger ?? nullLogger;
    this.random = deps.random ?? Math.random;
    this.state = { kind: 'stopped', since: deps.clock.now() };
    this.sinceWall = deps.clock.wallNow();
    this.timers = new NamedTimers(deps.clock, (name) => this.dispatch(TIMER_INPUT[name]));
    this.slot = new ProcessSlot(
      deps.driver,
      () => deps.clock.wallNow(),
      {
        spawned: (identity) => {
          this.deps.onProcess?.(identity, this.processRunHash);
          this.dispatch({ type: 'spawned', identity });
        },
        spawnFailed: (error) => this.dispatch({ type: 'spawnFailed', error }),
        exited: (exit) => {
          this.deps.onProcess?.(null, null);
          this.dispatch({ type: 'processExited', code: exit.code, signal: exit.signal });
        },
        broken: (err) => {
          this.internalError('input from an async result failed', err);
          if (this.deps.strict) throw err; // tests: stays an unhandled rejection
        },
      },
      this.logger,
      deps.spec.name,
    );
  }

  get name(): string {
    return this.spec.name;
  }

  start(): void {
    this.dispatch({ type: 'start' });
  }

  /** Stop; resolves once the node rests (stopped, exited or fatal) with no process. */
  stop(): Promise<void> {
    this.dispatch({ type: 'stop' });
    return this.whenIdle();
  }

  /** Stop and spawn again. `spec` (e.g. a profile's) takes effect for the new process. */
  restart(
    reason: RestartReason,
    opts: { profile?: string | null; spec?: NodeSpec; details?: Record<string, unknown> } = {},
  ): void {
    if (this.held && AUTOMATIC_REASONS.has(reason)) {
      this.logger.info(`${this.name}: held, ${reason} restart not done`);
      return;
    }
    if (opts.spec) this.updateSpec(opts.spec);
    const profile = opts.profile ?? opts.spec?.profile ?? null;
    this.dispatch({ type: 'restart', reason, profile, ...(opts.details ? { details: opts.details } : {}) });
  }

  /** Host pressure: stop and stay down until `resume`. Ignored while held. */
  pause(details: Record<string, unknown> = {}): void {
    if (this.held) return;
    this.dispatch({ type: 'pause', details });
  }

  resume(details: Record<string, unknown> = {}): void {
    if (this.held) return;
    this.dispatch({ type: 'resume', details });
  }

  /** A second shutdown signal: SIGKILL the process tree now. */
  kill(): void {
    this.dispatch({ type: 'kill' });
  }

  /**
   * Take over a survivor of a previous manager (same pid and start time).
   * `runHash` is the config it was started with, as recorded (default: the
   * current one); `details` go into the `adopted` event.
   */
  adopt(
    identity: ProcessIdentity,
    opts: { runHash?: string | null; details?: Record<string, unknown> } = {},
  ): void {
    if (this.state.kind === 'stopped') this.processRunHash = opts.runHash ?? this.spec.runHash;
    this.dispatch({ type: 'adopt', identity, ...(opts.details ? { details: opts.details } : {}) });
  }

  /**
   * Stop a survivor of a previous manager that no longer matches its config,
   * through the same stopping state as any stop (signal, grace, killTree);
   * resolves once it is gone. Its end is recorded `orphan_reaped` with `reason`.
   */
  reap(
    identity: ProcessIdentity,
    reason: string,
    opts: { runHash?: string | null; details?: Record<string, unknown> } = {},
  ): Promise<void> {
    if (this.state.kind === 'stopped') this.processRunHash = opts.runHash ?? null;
    this.dispatch({ type: 'reap', identity, reason, ...(opts.details ? { details: opts.details } : {}) });
    return this.whenIdle();
  }

  /** Go on counting restarts from what an earlier manager recorded (boot). */
  restoreRestarts(count: number): void {
    if (Number.isSafeInteger(count) && count > this.restarts) this.restarts = count;
  }

  /** Suspend every automatic action (maintenance) until `release`. */
  hold(): void {
    if (this.held || this.detached) return;
    this.held = true;
    this.lastEvent = this.deps.bus.emit({ node: this.name, type: 'held' });
    this.dispatch({ type: 'hold' });
  }

  release(): void {
    if (!this.held || this.detached) return;
    this.held = false;
    this.lastEvent = this.deps.bus.emit({ node: this.name, type: 'released' });
    this.dispatch({ type: 'release' });
  }

  /**
   * Stop managing this node and leave its process alone (`shutdown
   * --keep-nodes`): timers are cleared and later inputs and results are
   * dropped, so nothing keeps the event loop alive.
   */
  detach(): void {
    this.detached = true;
    this.slot.abandon();
    this.timers.clearAll();
    this.mailbox.length = 0;
  }

  /** Live settings update; a new runHash takes effect at the next spawn. */
  updateSpec(spec: NodeSpec): void {
    if (spec.name !== this.spec.name) {
      throw new NodewardenError(
        'E_INTERNAL',
        `runner of ${this.spec.name} was given the spec of ${spec.name}`,
      );
    }
    this.spec = spec;
  }

  processIdentity(): ProcessIdentity | null {
    return this.slot.identity();
  }

  snapshot(): NodeSnapshot {
    const s = this.state;
    return {
      name: this.name,
      state: s.kind,
      pid: this.slot.identity()?.pid ?? null,
      since: this.sinceWall,
      startedAt: this.slot.startedAt(),
      restarts: this.restarts,
      exitCode: this.slot.lastExit.code,
      exitSignal: this.slot.lastExit.signal,
      held: this.held,
      attempt: s.kind === 'starting' || s.kind === 'running' || s.kind === 'backoff' ? s.attempt : 0,
      lastEvent: this.lastEvent,
    };
  }

  /** The mailbox: apply `input` now, or after the input being applied if called from within it. */
  dispatch(input: Input): void {
    if (this.detached) return;
    this.mailbox.push(input);
    if (this.draining) return;
    this.draining = true;
    try {
      for (let next = this.mailbox.shift(); next; next = this.mailbox.shift()) this.step(next);
    } finally {
      this.draining = false;
      this.mailbox.length = 0;
    }
    this.settleIdleWaiters();
  }

  private step(input: Input): void {
    const { next, effects } = transition(this.state, input, {
      node: this.name,
      now: this.deps.clock.now(),
      policy: this.spec,
      held: this.held,
      random: this.random,
      strict: this.deps.strict ?? false,
    });
    // Before the state change and the emits: an adopted process's identity is
    // known when they are told, and a spawn's fork does not wait for the bus's
    // synchronous subscribers (crash → replacement latency). Neither emits
    // anything itself: their results come back later as inputs.
    for (const effect of effects) if (isEarly(effect)) this.perform(effect);
    const from = this.state;
    this.changeState(next);
    for (const effect of effects) {
      if (!isEarly(effect)) this.perform(effect);
      // A restart is counted where its spawn stands among the effects, so the
      // snapshot that subscribers read while the transition is told is unchanged.
      else if (effect.type === 'spawn' && (effect.cause === 'restart' || effect.cause === 'retry'))
        this.restarts++;
    }
    this.tellStopSteps(from, next, input, effects);
  }

  /** The facts of a stop as they happen (bus `stop`), for those who follow a stop (`--wait`). */
  private tellStopSteps(from: NodeState, next: NodeState, input: Input, effects: readonly Effect[]): void {
    const bus = this.deps.bus;
    for (const e of effects) {
      if (e.type === 'signalGroup' && next.kind === 'stopping')
        bus.emitStop(this.name, { step: 'signal', signal: e.signal, graceMs: this.spec.stop.graceMs });
      else if (e.type === 'killTree')
        bus.emitStop(this.name, {
          step: 'kill',
          reason: input.type === 'graceElapsed' ? 'grace over' : 'kill requested',
        });
    }
    if (from.kind === 'stopping' && next.kind !== 'stopping') {
      const exited = input.type === 'processExited' ? input : null;
      bus.emitStop(this.name, {
        step: 'stopped',
        exitCode: exited?.code ?? null,
        exitSignal: exited?.signal ?? null,
        elapsedMs: Math.max(0, Math.round(this.deps.clock.now() - from.since)),
        next: next.kind,
      });
    }
  }

  /** The one place the state is written; tells the bus of a new kind or a new pid. */
  private changeState(next: NodeState): void {
    const from = this.state;
    this.state = next;
    const kindChanged = from.kind !== next.kind;
    if (kindChanged) this.sinceWall = this.deps.clock.wallNow();
    const pid = pidOf(next);
    if (kindChanged || pidOf(from) !== pid) {
      this.deps.bus.emitState({ node: this.name, from: from.kind, to: next.kind, pid });
    }
  }

  private perform(e: Effect): void {
    switch (e.type) {
      case 'spawn':
        this.processRunHash = this.spec.runHash;
        return this.slot.spawn(() => ({ spec: this.spec, outputFd: this.deps.outputFd() }));
      case 'watch':
        this.slot.watch(e.identity);
        this.deps.onProcess?.(e.identity, this.processRunHash);
        return;
      case 'settle':
        return this.settle(e.pid);
      case 'signalGroup':
        try {
          this.slot.signal(e.pid, e.signal);
        } catch (err) {
          this.internalError(`${e.signal} to pid ${e.pid} failed`, err);
        }
        return;
      case 'killTree':
        return this.slot.kill(e.pid, (err) => this.internalError(`kill of pid ${e.pid} failed`, err));
      case 'setTimer':
        return this.timers.set(e.name, e.ms);
      case 'clearTimer':
        return this.timers.clear(e.name);
      case 'emit':
        this.lastEvent = this.deps.bus.emit(e.event);
        return;
      case 'internalError':
        return this.internalError(e.message);
    }
  }

  /** Re-read and record the identity of the live process once its exec chain has settled. */
  private settle(pid: number): void {
    const before = this.slot.identity();
    if (!before || before.pid !== pid || !this.deps.driver.identify) return;
    // null: the process is gone; we don't record anything here, its exit report will.
    const now = this.deps.driver.identify(before);
    if (!now || sameArgv(now.argv, before.argv) || !this.slot.reidentify(now)) return;
    this.deps.onProcess?.(now, this.processRunHash);
  }

  private internalError(message: string, cause?: unknown): void {
    this.internalErrors++;
    const detail = cause instanceof Error ? cause.message : cause === undefined ? undefined : String(cause);
    this.logger.error(`${this.name}: ${message}`, detail ? { cause: detail } : undefined);
  }

  private whenIdle(): Promise<void> {
    return new Promise((resolve) => {
      this.idleWaiters.push(resolve);
      if (!this.draining) this.settleIdleWaiters();
    });
  }

  private settleIdleWaiters(): void {
    const k = this.state.kind;
    if (this.slot.occupied() || !(k === 'stopped' || k === 'exited' || k === 'fatal')) return;
    const waiters = this.idleWaiters;
    this.idleWaiters = [];
    for (const w of waiters) w();
  }
}

/** Effects performed before the transition is told on the bus (see `step`). */
function isEarly(e: Effect): boolean {
  return e.type === 'watch' || e.type === 'spawn';
}

function pidOf(s: NodeState): number | null {
  return s.kind === 'starting' || s.kind === 'running' || s.kind === 'stopping' ? s.pid : null;
}
