import type { RolloutOptions } from '../../policy/rollout.js';
import { answerOf, IN_A_ROLLOUT, type StartedRollout } from '../../policy/rollouts.js';
import type { ActionRequest, RolloutLine, TargetResult } from '../../protocol/types.js';
import type { ActOutcome } from '../../supervisor/actions.js';
import type { ApiContext } from '../context.js';

/**
 * A rolling restart of `nodes` (DESIGN §8 `restart <targets> [--parallel N]`):
 * the Rollout decides the order and the gates, the supervisor restarts each
 * node through `act` (which keeps the group's `sync.minHealthy`). With `wait`
 * the results come once the rollout has ended (or `timeoutMs` passed: the
 * nodes not yet restarted are left as they are); without, at once: the nodes
 * restarted now, and those that wait for their turn.
 */
export async function rollingRestart(
  ctx: ApiContext,
  nodes: readonly string[],
  req: ActionRequest,
  onStep: (line: RolloutLine) => void = () => {},
  extra: RolloutExtra = {},
): Promise<TargetResult[]> {
  const rollout = startRollout(ctx, nodes, req, onStep, extra);
  const last = rollout.lastSteps;
  const busy = new Set(rollout.busy);
  const inOther = (node: string): TargetResult => ({ node, ok: false, message: `ERROR (${IN_A_ROLLOUT})` });
  if (!req.wait && req.timeoutMs === undefined) {
    return nodes.map((node) => {
      if (busy.has(node)) return inOther(node);
      const step = last.get(node);
      if (step === 'failed' || step === 'skipped')
        return { node, ok: false, message: 'ERROR (not restarted)' };
      if (step === 'restarting' || step === 'gate' || step === 'passed')
        return { node, ok: true, message: 'restarted' };
      return { node, ok: true, message: 'queued (rolling restart)' };
    });
  }
  const { clock } = ctx.daemon;
  const timer =
    req.timeoutMs !== undefined
      ? clock.setTimer(req.timeoutMs, () => rollout.rollout.cancel('timed out waiting for the rollout'))
      : null;
  try {
    const rolled = new Map((await rollout.rollout.done).map((r) => [r.node, r]));
    return nodes.map((node) => rolled.get(node) ?? inOther(node));
  } finally {
    if (timer) clock.clearTimer(timer);
  }
}

/** What an upgrade adds to a rolling restart: its own restart and an extra gate. */
export interface RolloutExtra extends Pick<RolloutOptions, 'extraGate' | 'extraGateName'> {
  restart?: (node: string) => ActOutcome;
}

/**
 * Start a rollout through the daemon's one keeper of rollouts (a node already
 * in a rollout is left out and answered `in a rollout`); it ends by itself,
 * or when the control server closes.
 */
export function startRollout(
  ctx: ApiContext,
  nodes: readonly string[],
  req: Pick<ActionRequest, 'parallel'>,
  onStep: (line: RolloutLine) => void,
  extra: RolloutExtra = {},
): StartedRollout {
  const { daemon } = ctx;
  const sup = daemon.supervisor;
  const restart = extra.restart;
  const started = daemon.rollouts.begin(
    nodes,
    {
      ...(req.parallel !== undefined ? { parallel: req.parallel } : {}),
      ...(restart
        ? {
            restart: (n: string) =>
              sup.isShuttingDown
                ? { outcome: 'refused' as const, why: 'the daemon is shutting down' }
                : answerOf(restart(n)),
          }
        : {}),
      ...(extra.extraGate ? { extraGate: extra.extraGate } : {}),
      ...(extra.extraGateName ? { extraGateName: extra.extraGateName } : {}),
    },
    (s) => onStep({ type: 'rollout', ts: daemon.clock.wallNow(), ...s }),
  );
  const { rollout } = started;
  const { signal } = ctx.lifecycle;
  const onAbort = (): void => rollout.cancel('the daemon is shutting down');
  signal.addEventListener('abort', onAbort);
  void ctx.lifecycle.track(rollout.done).then(() => signal.removeEventListener('abort', onAbort));
  return started;
}
