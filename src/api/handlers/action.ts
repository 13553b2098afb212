import { resolveEachStepwise } from '../../protocol/targets.js';
import type {
  ActionRequest,
  ActionResponse,
  ActionVerb,
  RolloutLine,
  TargetResult,
} from '../../protocol/types.js';
import type { ApiContext } from '../context.js';
import { runPaced } from '../paced.js';
import { rollingRestart } from './rollout.js';
import { waitForRunning, waitForStopped, type WaitOutcome } from '../wait.js';

/** Past tense of each verb, the message of a target it was applied to. */
const DONE: Readonly<Record<ActionVerb, string>> = {
  start: 'started',
  stop: 'stopped',
  restart: 'restarted',
  hold: 'held',
  release: 'released',
};

/** States in which a node has (or is about to have) no process. */
const AT_REST: ReadonlySet<string> = new Set(['stopped', 'exited', 'fatal', 'paused']);

/**
 * `POST /api/actions/:verb` and `POST /api/nodes/:name/:verb`: expand the
 * targets (names, globs, `all`) and apply the verb to each node, in parallel.
 * One result per node in the order the targets name them; a target that names
 * nothing is `ERROR (no such node)`. With `wait`, start/restart answer once
 * the node is `running`, stop once it is `stopped`.
 */
export async function handleAction(
  ctx: ApiContext,
  verb: ActionVerb,
  req: ActionRequest,
  hooks: {
    onNodes?(nodes: readonly string[]): void;
    onRollout?(line: RolloutLine): void;
  } = {},
): Promise<ActionResponse> {
  const names = ctx.daemon.supervisor.names();
  const seen = new Set<string>();
  const jobs: Array<Promise<TargetResult>> = [];
  const resolved = await runPaced(resolveEachStepwise(req.targets, names));
  // Told before any node is acted on (progress streams follow exactly these nodes).
  hooks.onNodes?.(resolved.flatMap((r) => r.nodes));
  // A restart of several nodes rolls through their sync groups (unless `now`).
  const all = [...new Set(resolved.flatMap((r) => r.nodes))];
  if (verb === 'restart' && !req.now && all.length > 1 && !ctx.daemon.supervisor.isShuttingDown) {
    const rolled = new Map((await rollingRestart(ctx, all, req, hooks.onRollout)).map((r) => [r.node, r]));
    const results: TargetResult[] = [];
    for (const [i, target] of req.targets.entries()) {
      const { nodes, unknown } = resolved[i]!;
      if (unknown.length > 0) results.push({ node: target, ok: false, message: 'ERROR (no such node)' });
      for (const node of nodes) {
        const r = rolled.get(node);
        if (!r) continue;
        rolled.delete(node);
        results.push(r);
      }
    }
    return { results };
  }
  for (const [i, target] of req.targets.entries()) {
    const { nodes, unknown } = resolved[i]!;
    if (unknown.length > 0)
      jobs.push(Promise.resolve({ node: target, ok: false, message: 'ERROR (no such node)' }));
    for (const node of nodes) {
      if (seen.has(node)) continue;
      seen.add(node);
      jobs.push(
        actOn(ctx, verb, node, req).catch((err: unknown) =>
          failed(node, err instanceof Error ? err.message : String(err)),
        ),
      );
    }
  }
  return { results: await Promise.all(jobs) };
}

async function actOn(
  ctx: ApiContext,
  verb: ActionVerb,
  node: string,
  req: ActionRequest,
): Promise<TargetResult> {
  const sup = ctx.daemon.supervisor;
  const before = sup.runner(node)?.snapshot();
  if (!before) return failed(node, 'no such node');
  const ok = (message: string): TargetResult => ({ node, ok: true, message });
  // While every node is being stopped for good, nothing may start again.
  if ((verb === 'start' || verb === 'restart') && sup.isShuttingDown)
    return failed(node, 'the daemon is shutting down');
  switch (verb) {
    case 'hold':
      if (before.held) return ok('already held');
      sup.hold([node]);
      return ok(DONE.hold);
    case 'release':
      if (!before.held) return ok('not held');
      sup.release([node]);
      return ok(DONE.release);
    case 'stop': {
      const atRest = AT_REST.has(before.state) && before.pid === null;
      const stopped = sup.stop([node]);
      // Nobody may be left awaiting it; a failure is logged, never an unhandled rejection.
      stopped.catch((err: unknown) =>
        ctx.daemon.logger.error(`${node}: stop failed`, { error: String(err) }),
      );
      if (atRest) return ok('already stopped');
      if (!req.wait) return ok('stopping');
      const timeoutMs = req.timeoutMs ?? sup.spec(node)!.stop.graceMs + 30_000;
      return outcome(node, DONE.stop, await waitForStopped(ctx, stopped, timeoutMs));
    }
    case 'start':
    case 'restart': {
      if (verb === 'start' && before.state === 'running') {
        sup.start([node]); // records the intent; the machine ignores the start itself
        return ok('already running');
      }
      const spec = sup.spec(node)!;
      const defaultMs =
        spec.restart.startSeconds * 1000 + 60_000 + (verb === 'restart' ? spec.stop.graceMs : 0);
      // Subscribe before acting, so a quick `running` is not missed.
      const waiter = req.wait ? waitForRunning(ctx, node, req.timeoutMs ?? defaultMs) : null;
      try {
        if (verb === 'start') sup.start([node]);
        else sup.restart([node], 'manual');
      } catch (err) {
        waiter?.cancel();
        throw err;
      }
      if (!waiter) return ok(DONE[verb]);
      return outcome(node, DONE[verb], await waiter.done);
    }
  }
}

function outcome(node: string, done: string, o: WaitOutcome): TargetResult {
  return o.ok ? { node, ok: true, message: done } : failed(node, o.reason);
}

function failed(node: string, reason: string): TargetResult {
  return { node, ok: false, message: `ERROR (${reason})` };
}
