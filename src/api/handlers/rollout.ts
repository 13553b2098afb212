import { Rollout, type RolloutOptions, type RolloutStep } from '../../policy/rollout.js';
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
  if (!req.wait && req.timeoutMs === undefined) {
    return nodes.map((node) => {
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
    return await rollout.rollout.done;
  } finally {
    if (timer) clock.clearTimer(timer);
  }
}

/** What an upgrade adds to a rolling restart: its own restart and an extra gate. */
export interface RolloutExtra extends Pick<RolloutOptions, 'extraGate' | 'extraGateName'> {
  restart?: (node: string) => ActOutcome;
}

interface Started {
  readonly rollout: Rollout;
  /** Each node's latest step (kept up to date while the rollout runs). */
  readonly lastSteps: ReadonlyMap<string, RolloutStep['step']>;
}

/** Build, wire and start a rollout; it ends by itself, or when the control server closes. */
export function startRollout(
  ctx: ApiContext,
  nodes: readonly string[],
  req: Pick<ActionRequest, 'parallel'>,
  onStep: (line: RolloutLine) => void,
  extra: RolloutExtra = {},
): Started {
  const { daemon } = ctx;
  const sup = daemon.supervisor;
  const lastSteps = new Map<string, RolloutStep['step']>();
  const rollout = new Rollout(
    {
      spec: (n) => sup.spec(n),
      state: (n) => sup.runner(n)?.snapshot().state,
      health: (n) => daemon.observe(n)?.health,
      restart: (n) => {
        if (sup.isShuttingDown) return { outcome: 'refused', why: 'the daemon is shutting down' };
        const out = extra.restart ? extra.restart(n) : sup.rollingRestart(n);
        if (out.outcome === 'deferred')
          return {
            outcome: 'deferred',
            why: `${out.why}: ${out.details.running} running in ${out.details.group}, ${out.details.minHealthy} needed`,
          };
        if (out.outcome === 'refused') return { outcome: 'refused', why: out.why.replace(/_/g, ' ') };
        return { outcome: 'done' };
      },
    },
    {
      onState: (fn) => daemon.bus.on('state', (s) => fn(s.node, s.to)),
      onHealth: (fn) => daemon.observations?.onUpdate(fn) ?? (() => {}),
    },
    daemon.clock,
    nodes,
    {
      parallel: req.parallel ?? sup.managerConfig().startup.concurrency,
      gateMs: sup.managerConfig().rollout.gateMs,
      ...(extra.extraGate ? { extraGate: extra.extraGate } : {}),
      ...(extra.extraGateName ? { extraGateName: extra.extraGateName } : {}),
    },
    (s) => {
      lastSteps.set(s.node, s.step);
      daemon.logger.info(`${s.node}: rollout of ${s.group}: ${s.message}`);
      onStep({ type: 'rollout', ts: daemon.clock.wallNow(), ...s });
    },
  );
  const { signal } = ctx.lifecycle;
  const onAbort = (): void => rollout.cancel('the daemon is shutting down');
  signal.addEventListener('abort', onAbort);
  void ctx.lifecycle.track(rollout.done).then(() => signal.removeEventListener('abort', onAbort));
  rollout.start();
  return { rollout, lastSteps };
}
