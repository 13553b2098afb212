import { createHash } from 'node:crypto';
import fs from 'node:fs';
import path from 'node:path';
import type { Containment } from './driver.js';

/**
 * Containment of a node's whole process tree in a cgroup of its own (cgroup
 * v2), where the hierarchy is writable: as root, or in a systemd unit with
 * `Delegate=yes`. A process can leave its process group and session
 * (setsid, double fork) but not its cgroup, so stopping a node by its cgroup
 * leaves nothing behind. Layout, below the cgroup nodewarden was started in
 * (`top`):
 *
 *   top/manager                      nodewarden itself (not when top is the root)
 *   top/nodewarden-<id>/<node>.node  one cgroup per node; <id> is a hash of stateDir
 *
 * so that nodes' cgroups are never inner nodes holding the manager (systemd's
 * delegation rule) and two managers on one host never share a cgroup. No
 * controller is enabled: containment needs none. All calls are synchronous
 * cgroupfs reads and writes (microseconds; cgroupfs never touches a disk).
 */

/** Where the cgroup v2 hierarchy is mounted, from one line of /proc/self/mountinfo. */
export interface Cgroup2Mount {
  /** Mount point, e.g. /sys/fs/cgroup or /sys/fs/cgroup/unified (hybrid hosts). */
  readonly mountPoint: string;
  /** The cgroup path at that mount point (`/` except in odd bind mounts). */
  readonly root: string;
}

/** The name of the environment variable that forces the sweep (`NODEWARDEN_CONTAINMENT=sweep`). */
export const CONTAINMENT_ENV = 'NODEWARDEN_CONTAINMENT';

/** The line the manager logs at start: which containment is in use, and why not cgroups. */
export function describeContainment(c: Containment): string {
  return c.mode === 'cgroup'
    ? `containment: cgroup ${c.cgroup}`
    : `containment: process group + session sweep (${c.reason})`;
}

/** Undo mountinfo's octal escapes (`\040` for a space). */
function unescapeMount(s: string): string {
  return s.replace(/\\([0-7]{3})/g, (_, oct: string) => String.fromCharCode(parseInt(oct, 8)));
}

/** The first cgroup2 mount in a /proc/self/mountinfo text, or null. */
export function findCgroup2Mount(mountinfo: string): Cgroup2Mount | null {
  for (const line of mountinfo.split('\n')) {
    // id parent major:minor root mountpoint options [optional fields...] - fstype source superoptions
    const sep = line.indexOf(' - ');
    if (sep < 0) continue;
    const fstype = line.slice(sep + 3).split(' ')[0];
    if (fstype !== 'cgroup2') continue;
    const f = line.slice(0, sep).split(' ');
    if (f.length < 5) continue;
    return { root: unescapeMount(f[3]!), mountPoint: unescapeMount(f[4]!) };
  }
  return null;
}

/** The process's cgroup v2 path from a /proc/<pid>/cgroup text (its `0::` line), or null. */
export function parseCgroupV2Path(procCgroup: string): string | null {
  for (const line of procCgroup.split('\n')) {
    if (line.startsWith('0::')) {
      const p = line.slice(3).trim();
      return p.startsWith('/') ? p : null;
    }
  }
  return null;
}

/** The directory of cgroup `cgroupPath` under a mount, or null when the mount does not show it. */
export function cgroupDirOf(mount: Cgroup2Mount, cgroupPath: string): string | null {
  const root = mount.root === '/' ? '' : mount.root.replace(/\/+$/, '');
  if (root !== '' && cgroupPath !== root && !cgroupPath.startsWith(root + '/')) return null;
  const dir = path.join(mount.mountPoint, cgroupPath.slice(root.length));
  return dir.length > 1 && dir.endsWith('/') ? dir.slice(0, -1) : dir;
}

/** The name of a manager's cgroup of nodes: one per stateDir, stable across restarts. */
export function nodesCgroupName(stateDir: string): string {
  return `nodewarden-${createHash('sha256').update(path.resolve(stateDir)).digest('hex').slice(0, 12)}`;
}

/** The cgroup directory name of a node (a suffix, so no node name can clash with a cgroupfs file). */
export function nodeCgroupName(node: string): string {
  return `${node}.node`;
}

/** The leaf nodewarden moves itself into when it does not run in the root cgroup. */
export const MANAGER_LEAF = 'manager';

/** Where this process's cgroup and its manager leaf are, read from /proc (no change made). */
interface Placement {
  readonly mount: Cgroup2Mount;
  /** The cgroup nodewarden was started in. */
  readonly ownDir: string;
  /** Where the manager lives between spawns. */
  readonly homeDir: string;
  /** The cgroup of this manager's nodes. */
  readonly baseDir: string;
}

function placement(
  stateDir: string,
  mountinfoPath = '/proc/self/mountinfo',
  selfCgroupPath = '/proc/self/cgroup',
): Placement | { reason: string } {
  let mountinfo: string;
  let selfCgroup: string;
  try {
    mountinfo = fs.readFileSync(mountinfoPath, 'utf8');
    selfCgroup = fs.readFileSync(selfCgroupPath, 'utf8');
  } catch (err) {
    return { reason: `cgroup v2 not writable: cannot read /proc: ${errCode(err)}` };
  }
  const mount = findCgroup2Mount(mountinfo);
  if (!mount) return { reason: 'cgroup v2 not writable: no cgroup2 filesystem is mounted' };
  const own = parseCgroupV2Path(selfCgroup);
  if (own === null)
    return { reason: 'cgroup v2 not writable: this process is in no cgroup v2 (no 0:: line)' };
  // Started in our own leaf already (a systemd unit with DelegateSubgroup=manager): its parent is ours.
  const top = path.posix.basename(own) === MANAGER_LEAF ? path.posix.dirname(own) : own;
  const topDir = cgroupDirOf(mount, top);
  const ownDir = cgroupDirOf(mount, own);
  if (topDir === null || ownDir === null)
    return { reason: `cgroup v2 not writable: cgroup ${own} is not visible under ${mount.mountPoint}` };
  return {
    mount,
    ownDir,
    homeDir: top === '/' ? topDir : path.join(topDir, MANAGER_LEAF),
    baseDir: path.join(topDir, nodesCgroupName(stateDir)),
  };
}

/**
 * The directory a manager started from this process's cgroup would give the
 * nodes of `stateDir`, or null without a cgroup v2 hierarchy. Reads only.
 */
export function nodesCgroupDir(stateDir: string): string | null {
  const p = placement(stateDir);
  return 'reason' in p ? null : p.baseDir;
}

/** What `setupNodeCgroups` needs; the paths are for tests. */
export interface CgroupSetupOptions {
  /** Names the cgroup of this manager's nodes (see nodesCgroupName). */
  readonly stateDir: string;
  /** Default /proc/self/mountinfo. */
  readonly mountinfoPath?: string;
  /** Default /proc/self/cgroup. */
  readonly selfCgroupPath?: string;
  /** Use cgroup.kill where the kernel has it (default true; false exercises the freeze + SIGKILL path). */
  readonly useKillFile?: boolean;
}

/**
 * Prepare cgroup containment: find the hierarchy and this process's cgroup,
 * move the manager into its leaf, create the nodes' cgroup, and check that the
 * manager can move into it and back (exactly what every spawn does). Returns
 * the ready NodeCgroups, or the reason the sweep is used instead; on failure
 * the manager is left where it was.
 */
export function setupNodeCgroups(opts: CgroupSetupOptions): NodeCgroups | { reason: string } {
  const where = placement(opts.stateDir, opts.mountinfoPath, opts.selfCgroupPath);
  if ('reason' in where) return where;
  const { mount, ownDir, homeDir, baseDir } = where;
  const hint = 'run nodewarden as root, or under systemd with Delegate=yes';
  const step = (what: string, fn: () => void): string | null => {
    try {
      fn();
      return null;
    } catch (err) {
      return `cgroup v2 not writable: ${what}: ${errCode(err)}; ${hint}`;
    }
  };
  const pid = String(process.pid);
  const failed =
    step(`mkdir ${homeDir}`, () => fs.mkdirSync(homeDir, { recursive: true })) ??
    step(`move nodewarden into ${homeDir}`, () => writeProcs(homeDir, pid)) ??
    step(`mkdir ${baseDir}`, () => fs.mkdirSync(baseDir, { recursive: true })) ??
    step(`move nodewarden into ${baseDir}`, () => writeProcs(baseDir, pid)) ??
    step(`move nodewarden back into ${homeDir}`, () => writeProcs(homeDir, pid));
  if (failed !== null) {
    // Put the manager back where it was started; leave nothing empty behind.
    try {
      writeProcs(ownDir, pid);
    } catch {
      // where it is now is the best we can do
    }
    rmdirQuiet(baseDir);
    if (homeDir !== ownDir) rmdirQuiet(homeDir);
    return { reason: failed };
  }
  const cgroups = new NodeCgroups(
    mount,
    homeDir,
    baseDir,
    (opts.useKillFile ?? true) && fs.existsSync(path.join(baseDir, 'cgroup.kill')),
  );
  cgroups.removeEmpty();
  return cgroups;
}

/**
 * The cgroups of one manager's nodes: where each node is forked, how its
 * members are found and killed, when it counts as empty.
 */
export class NodeCgroups {
  /** Node cgroups killed and not yet empty: whatever shows up in them is killed too. */
  private readonly killing = new Set<string>();
  /** Set when the manager could not leave a node's cgroup: forkInto refuses from then on. */
  broken: string | null = null;

  /** Use setupNodeCgroups. */
  constructor(
    private readonly mount: Cgroup2Mount,
    /** Where the manager lives between spawns. */
    private readonly homeDir: string,
    /** The cgroup holding one cgroup per node. */
    readonly baseDir: string,
    private readonly hasKillFile: boolean,
  ) {}

  /** What the log and metrics show. */
  containment(): Containment {
    return { mode: 'cgroup', cgroup: this.pathOf(this.baseDir), dir: this.baseDir };
  }

  /** The path in the hierarchy of a cgroup directory (`/nodewarden-…/geth.node`). */
  pathOf(dir: string): string {
    const rel = path.relative(this.mount.mountPoint, dir);
    const root = this.mount.root === '/' ? '' : this.mount.root;
    return `${root}/${rel}`.replace(/\/+$/, '') || '/';
  }

  /** The cgroup directory of a node (it may not exist). */
  dirFor(node: string): string {
    return path.join(this.baseDir, nodeCgroupName(node));
  }

  /**
   * Run `fork`, which must fork synchronously (child_process.spawn does), with
   * the manager inside the node's cgroup, so that the child is born there and
   * cannot fork anything outside it. The manager moves back before returning;
   * nothing else of the manager can run in between (one synchronous stretch).
   * Throws (before forking) when the node's cgroup cannot be made or entered.
   */
  forkInto<T>(dir: string, fork: () => T): T {
    if (this.broken !== null) throw new Error(this.broken);
    const pid = String(process.pid);
    fs.mkdirSync(dir, { recursive: true });
    writeProcs(dir, pid);
    try {
      return fork();
    } finally {
      try {
        writeProcs(this.homeDir, pid);
      } catch (err) {
        // The child is forked and must not be lost, so no throw: the manager is
        // stuck in this node's cgroup, which kill() now refuses to kill, and no
        // node is forked into a cgroup any more.
        this.broken = `cannot move nodewarden back into ${this.homeDir}: ${errCode(err)}`;
      }
    }
  }

  /** Does the cgroup still hold a live process? (Zombies do not count; a missing cgroup is empty.) */
  populated(dir: string): boolean {
    let text: string;
    try {
      text = fs.readFileSync(path.join(dir, 'cgroup.events'), 'latin1');
    } catch {
      return false;
    }
    return /^populated 1$/m.test(text);
  }

  /** The pids in the cgroup (processes, not threads). */
  members(dir: string): number[] {
    let text: string;
    try {
      text = fs.readFileSync(path.join(dir, 'cgroup.procs'), 'latin1');
    } catch {
      return [];
    }
    return text
      .split('\n')
      .filter((l) => l !== '')
      .map(Number);
  }

  /**
   * The node cgroup of this manager that process `pid` is in, or null (gone,
   * or not in one: a survivor of a manager that ran without cgroups).
   */
  cgroupOfPid(pid: number): string | null {
    let text: string;
    try {
      text = fs.readFileSync(`/proc/${pid}/cgroup`, 'latin1');
    } catch {
      return null;
    }
    const p = parseCgroupV2Path(text);
    const dir = p === null ? null : cgroupDirOf(this.mount, p);
    if (dir === null || path.dirname(dir) !== this.baseDir || !dir.endsWith('.node')) return null;
    return dir;
  }

  /**
   * SIGKILL everything in a node's cgroup: cgroup.kill (the kernel kills every
   * member and anything being forked), else freeze the cgroup so that nobody
   * forks any more and SIGKILL every listed pid. Until the cgroup is empty,
   * waitEmpty repeats the kill for anything that shows up.
   */
  kill(dir: string): void {
    if (this.holdsManager(dir)) throw new Error(`refusing to kill cgroup ${dir}: nodewarden itself is in it`);
    this.killing.add(dir);
    if (this.hasKillFile) {
      try {
        fs.writeFileSync(path.join(dir, 'cgroup.kill'), '1');
        return;
      } catch (err) {
        if (errCode(err) === 'ENOENT') return; // the cgroup is gone: nothing left to kill
        // fall back to the list
      }
    }
    try {
      fs.writeFileSync(path.join(dir, 'cgroup.freeze'), '1');
    } catch {
      // a kernel without the freezer: the kill passes in waitEmpty catch what is forked meanwhile
    }
    for (const pid of this.members(dir)) {
      if (pid === process.pid) continue;
      try {
        process.kill(pid, 'SIGKILL');
      } catch {
        // gone already
      }
    }
  }

  /**
   * Resolves once the cgroup holds no live process, woken by the kernel's
   * notification on cgroup.events (a slow poll backs it up). A cgroup that was
   * killed is killed again on each wake-up, for members forked meanwhile.
   */
  waitEmpty(dir: string): Promise<void> {
    if (!this.populated(dir)) return Promise.resolve(this.settled(dir));
    return new Promise((resolve) => {
      let watcher: fs.FSWatcher | null = null;
      let done = false;
      const check = (): void => {
        if (done) return;
        if (this.populated(dir)) {
          if (this.killing.has(dir)) this.kill(dir);
          return;
        }
        done = true;
        clearInterval(poll);
        watcher?.close();
        this.settled(dir);
        resolve();
      };
      const poll = setInterval(check, 500);
      try {
        watcher = fs.watch(path.join(dir, 'cgroup.events'), check);
        watcher.on('error', () => undefined); // the poll goes on
      } catch {
        // no inotify here: the poll alone
      }
      check();
    });
  }

  /** Remove a node's cgroup (only an empty one can be), then the nodes' cgroup if it is empty now. */
  remove(dir: string): void {
    this.killing.delete(dir);
    rmdirQuiet(dir);
    rmdirQuiet(this.baseDir);
  }

  /**
   * remove() for a cgroup that is likely empty, without reading cgroup.events
   * first: false (and nothing changed) when the kernel refuses because the
   * cgroup still holds a live process; a cgroup that is gone counts as removed.
   */
  removeIfEmpty(dir: string): boolean {
    if (!rmdirQuiet(dir)) return false;
    this.killing.delete(dir);
    rmdirQuiet(this.baseDir);
    return true;
  }

  /**
   * Remove every empty node cgroup (left by a manager that was killed), and the
   * nodes' cgroup if nothing is left in it; populated ones belong to survivors.
   */
  removeEmpty(): void {
    removeEmptyNodeCgroups(this.baseDir);
  }

  private settled(dir: string): void {
    if (!this.killing.has(dir)) return;
    // Thaw a cgroup frozen by the list kill, in case it is kept (rmdir failed).
    try {
      fs.writeFileSync(path.join(dir, 'cgroup.freeze'), '0');
    } catch {
      // no freezer, or the cgroup is gone
    }
  }

  private holdsManager(dir: string): boolean {
    return this.cgroupOfPid(process.pid) === dir;
  }
}

/**
 * Remove every empty node cgroup below a manager's cgroup of nodes, then that
 * cgroup if nothing is left in it. A populated cgroup cannot be removed (the
 * kernel refuses): it stays, holding its survivors.
 */
export function removeEmptyNodeCgroups(baseDir: string): void {
  let names: string[];
  try {
    names = fs.readdirSync(baseDir);
  } catch {
    return;
  }
  for (const name of names) if (name.endsWith('.node')) rmdirQuiet(path.join(baseDir, name));
  // Made again by the first spawn: a manager without nodes leaves no cgroup behind.
  rmdirQuiet(baseDir);
}

function writeProcs(dir: string, pid: string): void {
  fs.writeFileSync(path.join(dir, 'cgroup.procs'), pid);
}

/** False when the directory stays (a populated cgroup, one with children); a missing one counts as removed. */
function rmdirQuiet(dir: string): boolean {
  try {
    fs.rmdirSync(dir);
    return true;
  } catch (err) {
    return errCode(err) === 'ENOENT';
  }
}

function errCode(err: unknown): string {
  const e = err as NodeJS.ErrnoException;
  return e.code ?? e.message;
}
