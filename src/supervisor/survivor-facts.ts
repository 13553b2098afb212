import type { NodeSpec } from '../config/types.js';
import type { Logger } from '../logger.js';
import type { NodeLockFacts } from './adoption.js';
import type { ProcessIdentity } from './driver.js';
import { acquireNodeLock, checkNodeLock } from './lock.js';
import { isAlive, readCmdline } from './proc.js';

/**
 * The boot-time facts about survivors that only the host can tell: whether a
 * recorded process still lives, and which live node process a node lock in a
 * dataDir names. Read synchronously from /proc and the lock file.
 */

/** Is this exact process (pid + start time) still alive, and what is its argv now? */
export function inspectProcess(id: ProcessIdentity): { alive: boolean; argv: readonly string[] | null } {
  const alive = isAlive(id.pid, id.startTime);
  return { alive, argv: alive ? readCmdline(id.pid) : null };
}

/**
 * The live node process `<dataDir>/.nodewarden-node.lock` names, or null (no
 * lock, a stale or unreadable one, or one a manager wrote for itself before
 * its spawn). A lock written by another live manager is reported as foreign.
 */
export function readNodeLockFacts(dataDir: string, self: number = process.pid): NodeLockFacts | null {
  let lock: ReturnType<typeof checkNodeLock>;
  try {
    lock = checkNodeLock(dataDir);
  } catch {
    return null; // unreadable: the spawn will say why, naming the file
  }
  const h = lock.holder;
  if (lock.state !== 'held' || h === null || h.pid === self) return null;
  // A manager's claim taken before its spawn names the manager itself, not a node.
  if (h.managerPid === undefined || h.managerPid === h.pid) return null;
  const argv = readCmdline(h.pid);
  if (argv === null) return null;
  const foreign = h.managerPid !== self && isAlive(h.managerPid) ? h.managerPid : null;
  return {
    // Every node leads its own process group (DESIGN §2).
    holder: { pid: h.pid, pgid: h.pid, startTime: h.startTime, argv },
    runHash: typeof h.runHash === 'string' ? h.runHash : null,
    foreignManager: foreign,
  };
}

/**
 * Rewrite an adopted node's lock with this manager's pid (and the run hash it
 * runs), or recreate it if it was lost, so another manager never mistakes the
 * node for an orphan. A lock held by another live process is left alone (logged).
 */
export function claimNodeLock(
  spec: Pick<NodeSpec, 'name' | 'dataDir'>,
  identity: ProcessIdentity,
  runHash: string,
  logger: Logger,
): void {
  try {
    acquireNodeLock(spec.dataDir, {
      pid: identity.pid,
      startTime: identity.startTime,
      managerPid: process.pid,
      runHash,
    });
  } catch (err) {
    logger.warn(`${spec.name}: could not claim the node lock of adopted pid ${identity.pid}`, {
      error: err instanceof Error ? err.message : String(err),
    });
  }
}
