import { FALLBACK_PROFILE, type GroupFacts, type MemberFacts } from '../policy/sync-actions.js';
import type { SyncPolicy } from '../policy/sync.js';
import type { HealthSupervisor } from './health-host.js';

/**
 * The facts the sync action planner decides on, read from the supervisor
 * (state, hold, settings) and the sync policy (health, episode) at one instant.
 */
export function groupFacts(
  group: string,
  members: readonly string[],
  sup: Pick<HealthSupervisor, 'spec' | 'runner'>,
  policy: SyncPolicy,
): GroupFacts {
  const out: MemberFacts[] = [];
  for (const name of members) {
    const spec = sup.spec(name);
    const runner = sup.runner(name);
    if (!spec || !runner) continue;
    const snap = runner.snapshot();
    out.push({
      name,
      state: snap.state,
      held: snap.held,
      health: policy.health(name),
      episode: policy.episode(name),
      healthSince: policy.healthSince(name),
      hasFallback: spec.profileNames.includes(FALLBACK_PROFILE),
      minHealthy: spec.sync.minHealthy,
      startupGraceMs: spec.sync.startupGraceMs,
      windowMs: spec.sync.windowMs,
    });
  }
  return { group, members: out };
}
