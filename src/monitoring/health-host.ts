import type { EventBus } from '../events/bus.js';
import type { Logger } from '../logger.js';
import type { Clock } from '../supervisor/clock.js';
import type { Supervisor } from '../supervisor/supervisor.js';
import type { Observations } from './observations.js';

/** The part of the supervisor the health watcher reads and acts through. */
export type HealthSupervisor = Pick<
  Supervisor,
  'names' | 'spec' | 'runner' | 'snapshots' | 'act' | 'groupMembers'
>;

/** The part of the daemon the health watcher uses (a structural subset of `Daemon`). */
export interface HealthHost {
  readonly bus: EventBus;
  readonly supervisor: HealthSupervisor;
  readonly observations: Observations;
  readonly clock: Clock;
  readonly logger: Logger;
  addWatcher(w: { name: string; stop(): Promise<void> | void }): void;
}

/** A node's sync group, or null for a node that is not configured (any more). */
export function groupOf(host: HealthHost, node: string): string | null {
  return host.supervisor.spec(node)?.sync.group ?? null;
}

/** The configured members of a sync group, in config order. */
export function membersOf(host: HealthHost, group: string): string[] {
  return host.supervisor.groupMembers(group);
}
