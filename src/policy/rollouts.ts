import type { Clock } from '../supervisor/clock.js';
import type { ActOutcome } from '../supervisor/actions.js';
import {
  Rollout,
  type RestartAnswer,
  type RolloutFeed,
  type RolloutHost,
  type RolloutOptions,
  type RolloutStep,
} from './rollout.js';

/**
 * The daemon's one keeper of rolling restarts: `restart`, `upgrade` and the
 * config restarts of a reload all begin their rollouts here, so a node is in
 * at most one rollout at a time. A node already in a rollout is left out of a
 * second one, which answers it as `in a rollout`; it is free again once its
 * own rollout has passed it, failed it or ended.
 */

/** What a restart through `act` answers, as a rollout understands it. */
export function answerOf(out: ActOutcome): RestartAnswer {
  if (out.outcome === 'deferred')
    return {
      outcome: 'deferred',
      why: `${out.why}: ${out.details.running} running in ${out.details.group}, ${out.details.minHealthy} needed`,
    };
  if (out.outcome === 'refused') return { outcome: 'refused', why: out.why.replace(/_/g, ' ') };
  return { outcome: 'done' };
}

/** The rollout settings that come from the manager config unless a run gives its own. */
export interface RolloutDefaults {
  readonly parallel: number;
  readonly gateMs: number;
}

/** What one run may set: its own parallelism, its own restart, an extra gate. */
export interface RolloutRequest extends Pick<RolloutOptions, 'extraGate' | 'extraGateName'> {
  readonly parallel?: number;
  /** How this run restarts a node (default: the host's restart). */
  readonly restart?: (node: string) => RestartAnswer;
}

export interface StartedRollout {
  readonly rollout: Rollout;
  /** Each node's latest step (kept up to date while the rollout runs). */
  readonly lastSteps: ReadonlyMap<string, RolloutStep['step']>;
  /** The nodes left out because they are in another rollout. */
  readonly busy: readonly string[];
}

/** The message of a node left out of a rollout because it is in another one. */
export const IN_A_ROLLOUT = 'in a rollout';

export class Rollouts {
  /** Nodes some rollout still has to restart or gate. */
  private readonly taken = new Set<string>();
  private readonly live = new Set<Rollout>();

  constructor(
    private readonly host: RolloutHost,
    private readonly feed: RolloutFeed,
    private readonly clock: Clock,
    private readonly defaults: () => RolloutDefaults,
    private readonly onAnyStep: (s: RolloutStep) => void = () => {},
  ) {}

  /** Whether `node` is in a rollout now. */
  inRollout(node: string): boolean {
    return this.taken.has(node);
  }

  /** Start a rollout of the nodes of `nodes` not already in one. */
  begin(
    nodes: readonly string[],
    req: RolloutRequest = {},
    onStep: (s: RolloutStep) => void = () => {},
  ): StartedRollout {
    const busy = nodes.filter((n) => this.taken.has(n));
    const mine = nodes.filter((n) => !this.taken.has(n));
    for (const n of mine) this.taken.add(n);
    const held = new Set(mine);
    const release = (n: string): void => {
      if (held.delete(n)) this.taken.delete(n);
    };
    const lastSteps = new Map<string, RolloutStep['step']>();
    const host: RolloutHost = req.restart ? { ...this.bound(), restart: req.restart } : this.bound();
    const d = this.defaults();
    const rollout = new Rollout(
      host,
      this.feed,
      this.clock,
      mine,
      {
        parallel: req.parallel ?? d.parallel,
        gateMs: d.gateMs,
        ...(req.extraGate ? { extraGate: req.extraGate } : {}),
        ...(req.extraGateName ? { extraGateName: req.extraGateName } : {}),
      },
      (s) => {
        lastSteps.set(s.node, s.step);
        if (s.step === 'passed' || s.step === 'failed' || s.step === 'skipped') release(s.node);
        this.onAnyStep(s);
        onStep(s);
      },
    );
    this.live.add(rollout);
    void rollout.done.then(() => {
      this.live.delete(rollout);
      for (const n of [...held]) release(n);
    });
    rollout.start();
    return { rollout, lastSteps, busy };
  }

  /** End every rollout now (the daemon is stopping). */
  cancelAll(reason: string): void {
    for (const r of [...this.live]) r.cancel(reason);
  }

  private bound(): RolloutHost {
    const h = this.host;
    return {
      spec: (n) => h.spec(n),
      state: (n) => h.state(n),
      health: (n) => h.health(n),
      restart: (n) => h.restart(n),
    };
  }
}
