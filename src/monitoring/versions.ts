/**
 * Version changes (DESIGN §8 `version_changed`): the watchers' observations
 * carry each node's `version` probe answer; when a node reports a version
 * other than the one it reported last, that is an event. The last version is
 * kept in the state database, so a manager restart neither takes a node's
 * first answer for a change nor misses a change made while it was down. The
 * first version ever seen of a node is no event.
 */
import type { EventBus } from '../events/bus.js';
import type { Logger } from '../logger.js';
import type { Observations } from './observations.js';

/** The part of the daemon the version watcher uses (a structural subset of `Daemon`). */
export interface VersionHost {
  readonly bus: EventBus;
  readonly observations: Observations;
  readonly logger: Logger;
  readonly store: {
    nodeVersions(): Map<string, string>;
    recordVersion(node: string, version: string): boolean;
  };
  addWatcher(w: { name: string; stop(): Promise<void> | void }): void;
}

export function attachVersions(host: VersionHost): void {
  const last = host.store.nodeVersions();
  const off = host.observations.onUpdate((node, fields) => {
    const version = fields.version;
    if (typeof version !== 'string' || version === '') return;
    const before = last.get(node);
    if (before === version) return;
    last.set(node, version);
    host.store.recordVersion(node, version);
    if (before === undefined) return;
    host.logger.info(`${node}: version ${before} -> ${version}`);
    host.bus.emit({
      node,
      type: 'version_changed',
      reason: `${before} -> ${version}`,
      details: { fromVersion: before, toVersion: version },
    });
  });
  host.addWatcher({ name: 'versions', stop: off });
}
