import type { NodeSpec } from '../config/types.js';
import type { RestartReason } from '../events/types.js';
import type { NodeRunner } from './runner.js';

/**
 * The one way policy acts on a node (DESIGN §7: decisions in Policy, execution
 * in the Supervisor). Every restart, stop, pause and resume that a policy
 * decides — sync verdicts, resource limits, host pressure, reload — is a
 * `PolicyAction` handed to `Supervisor.act`, which applies the house rules in
 * this one place before the node's runner sees it:
 *
 * - Holds: a held node gets no automatic action (pause, resume, and restarts
 *   for crash, out_of_sync, unreachable or resource): `refused: held`.
 *   Restarts for config, manual or upgrade, and stops, pass (the operator
 *   asked for them, through a command or a config change).
 * - `sync.minHealthy`: an action that takes a running member down (restart,
 *   pause, stop) is `deferred: min_healthy` when the node's sync group would
 *   be left with fewer running members than the highest `sync.minHealthy` of
 *   the group. Only `running` members count (starting, stopping and paused
 *   ones do not). A node alone in its group is exempt: only taking it down
 *   can heal it, and only its own `shed` lets pressure pause it. A `stop` with
 *   reason `config` (the node left the configuration) is never deferred; a
 *   restart with reason `config` (a reload changed the node) counts the floor
 *   as at most the other members, so it waits but always happens.
 * - An action the runner ignores in its current state (e.g. a resume of a
 *   node that is not paused) is `refused: no_effect`.
 */

/** What a policy asks of a node. */
export type PolicyAction =
  | {
      readonly kind: 'restart';
      readonly node: string;
      readonly reason: RestartReason;
      readonly details?: Readonly<Record<string, unknown>>;
      /** The profile the node runs after the restart (null = normal); shown in the event. */
      readonly profile?: string | null;
      /** The spec the new process starts from (a profile's), taking effect now. */
      readonly spec?: NodeSpec;
    }
  | {
      readonly kind: 'pause' | 'resume';
      readonly node: string;
      readonly reason: 'pressure';
      readonly details?: Readonly<Record<string, unknown>>;
    }
  | {
      readonly kind: 'stop';
      readonly node: string;
      readonly reason: 'config' | 'policy';
      readonly details?: Readonly<Record<string, unknown>>;
    };

/** Why an action was not carried out, and whether trying again later makes sense. */
export type ActOutcome =
  | { readonly outcome: 'done'; readonly stopped?: Promise<void> }
  | {
      readonly outcome: 'deferred';
      readonly why: 'min_healthy';
      readonly details: { readonly group: string; readonly running: number; readonly minHealthy: number };
    }
  | { readonly outcome: 'refused'; readonly why: 'held' | 'no_such_node' | 'no_effect' };

/** The part of the supervisor an action needs. */
export interface ActionTarget {
  names(): string[];
  spec(name: string): NodeSpec | undefined;
  runner(name: string): NodeRunner | undefined;
}

/** Restart reasons that come from automation, which a hold suspends. */
const AUTOMATIC: ReadonlySet<RestartReason> = new Set(['crash', 'out_of_sync', 'unreachable', 'resource']);

/** Apply the house rules to `a` and carry it out through the node's runner. */
export function act(sup: ActionTarget, a: PolicyAction): ActOutcome {
  const runner = sup.runner(a.node);
  const spec = sup.spec(a.node);
  if (!runner || !spec) return { outcome: 'refused', why: 'no_such_node' };
  const before = runner.snapshot();
  const automatic =
    a.kind === 'pause' || a.kind === 'resume' || (a.kind === 'restart' && AUTOMATIC.has(a.reason));
  if (before.held && automatic) return { outcome: 'refused', why: 'held' };

  const takesDown = a.kind !== 'resume' && !(a.kind === 'stop' && a.reason === 'config');
  if (takesDown && before.state === 'running') {
    const floor = groupFloor(sup, spec.sync.group);
    // A config restart must happen some day: in a group no bigger than its
    // floor it waits only until every other member runs (one at a time).
    const minHealthy =
      a.kind === 'restart' && a.reason === 'config'
        ? Math.min(floor.minHealthy, floor.members - 1)
        : floor.minHealthy;
    if (floor.members > 1 && floor.running - 1 < minHealthy) {
      return {
        outcome: 'deferred',
        why: 'min_healthy',
        details: { group: spec.sync.group, running: floor.running, minHealthy },
      };
    }
  }

  let stopped: Promise<void> | undefined;
  switch (a.kind) {
    case 'restart':
      runner.restart(a.reason, {
        ...(a.details ? { details: { ...a.details } } : {}),
        ...(a.profile !== undefined ? { profile: a.profile } : {}),
        ...(a.spec ? { spec: a.spec } : {}),
      });
      break;
    case 'pause':
      runner.pause({ ...a.details });
      break;
    case 'resume':
      runner.resume({ ...a.details });
      break;
    case 'stop':
      stopped = runner.stop();
      break;
  }
  const after = runner.snapshot();
  if (a.kind !== 'stop' && after.state === before.state && after.pid === before.pid)
    return { outcome: 'refused', why: 'no_effect' };
  return stopped ? { outcome: 'done', stopped } : { outcome: 'done' };
}

/** Configured and running members of a sync group, and its highest `sync.minHealthy`. */
function groupFloor(
  sup: ActionTarget,
  group: string,
): { members: number; running: number; minHealthy: number } {
  let members = 0;
  let running = 0;
  let minHealthy = 0;
  for (const n of sup.names()) {
    const s = sup.spec(n);
    if (s?.sync.group !== group) continue;
    members++;
    minHealthy = Math.max(minHealthy, s.sync.minHealthy);
    if (sup.runner(n)?.snapshot().state === 'running') running++;
  }
  return { members, running, minHealthy };
}
