import fs from 'node:fs';
import path from 'node:path';
import { execa, type Options } from 'execa';
import type { NodeSpec } from '../config/types.js';
import { NodewardenError } from '../errors.js';
import type { ExitInfo, ProcessDriver, ProcessIdentity, SpawnedProcess, SpawnOptions } from './driver.js';
import {
  cwdMissing,
  IdResolver,
  ownNofileHardLimit,
  prepareDataDir,
  renderFiles,
  spawnError,
} from './exec-prepare.js';
import { acquireNodeLock, selfOwner, type HeldLock } from './lock.js';
import { descendants, isAlive, processTable, readCmdline, readStartTime, readStat } from './proc.js';

const UNKNOWN_EXIT: ExitInfo = { code: null, signal: null };
/** How often the remnants of an exited node's group are checked until they are gone. */
const SWEEP_POLL_MS = 50;
const SESSION_SWEEP_DELAY_MS = 250;

export interface ExecDriverOptions {
  /** How often adopted processes are checked (ms). */
  readonly watchIntervalMs?: number;
  /** Take `<dataDir>/.nodewarden-node.lock` around every spawn (default true). */
  readonly nodeLocks?: boolean;
}

/**
 * The real ProcessDriver: renders files, spawns nodes with execa into their own
 * session and process group, writes their output straight to the log FIFO fd
 * (nothing is buffered in the manager) and leaves them running if the manager
 * exits (`cleanup: false`, detached). Reads identities from /proc.
 */
export class ExecDriver implements ProcessDriver {
  private readonly ids = new IdResolver();
  /** Handles of the processes this driver spawned and that still run. */
  private readonly children = new Set<{ unref(): void }>();
  /** Process groups sent a stop signal whose leader has not been swept yet. */
  private readonly signalled = new Set<number>();
  private readonly laterSweep = new Set<number>();
  private laterTimer: NodeJS.Timeout | null = null;
  private readonly watched = new Map<number, { startTime: string; done: Array<(e: ExitInfo) => void> }>();
  private watchTimer: NodeJS.Timeout | null = null;
  private prlimitPath: string | null = null;
  private readonly watchIntervalMs: number;
  private readonly nodeLocks: boolean;
  private readonly self = selfOwner();

  constructor(opts: ExecDriverOptions = {}) {
    this.watchIntervalMs = opts.watchIntervalMs ?? 250;
    this.nodeLocks = opts.nodeLocks ?? true;
  }

  /**
   * Forks before its first await when there is nothing to look up, render or
   * limit (the usual node): the runner issues the spawn ahead of the bus
   * subscribers of the same transition, so the fork does not wait for them.
   */
  async spawn({ spec, outputFd }: SpawnOptions): Promise<SpawnedProcess> {
    const { uid, gid } = spec.user === null && spec.group === null ? {} : await this.ids.resolve(spec);
    let lock: HeldLock | null;
    try {
      prepareDataDir(spec, uid, gid);
      if (spec.files.length > 0) await renderFiles(spec, uid, gid);
      lock = this.nodeLocks ? acquireNodeLock(spec.dataDir, { ...this.self, managerPid: process.pid }) : null;
    } catch (err) {
      if (err instanceof NodewardenError) throw err;
      const e = err as NodeJS.ErrnoException;
      throw new NodewardenError(
        'E_SPAWN_FAILED',
        `node ${spec.name}: cannot prepare ${e.path ?? spec.dataDir}: ${e.code ?? e.message}`,
        {
          cause: err,
          hint: `check dataDir and files[] in ${spec.file} and that nodewarden may write there`,
          details: { node: spec.name, path: e.path ?? spec.dataDir, code: e.code ?? null },
        },
      );
    }
    try {
      const proc = await this.start(spec, outputFd, uid, gid);
      lock?.update({
        pid: proc.pid,
        startTime: proc.startTime,
        managerPid: process.pid,
        runHash: spec.runHash,
      });
      proc.exited.then(() => lock?.release()).catch(() => undefined);
      return proc;
    } catch (err) {
      lock?.release();
      throw err;
    }
  }

  private async start(spec: NodeSpec, outputFd: number, uid?: number, gid?: number): Promise<SpawnedProcess> {
    const nofile = spec.limits.nofile;
    let file = spec.binary;
    let args: readonly string[] = spec.args;
    if (nofile !== null) {
      // prlimit execs the binary in place, so the pid stays the node's.
      await fs.promises.access(spec.binary, fs.constants.X_OK).catch((err: NodeJS.ErrnoException) => {
        throw spawnError(spec, err.code ?? 'UNKNOWN', err);
      });
      file = this.prlimit();
      args = [`--nofile=${nofile}:${nofile}`, '--', spec.binary, ...spec.args];
    }
    const opts: Options = {
      reject: false,
      detached: true,
      cleanup: false,
      buffer: false,
      stdin: 'ignore',
      // execa's types only list fds 3-9; at runtime any fd goes straight to spawn().
      stdout: outputFd as 3,
      stderr: outputFd as 3,
      cwd: spec.cwd,
      env: { ...process.env, ...spec.env },
      extendEnv: false,
      forceKillAfterDelay: false,
      ...(uid !== undefined ? { uid } : {}),
      ...(gid !== undefined ? { gid } : {}),
    };
    const sub = execa(file, [...args], opts);
    const pid = sub.pid;
    if (pid === undefined) {
      // execa's result (never a rejection: reject is false) is read only to explain a failed spawn.
      const r = await sub;
      const cause = (r.cause ?? r) as NodeJS.ErrnoException;
      throw spawnError(spec, cause.code ?? 'UNKNOWN', cause, await cwdMissing(spec.cwd));
    }
    this.children.add(sub);
    // The child's own 'exit' event, not execa's result: the result is assembled
    // a few ticks later, and this is the crash → replacement path.
    const exited = new Promise<ExitInfo>((resolve) =>
      sub.once('exit', (code: number | null, signal: NodeJS.Signals | null) => {
        this.children.delete(sub);
        resolve({ code, signal });
      }),
    ).then(async (exit) => {
      await this.sweepGroup(pid);
      return exit;
    });
    // Read now: the child cannot be reaped before this synchronous read.
    const startTime = readStartTime(pid) ?? '0';
    const argv = nofile === null ? (readCmdline(pid) ?? []) : await this.argvAfterPrlimit(spec, pid, exited);
    return { pid, pgid: pid, startTime, argv, exited };
  }

  /** Waits (about a millisecond) until prlimit has exec'ed the node binary. */
  private async argvAfterPrlimit(spec: NodeSpec, pid: number, exited: Promise<ExitInfo>): Promise<string[]> {
    let exit: ExitInfo | null = null;
    void exited.then((e) => (exit = e));
    const deadline = performance.now() + 2000;
    for (;;) {
      const argv = readCmdline(pid);
      if (argv && argv.length > 0 && argv[0] !== this.prlimitPath) return argv;
      if (exit !== null || argv === null) {
        const code = (exit as ExitInfo | null)?.code;
        if (code === 127 || code === 126) throw spawnError(spec, code === 127 ? 'ENOENT' : 'EACCES');
        throw new NodewardenError(
          'E_SPAWN_FAILED',
          `node ${spec.name}: prlimit could not set limits.nofile to ${spec.limits.nofile} (exit ${code}); ` +
            `this manager's hard limit is ${ownNofileHardLimit()} and raising it needs root (CAP_SYS_RESOURCE)`,
          {
            hint: `lower limits.nofile in ${spec.file} or raise nodewarden's own limit (LimitNOFILE= in its systemd unit); prlimit's message is in the node's log`,
            details: { node: spec.name, nofile: spec.limits.nofile, exitCode: code },
          },
        );
      }
      if (performance.now() > deadline) return argv;
      await new Promise((r) => setTimeout(r, 1));
    }
  }

  /** Re-reads argv from /proc once the exec chain has settled; null if that process is gone. */
  identify(identity: ProcessIdentity): ProcessIdentity | null {
    const argv = readCmdline(identity.pid);
    // Checked after the read: a pid reused in between must not lend its argv.
    if (argv === null || !isAlive(identity.pid, identity.startTime)) return null;
    return { ...identity, argv };
  }

  watch(identity: ProcessIdentity): Promise<ExitInfo> {
    return this.watchLeader(identity).then(async (exit) => {
      await this.sweepGroup(identity.pgid);
      return exit;
    });
  }

  private watchLeader(identity: ProcessIdentity): Promise<ExitInfo> {
    if (!isAlive(identity.pid, identity.startTime)) return Promise.resolve(UNKNOWN_EXIT);
    return new Promise((resolve) => {
      const entry = this.watched.get(identity.pid) ?? { startTime: identity.startTime, done: [] };
      entry.done.push(resolve);
      this.watched.set(identity.pid, entry);
      // One shared poll for every adopted process; unref'd so it never holds the manager up.
      this.watchTimer ??= setInterval(() => this.pollWatched(), this.watchIntervalMs).unref();
    });
  }

  private pollWatched(): void {
    for (const [pid, entry] of this.watched) {
      if (isAlive(pid, entry.startTime)) continue;
      this.watched.delete(pid);
      for (const done of entry.done) done(UNKNOWN_EXIT);
    }
    if (this.watched.size === 0 && this.watchTimer) {
      clearInterval(this.watchTimer);
      this.watchTimer = null;
    }
  }

  /**
   * Sweep groups' stray session members in one /proc pass, a little later:
   * run at once, the pass would land in the middle of the replacement's spawn.
   */
  private sweepLater(pgid: number): void {
    this.laterSweep.add(pgid);
    this.laterTimer ??= setTimeout(() => {
      this.laterTimer = null;
      const groups = new Set(this.laterSweep);
      this.laterSweep.clear();
      for (const p of processTable().procs.values()) {
        if (p.state === 'Z' || p.state === 'X' || p.pid === process.pid || p.pid <= 1) continue;
        if (groups.has(p.sid)) sendSignal(p.pid, 'SIGKILL');
      }
    }, SESSION_SWEEP_DELAY_MS).unref();
  }

  /** Nodes left running (`--keep-nodes`) must not keep the exiting manager alive: unref their handles. */
  release(): void {
    for (const child of this.children) child.unref();
  }

  signalGroup(pgid: number, signal: NodeJS.Signals): void {
    assertKillable(pgid);
    this.signalled.add(pgid);
    sendSignal(-pgid, signal);
  }

  /**
   * A node's leader has exited: nothing of its group or session may outlive it
   * (DESIGN §2 "No grandchild survives"). If the group was signalled (a stop),
   * the rest of it gets the rest of the grace: the runner's grace timer
   * escalates with killTree. Otherwise (a crash, a clean exit) the remnants are
   * orphans and are SIGKILLed at once, so a replacement never runs beside them.
   * Resolves once the group is empty; until then the node is not reported gone.
   */
  private async sweepGroup(pgid: number): Promise<void> {
    if (!Number.isInteger(pgid) || pgid <= 1 || pgid === process.pid || pgid === ownGroupId()) return;
    if (!groupHasMembers(pgid)) {
      // The usual case, and the crash→replacement path: one kill(2) says the
      // group is empty, so the exit is reported now. Session members that moved
      // to a group of their own are rare; they are swept off the hot path.
      this.signalled.delete(pgid);
      this.sweepLater(pgid);
      return;
    }
    for (;;) {
      const left = groupRemnants(pgid);
      if (left.length === 0) break;
      if (!this.signalled.has(pgid)) for (const p of left) sendSignal(p, 'SIGKILL');
      await new Promise((r) => setTimeout(r, SWEEP_POLL_MS));
    }
    this.signalled.delete(pgid);
  }

  async killTree(pid: number, pgid: number): Promise<void> {
    assertKillable(pid);
    assertKillable(pgid);
    // Freeze everything first (SIGSTOP), rescanning until nothing new shows up:
    // a stopped process cannot fork a child that would escape the scan.
    const victims = new Set<number>();
    for (let pass = 0; pass < 10; pass++) {
      let added = 0;
      for (const p of treeMembers(pid, pgid)) {
        if (victims.has(p)) continue;
        victims.add(p);
        sendSignal(p, 'SIGSTOP');
        added++;
      }
      if (added === 0) break;
    }
    sendSignal(-pgid, 'SIGKILL');
    for (const p of victims) sendSignal(p, 'SIGKILL');
  }

  private prlimit(): string {
    if (this.prlimitPath) return this.prlimitPath;
    for (const dir of (process.env.PATH ?? '/usr/bin:/bin').split(':').concat('/usr/bin', '/bin')) {
      const p = path.join(dir, 'prlimit');
      try {
        fs.accessSync(p, fs.constants.X_OK);
        return (this.prlimitPath = p);
      } catch {
        // keep looking
      }
    }
    throw new NodewardenError(
      'E_SPAWN_FAILED',
      'limits.nofile needs `prlimit` (util-linux), which is not installed',
    );
  }
}

/** pid, its descendants, and anything still in its process group or session (double-forked daemons). */
function treeMembers(pid: number, pgid: number): number[] {
  const table = processTable();
  const out = new Set<number>([pid, ...descendants(pid, table)]);
  for (const p of table.procs.values()) {
    if (p.pgid === pgid || (pid === pgid && p.sid === pid)) out.add(p.pid);
  }
  out.delete(process.pid);
  out.delete(1);
  return [...out].filter((p) => table.procs.has(p));
}

/** Live members of a (leaderless) group or session: what a node left behind. */
/** Does any process (zombies included) still belong to process group pgid? One syscall. */
function groupHasMembers(pgid: number): boolean {
  try {
    process.kill(-pgid, 0);
    return true;
  } catch (err) {
    return (err as NodeJS.ErrnoException).code !== 'ESRCH';
  }
}

function groupRemnants(pgid: number): number[] {
  const out: number[] = [];
  for (const p of processTable().procs.values()) {
    if (p.pgid !== pgid && p.sid !== pgid) continue;
    if (p.state === 'Z' || p.state === 'X' || p.pid === process.pid || p.pid <= 1) continue;
    out.push(p.pid);
  }
  return out;
}

let ownGroup: number | undefined;
function ownGroupId(): number {
  ownGroup ??= readStat(process.pid)?.pgid ?? process.pid;
  return ownGroup;
}

function assertKillable(id: number): void {
  // kill(-1) or kill(0) would hit every process we may signal, the manager included.
  if (!Number.isInteger(id) || id <= 1 || id === process.pid || id === ownGroupId()) {
    throw new NodewardenError('E_INTERNAL', `refusing to signal process/group ${id}`);
  }
}

function sendSignal(target: number, signal: NodeJS.Signals): void {
  try {
    process.kill(target, signal);
  } catch (err) {
    if ((err as NodeJS.ErrnoException).code !== 'ESRCH') throw err;
  }
}
