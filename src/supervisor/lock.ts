import fs from 'node:fs';
import path from 'node:path';
import { NodewardenError } from '../errors.js';
import { isAlive, readStartTime } from './proc.js';
import { lstatIn, openDir, readNoFollow, SafeDir, tempName, writeExclusiveSync } from './safe-fs.js';

/**
 * Pid lock files: one manager per stateDir, one copy of a node per dataDir.
 * A lock names a process by pid AND /proc start time, so a lock left by a dead
 * process, or whose pid the kernel gave to another process since, is stale and
 * taken over. Calls are synchronous on purpose: check-and-create cannot
 * interleave with another acquire in the same manager.
 *
 * A node lock lives in a dataDir the node's user owns: it is written under an
 * unpredictable temp name with O_EXCL|O_NOFOLLOW, linked or renamed into place
 * within the directory's fd, and read with O_NOFOLLOW, so no link planted
 * there can redirect a write (safe-fs.ts).
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

/** Lock files are a line of JSON; anything longer is garbage (and stale). */
const MAX_LOCK_BYTES = 4096;

/**
 * Where a lock lives: opens its directory for fd-relative work. Node locks
 * sit in a dataDir the node's user owns, so that one is reached by a safe
 * walk (safe-fs.ts); the manager's stateDir is its own.
 */
type DirOpener = () => SafeDir;

function nodeDir(dataDir: string): DirOpener {
  return () => openDir(dataDir);
}

function plainDir(dir: string): DirOpener {
  return () => new SafeDir(fs.openSync(dir, fs.constants.O_RDONLY | fs.constants.O_DIRECTORY), dir);
}

function withDir<T>(open: DirOpener, fn: (dir: SafeDir) => T): T {
  const dir = open();
  try {
    return fn(dir);
  } finally {
    dir.close();
  }
}

/** Parses a lock read without following links; a link, FIFO or unparsable file counts as stale. */
function readLockIn(dir: SafeDir, name: string): { owner: LockOwner | null; ino: number } | null {
  const r = readNoFollow(dir, name, MAX_LOCK_BYTES);
  if (r === null) return null;
  if (r.kind === 'other') return { owner: null, ino: r.ino };
  try {
    const o = JSON.parse(r.text) as Partial<LockOwner>;
    if (typeof o.pid === 'number' && typeof o.startTime === 'string')
      return { owner: o as LockOwner, ino: r.ino };
  } catch {
    // fall through: garbage is stale
  }
  return { owner: null, ino: r.ino };
}

/**
 * Reads a lock file without following a link at its path or (walked safely)
 * on its directory's path; null when missing; a link, FIFO or unparsable file
 * counts as stale.
 */
export function readLock(file: string): { owner: LockOwner | null; ino: number } | null {
  let dir: SafeDir;
  try {
    dir = openDir(path.dirname(file));
  } catch (err) {
    if ((err as NodeJS.ErrnoException).code === 'ENOENT') return null;
    throw err;
  }
  try {
    return readLockIn(dir, path.basename(file));
  } finally {
    dir.close();
  }
}

function ownerAlive(owner: LockOwner | null): boolean {
  return owner !== null && isAlive(owner.pid, owner.startTime);
}

/** Writes owner to a new temp file with an unpredictable name (O_EXCL|O_NOFOLLOW); returns its name. */
function writeTemp(dir: SafeDir, name: string, owner: LockOwner): string {
  const tmp = tempName(name);
  writeExclusiveSync(dir, tmp, JSON.stringify(owner) + '\n', { mode: 0o644 });
  return tmp;
}

/** Writes content to a temp file and hard-links it into place: the lock appears complete or not at all. */
function tryCreate(dir: SafeDir, name: string, owner: LockOwner): boolean {
  const tmp = writeTemp(dir, name, owner);
  try {
    // link() neither follows nor replaces whatever (a link included) is at the lock's name.
    fs.linkSync(dir.at(tmp), dir.at(name));
    return true;
  } catch (err) {
    if ((err as NodeJS.ErrnoException).code === 'EEXIST') return false;
    throw err;
  } finally {
    fs.rmSync(dir.at(tmp), { force: true });
  }
}

/**
 * Moves a stale lock aside. If what got moved is not the file we judged stale
 * (another process took it over in between), that one is put back.
 */
function removeStale(dir: SafeDir, name: string, staleIno: number): void {
  const aside = tempName(`${name}.stale`);
  try {
    fs.renameSync(dir.at(name), dir.at(aside));
  } catch (err) {
    if ((err as NodeJS.ErrnoException).code === 'ENOENT') return;
    throw err;
  }
  if (lstatIn(dir, aside)?.ino !== staleIno) {
    try {
      fs.linkSync(dir.at(aside), dir.at(name));
    } catch {
      // someone created yet another lock meanwhile; theirs stands
    }
  }
  // unlink, never a recursive removal: a directory planted here stays and fails loudly.
  fs.unlinkSync(dir.at(aside));
}

/** Acquire `name` in the directory for owner, or call onLive with the live holder (which must throw). */
function acquire(
  open: DirOpener,
  file: string,
  owner: LockOwner,
  onLive: (holder: LockOwner) => never,
  mayReplace?: (h: LockOwner) => boolean,
): HeldLock {
  const name = path.basename(file);
  let takenOver: LockOwner | null = null;
  const got = withDir(open, (dir) => {
    for (let attempt = 0; attempt < 5; attempt++) {
      if (tryCreate(dir, name, owner)) return true;
      const cur = readLockIn(dir, name);
      if (!cur) continue;
      if (cur.owner && mayReplace?.(cur.owner)) {
        replace(dir, name, owner);
        takenOver = null;
        return true;
      }
      if (ownerAlive(cur.owner)) onLive(cur.owner!);
      takenOver = cur.owner ?? { pid: 0, startTime: '' };
      removeStale(dir, name, cur.ino);
    }
    return false;
  });
  if (!got)
    throw new NodewardenError('E_INTERNAL', `could not acquire lock ${file}: it keeps changing under us`);
  return handle(open, file, owner, takenOver);
}

/** Replaces the lock's content atomically (temp + rename within the directory). */
function replace(dir: SafeDir, name: string, owner: LockOwner): void {
  const tmp = writeTemp(dir, name, owner);
  try {
    fs.renameSync(dir.at(tmp), dir.at(name));
  } catch (err) {
    fs.rmSync(dir.at(tmp), { force: true });
    throw err;
  }
}

function handle(open: DirOpener, file: string, first: LockOwner, takenOver: LockOwner | null): HeldLock {
  const name = path.basename(file);
  let current = first;
  const same = (o: LockOwner | null) =>
    o !== null && o.pid === current.pid && o.startTime === current.startTime;
  return {
    path: file,
    takenOver,
    update(owner) {
      withDir(open, (dir) => replace(dir, name, owner));
      current = owner;
    },
    release() {
      let dir: SafeDir;
      try {
        dir = open();
      } catch (err) {
        // The directory is gone, and the lock with it.
        if ((err as NodeJS.ErrnoException).code === 'ENOENT') return;
        throw err;
      }
      try {
        const cur = readLockIn(dir, name);
        if (cur && same(cur.owner)) fs.rmSync(dir.at(name), { force: true });
      } finally {
        dir.close();
      }
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
  return acquire(plainDir(stateDir), file, owner, (h) => {
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
    nodeDir(dataDir),
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
