import type { NodeSpec } from '../config/types.js';
import type { Clock, TimerHandle } from '../supervisor/clock.js';

/**
 * Rolling restarts (DESIGN §7: a decision of policy, carried out by the
 * supervisor). The nodes of a rollout are split by `sync.group`; within a group
 * they restart one at a time, each next node waiting for the previous one to
 * pass its gate: `running` again (the machine calls a node running once it has
 * stayed up `restart.startSeconds`), then `in_sync` when it has a height probe,
 * and whatever extra check the caller adds (an upgrade's version). The gate is
 * bounded by `gateMs`. A node that fails its gate stops its group's rollout;
 * the other groups go on. Groups roll in parallel, at most `parallel` at once
 * (0 = no limit).
 *
 * The orchestrator only decides: it learns of states and health through its
 * feed, measures time with the injected clock, and asks its host to restart a
 * node (the host goes through `Supervisor.act`, which keeps `sync.minHealthy`:
 * a deferred restart is tried again whenever a member of the group changes
 * state).
 */

/** How the host answered a restart request. */
export type RestartAnswer =
  | { readonly outcome: 'done' }
  | { readonly outcome: 'deferred'; readonly why: string }
  | { readonly outcome: 'refused'; readonly why: string };

/** The part of the manager a rollout needs. */
export interface RolloutHost {
  spec(node: string): NodeSpec | undefined;
  /** The node's lifecycle state (undefined: no such node). */
  state(node: string): string | undefined;
  /** The node's health as the prober last judged it. */
  health(node: string): string | undefined;
  /** Ask for the node's restart (its group's minHealthy may defer it). */
  restart(node: string): RestartAnswer;
}

/** What the rollout listens to: state changes and observation updates (health, version). */
export interface RolloutFeed {
  onState(fn: (node: string, to: string) => void): () => void;
  /** Every observation update (health, and the version an upgrade's extra gate reads). */
  onObservation(fn: (node: string) => void): () => void;
}

export interface RolloutOptions {
  /** Groups rolling at once (0 = no limit). */
  readonly parallel: number;
  /** Longest a node may take to pass its gate (and to be let down by its group's minHealthy). */
  readonly gateMs: number;
  /**
   * An extra gate check once the node runs (and is in sync): null = passed,
   * undefined = not known yet (checked again on the next update), a string = failed.
   */
  readonly extraGate?: (node: string) => string | null | undefined;
  /** What waiting for the extra gate is called in progress lines (e.g. `version`). */
  readonly extraGateName?: string;
}

export type RolloutStepKind = 'waiting' | 'restarting' | 'gate' | 'passed' | 'failed' | 'skipped';

/** One progress step of a rollout, for the operator. */
export interface RolloutStep {
  readonly node: string;
  readonly group: string;
  readonly step: RolloutStepKind;
  readonly message: string;
}

/** How the rollout ended for one node. */
export interface RolloutResult {
  readonly node: string;
  readonly ok: boolean;
  readonly message: string;
}

/** States in which a restarted node has failed its start (it did not stay up startSeconds). */
const FAILED: ReadonlySet<string> = new Set(['backoff', 'fatal', 'exited', 'stopped', 'paused']);

type Phase = 'idle' | 'deferred' | 'down' | 'up';

interface GroupRun {
  readonly name: string;
  readonly queue: string[];
  current: string | null;
  phase: Phase;
  timer: TimerHandle | null;
  deferredWhy: string;
  /** The current node's `gate` step was told. */
  gateTold: boolean;
}

export class Rollout {
  private readonly groups: GroupRun[] = [];
  private readonly waiting: GroupRun[] = [];
  private active = 0;
  private readonly results = new Map<string, RolloutResult>();
  private readonly offs: Array<() => void> = [];
  private resolveDone!: (r: RolloutResult[]) => void;
  /** Every node's result, in the order the nodes were given, once every group has ended. */
  readonly done: Promise<RolloutResult[]>;
  private finished = false;

  constructor(
    private readonly host: RolloutHost,
    private readonly feed: RolloutFeed,
    private readonly clock: Clock,
    private readonly nodes: readonly string[],
    private readonly opts: RolloutOptions,
    private readonly onStep: (s: RolloutStep) => void = () => {},
  ) {
    this.done = new Promise((resolve) => (this.resolveDone = resolve));
    const byGroup = new Map<string, GroupRun>();
    for (const n of nodes) {
      const spec = host.spec(n);
      if (!spec) {
        this.results.set(n, { node: n, ok: false, message: 'ERROR (no such node)' });
        continue;
      }
      let g = byGroup.get(spec.sync.group);
      if (!g) {
        g = {
          name: spec.sync.group,
          queue: [],
          current: null,
          phase: 'idle',
          timer: null,
          deferredWhy: '',
          gateTold: false,
        };
        byGroup.set(spec.sync.group, g);
        this.groups.push(g);
      }
      g.queue.push(n);
    }
  }

  /** Begin: subscribe, then start as many groups as `parallel` allows. */
  start(): this {
    this.offs.push(this.feed.onState((node, to) => this.onState(node, to)));
    this.offs.push(this.feed.onObservation((node) => this.onObservation(node)));
    this.waiting.push(...this.groups);
    this.fill();
    return this;
  }

  /** End every group now: nodes not yet restarted are reported as not restarted. */
  cancel(reason: string): void {
    for (const g of this.groups) {
      if (g.current !== null && !this.results.has(g.current)) this.fail(g, reason);
      else this.skipRest(g, reason);
    }
    this.waiting.length = 0;
    this.finish();
  }

  private fill(): void {
    while (this.waiting.length > 0 && (this.opts.parallel <= 0 || this.active < this.opts.parallel)) {
      const g = this.waiting.shift()!;
      this.active++;
      this.next(g);
    }
    if (this.active === 0 && this.waiting.length === 0) this.finish();
  }

  private finish(): void {
    if (this.finished) return;
    this.finished = true;
    for (const off of this.offs) off();
    for (const g of this.groups) this.clearTimer(g);
    this.resolveDone(
      this.nodes.map((n) => this.results.get(n) ?? { node: n, ok: false, message: 'ERROR (not restarted)' }),
    );
  }

  /** The group's next node, or the group's end. */
  private next(g: GroupRun): void {
    this.clearTimer(g);
    const node = g.queue.shift();
    if (node === undefined) {
      g.current = null;
      g.phase = 'idle';
      this.active--;
      this.fill();
      return;
    }
    g.current = node;
    g.phase = 'deferred';
    g.deferredWhy = '';
    g.gateTold = false;
    // One bound for the whole gate, the wait for the group's floor included.
    g.timer = this.clock.setTimer(this.opts.gateMs, () => {
      g.timer = null;
      if (g.current !== node) return;
      const why =
        g.phase === 'deferred'
          ? `not restarted: still waiting for its group after ${this.opts.gateMs} ms (${g.deferredWhy})`
          : `gate: not passed within ${this.opts.gateMs} ms (${this.gateState(node)})`;
      this.fail(g, why);
    });
    this.tryRestart(g);
  }

  private tryRestart(g: GroupRun): void {
    const node = g.current;
    if (node === null || g.phase !== 'deferred') return;
    const wasRunning = this.host.state(node) === 'running';
    const a = this.host.restart(node);
    if (a.outcome === 'deferred') {
      if (g.deferredWhy === '')
        this.step(node, g, 'waiting', `waiting for its group (${a.why}) before restarting`);
      g.deferredWhy = a.why;
      return;
    }
    if (a.outcome === 'refused') {
      this.results.set(node, { node, ok: false, message: `ERROR (${a.why})` });
      this.step(node, g, 'failed', `not restarted (${a.why})`);
      this.next(g);
      return;
    }
    // The runner carries the restart out in its own turn: a running node is
    // first seen leaving `running`; one that was not running only has to come up.
    g.phase = wasRunning ? 'down' : 'up';
    this.step(node, g, 'restarting', 'restarting');
  }

  private onState(node: string, to: string): void {
    for (const g of this.groups) {
      if (g.current === node) {
        if (g.phase === 'down' && to !== 'running') g.phase = 'up';
        if (g.phase === 'up') {
          if (FAILED.has(to)) {
            this.fail(g, `gate: ${to} before running ${this.startSeconds(node)}s`);
            continue;
          }
          if (to === 'running') this.check(g);
        }
      }
      // A member changing state may let a deferred restart go.
      if (g.phase === 'deferred' && this.host.spec(node)?.sync.group === g.name) {
        queueMicrotask(() => this.tryRestart(g));
      }
    }
  }

  private onObservation(node: string): void {
    for (const g of this.groups) if (g.current === node && g.phase === 'up') this.check(g);
  }

  /** The running node's gate: in sync when it has a height probe, then the extra check. */
  private check(g: GroupRun): void {
    const node = g.current;
    if (node === null || this.host.state(node) !== 'running') return;
    if (!g.gateTold) {
      g.gateTold = true;
      this.step(node, g, 'gate', this.waitingFor(node));
    }
    if (this.hasHeight(node) && this.host.health(node) !== 'in_sync') return;
    const extra = this.opts.extraGate ? this.opts.extraGate(node) : null;
    if (extra === undefined) return;
    if (typeof extra === 'string') {
      this.fail(g, `gate: ${extra}`);
      return;
    }
    this.results.set(node, { node, ok: true, message: 'restarted' });
    this.step(node, g, 'passed', 'passed its gate');
    g.phase = 'idle';
    this.clearTimer(g);
    // Not from inside the state change or update that told it: everyone else hears that first.
    queueMicrotask(() => {
      if (g.current === node && !this.finished) this.next(g);
    });
  }

  private fail(g: GroupRun, why: string): void {
    const node = g.current;
    if (node === null) return;
    this.clearTimer(g);
    this.results.set(node, { node, ok: false, message: `ERROR (${why})` });
    this.step(node, g, 'failed', why);
    g.current = null;
    g.phase = 'idle';
    this.skipRest(g, `rollout of group ${g.name} stopped at ${node}`);
    this.active--;
    // Other groups go on, but not from inside the state change that told this failure.
    queueMicrotask(() => this.fill());
  }

  private skipRest(g: GroupRun, why: string): void {
    for (const n of g.queue.splice(0)) {
      this.results.set(n, { node: n, ok: false, message: `ERROR (not restarted: ${why})` });
      this.step(n, g, 'skipped', `not restarted: ${why}`);
    }
  }

  private step(node: string, g: GroupRun, step: RolloutStepKind, message: string): void {
    this.onStep({ node, group: g.name, step, message });
  }

  private clearTimer(g: GroupRun): void {
    if (g.timer !== null) this.clock.clearTimer(g.timer);
    g.timer = null;
  }

  private hasHeight(node: string): boolean {
    const spec = this.host.spec(node);
    return spec !== undefined && 'height' in spec.probes;
  }

  private startSeconds(node: string): number {
    return this.host.spec(node)?.restart.startSeconds ?? 0;
  }

  private waitingFor(node: string): string {
    const parts: string[] = [];
    if (this.hasHeight(node)) parts.push('in_sync');
    if (this.opts.extraGate) parts.push(this.opts.extraGateName ?? 'its check');
    return parts.length === 0 ? 'running' : `running, waiting for ${parts.join(' and ')}`;
  }

  private gateState(node: string): string {
    const st = this.host.state(node) ?? 'gone';
    return this.hasHeight(node) && st === 'running'
      ? `running, health ${this.host.health(node) ?? 'unknown'}`
      : st;
  }
}
