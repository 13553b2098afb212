import fs from 'node:fs';
import path from 'node:path';
import { NodewardenError } from '../errors.js';
import { isAlive, readStartTime } from './proc.js';

/**
 * Pid lock files: one manager per stateDir, one copy of a node per dataDir.
 * A lock names a process by pid AND /proc start time, so a lock left by a dead
 * process, or whose pid the kernel gave to another process since, is stale and
 * taken over. Calls are synchronous on purpose: check-and-create cannot
 * interleave with another acquire in the same manager.
 */

/** What a lock file holds. */
export interface LockOwner {
  readonly pid: number;
  readonly startTime: string;
  /** The manager that wrote it (node locks only). */
  readonly managerPid?: number;
  /** Run hash of the config the node was started with (node locks only): survives a lost database. */
  readonly runHash?: string;
}

export interface HeldLock {
  readonly path: string;
  /** The stale owner that was replaced, or null if the lock was free. */
  readonly takenOver: LockOwner | null;
  /** Rewrite the lock with a new owner (a node lock after its process is spawned). */
  update(owner: LockOwner): void;
  /** Remove the lock if it still holds what this handle last wrote. */
  release(): void;
}

/** The manager's own identity, as written into its lock. */
export function selfOwner(): LockOwner {
  return { pid: process.pid, startTime: readStartTime(process.pid) ?? '0' };
}

/** Reads a lock file; null when missing; an unparsable file counts as stale. */
export function readLock(file: string): { owner: LockOwner | null; ino: number } | null {
  let text: string;
  let ino: number;
  try {
    ino = fs.statSync(file).ino;
    text = fs.readFileSync(file, 'utf8');
  } catch (err) {
    if ((err as NodeJS.ErrnoException).code === 'ENOENT') return null;
    throw err;
  }
  try {
    const o = JSON.parse(text) as Partial<LockOwner>;
    if (typeof o.pid === 'number' && typeof o.startTime === 'string') return { owner: o as LockOwner, ino };
  } catch {
    // fall through: garbage is stale
  }
  return { owner: null, ino };
}

function ownerAlive(owner: LockOwner | null): boolean {
  return owner !== null && isAlive(owner.pid, owner.startTime);
}

function writeTemp(file: string, owner: LockOwner): string {
  const tmp = `${file}.${process.pid}.tmp`;
  fs.writeFileSync(tmp, JSON.stringify(owner) + '\n', { mode: 0o644 });
  return tmp;
}

/** Writes content to a temp file and hard-links it into place: the lock appears complete or not at all. */
function tryCreate(file: string, owner: LockOwner): boolean {
  const tmp = writeTemp(file, owner);
  try {
    fs.linkSync(tmp, file);
    return true;
  } catch (err) {
    if ((err as NodeJS.ErrnoException).code === 'EEXIST') return false;
    throw err;
  } finally {
    fs.rmSync(tmp, { force: true });
  }
}

/**
 * Moves a stale lock aside. If what got moved is not the file we judged stale
 * (another process took it over in between), that one is put back.
 */
function removeStale(file: string, staleIno: number): void {
  const aside = `${file}.stale.${process.pid}`;
  try {
    fs.renameSync(file, aside);
  } catch (err) {
    if ((err as NodeJS.ErrnoException).code === 'ENOENT') return;
    throw err;
  }
  if (fs.statSync(aside).ino !== staleIno) {
    try {
      fs.linkSync(aside, file);
    } catch {
      // someone created yet another lock meanwhile; theirs stands
    }
  }
  fs.rmSync(aside, { force: true });
}

/** Acquire `file` for owner, or call onLive with the live holder (which must throw). */
function acquire(
  file: string,
  owner: LockOwner,
  onLive: (holder: LockOwner) => never,
  mayReplace?: (h: LockOwner) => boolean,
): HeldLock {
  let takenOver: LockOwner | null = null;
  for (let attempt = 0; attempt < 5; attempt++) {
    if (tryCreate(file, owner)) return handle(file, owner, takenOver);
    const cur = readLock(file);
    if (!cur) continue;
    if (cur.owner && mayReplace?.(cur.owner)) {
      const h = handle(file, owner, null);
      h.update(owner);
      return h;
    }
    if (ownerAlive(cur.owner)) onLive(cur.owner!);
    takenOver = cur.owner ?? { pid: 0, startTime: '' };
    removeStale(file, cur.ino);
  }
  throw new NodewardenError('E_INTERNAL', `could not acquire lock ${file}: it keeps changing under us`);
}

function handle(file: string, first: LockOwner, takenOver: LockOwner | null): HeldLock {
  let current = first;
  const same = (o: LockOwner | null) =>
    o !== null && o.pid === current.pid && o.startTime === current.startTime;
  return {
    path: file,
    takenOver,
    update(owner) {
      fs.renameSync(writeTemp(file, owner), file);
      current = owner;
    },
    release() {
      const cur = readLock(file);
      if (cur && same(cur.owner)) fs.rmSync(file, { force: true });
    },
  };
}

/** Path of the manager lock in a stateDir. */
export function managerLockPath(stateDir: string): string {
  return path.join(stateDir, 'nodewarden.lock');
}

/**
 * One manager per stateDir. A live holder → E_LOCKED naming its pid and the
 * lock file; a dead one (or a reused pid) is taken over and reported in `takenOver`.
 */
export function acquireManagerLock(stateDir: string, owner: LockOwner = selfOwner()): HeldLock {
  fs.mkdirSync(stateDir, { recursive: true });
  const file = managerLockPath(stateDir);
  return acquire(file, owner, (h) => {
    throw new NodewardenError('E_LOCKED', `another nodewarden (pid ${h.pid}) holds ${file}`, {
      hint: `stop it first (\`nodewarden shutdown\` or \`kill ${h.pid}\`), or use another stateDir`,
      details: { pid: h.pid, lockFile: file },
    });
  });
}

/** Path of the per-node lock in a dataDir. */
export function nodeLockPath(dataDir: string): string {
  return path.join(dataDir, '.nodewarden-node.lock');
}

/** State of a node lock: `held` means a live process (node or its manager) owns it. */
export function checkNodeLock(dataDir: string): {
  state: 'free' | 'stale' | 'held';
  holder: LockOwner | null;
} {
  const cur = readLock(nodeLockPath(dataDir));
  if (!cur) return { state: 'free', holder: null };
  return { state: ownerAlive(cur.owner) ? 'held' : 'stale', holder: cur.owner };
}

/**
 * Never two copies of one node: take `<dataDir>/.nodewarden-node.lock` for owner
 * (before spawning: the manager itself; then `update` with the node's identity).
 * A live holder → E_NODE_LOCKED naming its pid, unless it is owner's own
 * process (re-adoption rewrites the manager pid). Stale → taken over.
 */
export function acquireNodeLock(dataDir: string, owner: LockOwner): HeldLock {
  const file = nodeLockPath(dataDir);
  return acquire(
    file,
    owner,
    (h) => {
      throw new NodewardenError('E_NODE_LOCKED', `${dataDir} is in use by process ${h.pid} (lock ${file})`, {
        hint: `another copy of this node is running (pid ${h.pid}${h.managerPid ? `, started by nodewarden pid ${h.managerPid}` : ''}); stop it or give this node its own dataDir`,
        details: { pid: h.pid, managerPid: h.managerPid ?? null, lockFile: file },
      });
    },
    (h) => h.pid === owner.pid && h.startTime === owner.startTime,
  );
}
