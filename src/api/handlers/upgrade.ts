import type { NodeSpec } from '../../config/types.js';
import { NodewardenError } from '../../errors.js';
import { resolveEachStepwise } from '../../protocol/targets.js';
import type { RolloutLine, TargetResult, UpgradeRequest, UpgradeStreamLine } from '../../protocol/types.js';
import type { ApiContext } from '../context.js';
import { runPaced } from '../paced.js';
import { startRollout } from './rollout.js';
import { IN_A_ROLLOUT } from '../../policy/rollouts.js';

/** An upgrade ready to roll: the targets' specs now and on disk. */
export interface UpgradePlan {
  readonly req: UpgradeRequest;
  /** Nodes whose config on disk differs from what runs, in target order. */
  readonly changed: ReadonlyArray<{ readonly node: string; readonly from: NodeSpec; readonly to: NodeSpec }>;
  /** Targets with nothing to upgrade or that cannot be upgraded, already answered. */
  readonly answered: TargetResult[];
}

/**
 * `POST /api/upgrade`, first half: resolve the targets and read, validate and
 * prepare their config on disk (a ConfigError refuses the whole upgrade with
 * every problem; nothing is touched).
 */
export async function planUpgrade(ctx: ApiContext, req: UpgradeRequest): Promise<UpgradePlan> {
  const { daemon } = ctx;
  const sup = daemon.supervisor;
  if (sup.isShuttingDown)
    throw new NodewardenError('E_BAD_REQUEST', 'the daemon is shutting down; upgrade refused');
  if (!daemon.pendingSpecs)
    throw new NodewardenError('E_INTERNAL', 'this daemon cannot read its config again');
  const resolved = await runPaced(resolveEachStepwise(req.targets, sup.names()));
  const answered: TargetResult[] = [];
  const nodes: string[] = [];
  for (const [i, target] of req.targets.entries()) {
    const { nodes: ns, unknown } = resolved[i]!;
    if (unknown.length > 0) answered.push({ node: target, ok: false, message: 'ERROR (no such node)' });
    for (const n of ns) if (!nodes.includes(n)) nodes.push(n);
  }
  const onDisk = await daemon.pendingSpecs(nodes);
  const changed: Array<{ node: string; from: NodeSpec; to: NodeSpec }> = [];
  for (const node of nodes) {
    const from = sup.spec(node)!;
    const to = onDisk.get(node);
    if (!to)
      answered.push({ node, ok: false, message: 'ERROR (no longer in the config on disk; use reload)' });
    else if (to.runHash === from.runHash) answered.push({ node, ok: true, message: 'unchanged' });
    else changed.push({ node, from, to });
  }
  return { req, changed, answered };
}

/**
 * `POST /api/upgrade`, second half: roll the changed nodes onto their new
 * config through the gate (a rolling restart whose gate, with a `version`
 * probe, also wants a new version, or `expectVersion`). A node that passes is
 * `upgraded`; one that fails is put back on its previous config and started
 * again (`rolled_back`), and its group's rollout stops. Each step is written
 * as it happens, then every target's result.
 */
export async function runUpgrade(
  ctx: ApiContext,
  plan: UpgradePlan,
  write: (line: UpgradeStreamLine) => void,
): Promise<void> {
  const { daemon } = ctx;
  const sup = daemon.supervisor;
  const byNode = new Map(plan.changed.map((c) => [c.node, c]));
  const fromVersion = new Map(plan.changed.map((c) => [c.node, daemon.observe(c.node)?.version ?? null]));
  /** The version each node reported since it was restarted onto its new config. */
  const fresh = new Map<string, string>();
  const down = new Set<string>();
  const offState = daemon.bus.on('state', (s) => {
    if (byNode.has(s.node) && s.from === 'running') {
      down.add(s.node);
      fresh.delete(s.node);
    }
  });
  const offObs =
    daemon.observations?.onUpdate((node, fields) => {
      if (down.has(node) && typeof fields.version === 'string') fresh.set(node, fields.version);
    }) ?? (() => {});
  const expect = plan.req.expectVersion;
  const rolledBack = new Map<string, string>();

  const versionGate = (node: string): string | null | undefined => {
    const spec = byNode.get(node)?.to;
    if (!spec || !('version' in spec.probes)) return null;
    const v = fresh.get(node);
    if (v === undefined) return undefined;
    if (expect !== undefined)
      return sameVersion(v, expect) ? null : `reports version ${v}, expected ${expect}`;
    const before = fromVersion.get(node) ?? null;
    return before !== null && sameVersion(v, before) ? `still reports version ${v}` : null;
  };

  const details = (node: string): Record<string, unknown> => {
    const c = byNode.get(node)!;
    return {
      fromRunHash: c.from.runHash,
      toRunHash: c.to.runHash,
      fromVersion: fromVersion.get(node) ?? null,
      toVersion: fresh.get(node) ?? null,
    };
  };

  const onStep = (line: RolloutLine): void => {
    write(line);
    const c = byNode.get(line.node);
    if (!c) return;
    if (line.step === 'passed') {
      daemon.bus.emit({ node: line.node, type: 'upgraded', details: details(line.node) });
      return;
    }
    // A failed gate (not a restart refused: that node never left its config).
    if (line.step !== 'failed' || !line.message.startsWith('gate:')) return;
    const d = details(line.node);
    rolledBack.set(line.node, line.message);
    // Not from inside the state change that told the failure.
    queueMicrotask(() => {
      sup.rollBack(line.node, c.from);
      daemon.bus.emit({ node: line.node, type: 'rolled_back', reason: line.message, details: d });
    });
  };

  try {
    const { rollout, busy } = startRollout(
      ctx,
      plan.changed.map((c) => c.node),
      plan.req.parallel !== undefined ? { parallel: plan.req.parallel } : {},
      onStep,
      {
        restart: (n) => sup.upgradeRestart(n, byNode.get(n)!.to),
        extraGate: versionGate,
        extraGateName: expect !== undefined ? `version ${expect}` : 'a new version',
      },
    );
    const rolled = await rollout.done;
    // Let the rollbacks told by the last failure happen before answering.
    await new Promise<void>((r) => queueMicrotask(r));
    const results: TargetResult[] = [
      ...plan.answered,
      ...rolled.map((r) => {
        if (r.ok) return { node: r.node, ok: true, message: 'upgraded' };
        const why = rolledBack.get(r.node);
        return why ? { node: r.node, ok: false, message: `ERROR (${why}; rolled back)` } : r;
      }),
      ...busy.map((node) => ({ node, ok: false, message: `ERROR (${IN_A_ROLLOUT})` })),
    ];
    write({ type: 'result', results });
  } finally {
    offState();
    offObs();
  }
}

/** Versions compared as semver (a leading `v` or `name/` ignored); other strings must be equal. */
export function sameVersion(a: string, b: string): boolean {
  const pa = semver(a);
  const pb = semver(b);
  if (pa === null || pb === null) return a.trim() === b.trim();
  return pa.every((x, i) => x === pb[i]);
}

function semver(v: string): string[] | null {
  const m = /(\d+)\.(\d+)\.(\d+)(?:-([0-9A-Za-z.-]+))?/.exec(v);
  if (!m) return null;
  return [String(Number(m[1])), String(Number(m[2])), String(Number(m[3])), m[4] ?? ''];
}
