import fs from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { spawn as forkExec, type ChildProcess, type SpawnOptions as ForkOptions } from 'node:child_process';
import type { HookKind, NodeSpec } from '../config/types.js';
import { NodewardenError } from '../errors.js';
import { CONTAINMENT_ENV, describeContainment, setupNodeCgroups, type NodeCgroups } from './cgroup.js';
import type {
  Containment,
  ExitInfo,
  ProcessDriver,
  ProcessIdentity,
  SpawnedProcess,
  SpawnOptions,
} from './driver.js';
import {
  cwdMissing,
  IdResolver,
  ownNofileHardLimit,
  prepareDataDir,
  renderFiles,
  spawnError,
} from './exec-prepare.js';
import { describeHookFailure, runHook, type HookOutcome } from './hooks.js';
import { acquireNodeLock, selfOwner, type HeldLock } from './lock.js';
import {
  descendants,
  isAlive,
  processStartedAtMs,
  processTable,
  readCmdline,
  readStartTime,
  readStat,
} from './proc.js';

const UNKNOWN_EXIT: ExitInfo = { code: null, signal: null };
/** How often the remnants of an exited node's group are checked until they are gone. */
const SWEEP_POLL_MS = 50;
const SESSION_SWEEP_DELAY_MS = 250;

export interface ExecDriverOptions {
  /** How often adopted processes are checked (ms). */
  readonly watchIntervalMs?: number;
  /** Take `<dataDir>/.nodewarden-node.lock` around every spawn (default true). */
  readonly nodeLocks?: boolean;
  /**
   * `auto`: a cgroup per node where the cgroup v2 hierarchy is writable, else
   * the process group + session sweep; `sweep`: never cgroups. Default:
   * `$NODEWARDEN_CONTAINMENT`, else `auto`.
   */
  readonly containment?: ContainmentChoice;
  /** The manager's stateDir: names its cgroup of nodes, the same across restarts (default: one per driver). */
  readonly stateDir?: string;
  /** Use cgroup.kill where the kernel has it (default true; false = freeze + SIGKILL of each member). */
  readonly cgroupKillFile?: boolean;
  /** Hears of containment trouble a node survives (e.g. a node started outside its cgroup). */
  readonly warn?: (message: string) => void;
}

/** The containment an operator (or a test) may ask for. */
export type ContainmentChoice = 'auto' | 'sweep';

/** The containment asked for by `$NODEWARDEN_CONTAINMENT`; a bad value is an error naming the variable. */
export function containmentFromEnv(env: NodeJS.ProcessEnv = process.env): ContainmentChoice {
  const v = env[CONTAINMENT_ENV];
  if (v === undefined || v === '' || v === 'auto') return 'auto';
  if (v === 'sweep') return 'sweep';
  throw new NodewardenError(
    'E_CONFIG_INVALID',
    `environment variable ${CONTAINMENT_ENV}: expected "auto" or "sweep", got ${JSON.stringify(v)}`,
    { hint: `unset ${CONTAINMENT_ENV} to use a cgroup per node where the host allows it` },
  );
}

let driverSeq = 0;

/**
 * The real ProcessDriver: renders files, spawns nodes into their own
 * session and process group, writes their output straight to the log FIFO fd
 * (nothing is buffered in the manager) and leaves them running if the manager
 * exits (detached, no exit hook). Reads identities from /proc. Where the
 * cgroup v2 hierarchy is writable, each node is forked into a cgroup of its
 * own (see cgroup.ts) and is gone only when that cgroup is empty; elsewhere
 * the process group and session sweep contains it.
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
  /** The nodes' cgroups, null in sweep mode. */
  private readonly cgroups: NodeCgroups | null;
  /** Node leader pid → its cgroup, and back (the pid that owns a cgroup now). */
  private readonly contained = new Map<number, string>();
  private readonly occupants = new Map<string, number>();
  /**
   * Node cgroups this driver removed empty after their node's exit, not made
   * again since: they hold no leftovers (no one else creates them while this
   * manager holds the stateDir), so a replacement spawns without a look.
   */
  private readonly removedEmpty = new Set<string>();
  private readonly warn: (message: string) => void;
  /** Set by release(): the nodes are left to the next manager. */
  private released = false;
  readonly containment: Containment;

  constructor(opts: ExecDriverOptions = {}) {
    this.watchIntervalMs = opts.watchIntervalMs ?? 250;
    this.nodeLocks = opts.nodeLocks ?? true;
    this.warn = opts.warn ?? (() => undefined);
    const choice = opts.containment ?? containmentFromEnv();
    const cg =
      choice === 'sweep'
        ? { reason: `forced by ${CONTAINMENT_ENV}=sweep` }
        : setupNodeCgroups({
            stateDir: opts.stateDir ?? path.join(os.tmpdir(), `nodewarden-${process.pid}-${++driverSeq}`),
            useKillFile: opts.cgroupKillFile ?? true,
          });
    this.cgroups = 'reason' in cg ? null : cg;
    this.containment = 'reason' in cg ? { mode: 'sweep', reason: cg.reason } : cg.containment();
  }

  /** One line for the manager's log: `containment: cgroup <path>` or the sweep and why. */
  describeContainment(): string {
    return describeContainment(this.containment);
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
    // A failing preStart fails the start like a binary that cannot run (counted, backed off).
    // No await without a hook: the usual spawn forks in the same synchronous stretch as the call.
    const hook = runHook(spec, 'preStart', { output: () => outputFd, uid, gid });
    const pre = hook ? await hook : null;
    if (pre && !pre.ok) {
      lock?.release();
      throw new NodewardenError('E_SPAWN_FAILED', `node ${spec.name}: ${describeHookFailure(pre)}`, {
        hint: `its output is in the node's log behind "[hook preStart]"; see hooks.preStart in ${spec.file}`,
        details: {
          node: spec.name,
          hook: 'preStart',
          code: pre.code,
          signal: pre.signal,
          timedOut: pre.timedOut,
        },
      });
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
    const opts: ForkOptions = {
      detached: true,
      stdio: ['ignore', outputFd, outputFd],
      cwd: spec.cwd,
      env: { ...process.env, ...spec.env },
      ...(uid !== undefined ? { uid } : {}),
      ...(gid !== undefined ? { gid } : {}),
    };
    const dir = this.cgroups?.dirFor(spec.name) ?? null;
    // Awaited only for leftovers: the usual spawn checks and forks in one synchronous stretch.
    if (dir !== null && this.hasLeftovers(dir)) await this.clearLeftovers(spec, dir);
    // child_process itself, not a wrapper: this is the crash → replacement path and
    // the per-node cost of a large start, and the node needs nothing but a fork
    // and an exec (no shell, no buffering, no cleanup on the manager's exit).
    let failure: Promise<NodeJS.ErrnoException> | null = null;
    let forked: { sub: ChildProcess; cgroup: string | null };
    try {
      forked = this.fork(spec, dir, () => {
        const child = forkExec(file, [...args], opts);
        // An 'error' nobody listens to would end the manager; the usual spawn
        // failures (ENOENT, EACCES) come this way, a moment later, with no pid.
        failure = new Promise((resolve) => child.on('error', resolve));
        return child;
      });
    } catch (err) {
      // The rarer ones (EPERM for uid/gid, E2BIG...) are thrown at once.
      if (dir !== null) this.cgroups!.remove(dir);
      const e = err as NodeJS.ErrnoException;
      throw spawnError(spec, e.code ?? 'UNKNOWN', err, await cwdMissing(spec.cwd));
    }
    const { sub, cgroup } = forked;
    const pid = sub.pid;
    if (pid === undefined) {
      if (cgroup !== null) this.cgroups!.remove(cgroup);
      const cause = await failure!;
      throw spawnError(spec, cause.code ?? 'UNKNOWN', cause, await cwdMissing(spec.cwd));
    }
    this.children.add(sub);
    if (cgroup !== null) this.contain(pid, cgroup);
    // The child's own 'exit' event: this is the crash → replacement path.
    const exited = new Promise<ExitInfo>((resolve) =>
      sub.once('exit', (code: number | null, signal: NodeJS.Signals | null) => {
        this.children.delete(sub);
        resolve({ code, signal });
      }),
    ).then((exit) => this.ended(exit, pid, pid));
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

  /** From /proc: boot-relative start ticks turned into wall-clock ms. */
  startedAt(identity: ProcessIdentity): number | null {
    return processStartedAtMs(identity.startTime);
  }

  watch(identity: ProcessIdentity): Promise<ExitInfo> {
    const alive = isAlive(identity.pid, identity.startTime);
    // A survivor's cgroup (a node cgroup of this manager) is its node's: its members go with it.
    if (alive) this.cgroupOf(identity.pid);
    // A pid the kernel gave to another process since: its group is no node's; nothing is swept.
    else if (isAlive(identity.pid)) return Promise.resolve(UNKNOWN_EXIT);
    return this.watchLeader(identity).then((exit) => this.ended(exit, identity.pid, identity.pgid));
  }

  /**
   * A populated node cgroup that no process of ours owns holds leftovers of an
   * earlier run (a manager and a node leader that both died).
   */
  private hasLeftovers(dir: string): boolean {
    if (this.removedEmpty.delete(dir)) return false;
    return !this.occupants.has(dir) && this.cgroups!.populated(dir);
  }

  /** Kills a node's leftovers before it starts: a node never runs beside remnants of its previous self. */
  private async clearLeftovers(spec: NodeSpec, dir: string): Promise<void> {
    const cgroups = this.cgroups!;
    const left = cgroups.members(dir);
    this.warn(
      `node ${spec.name}: killing ${left.length} leftover process(es) of an earlier run in cgroup ${cgroups.pathOf(dir)} (pids ${left.join(', ')})`,
    );
    cgroups.kill(dir);
    await cgroups.waitEmpty(dir);
  }

  /**
   * Fork the node inside its cgroup (the manager steps into it for the fork
   * and straight back out). If the cgroup cannot be entered, the node is
   * started anyway, contained by the sweep only, and the reason is told.
   */
  private fork(
    spec: NodeSpec,
    dir: string | null,
    run: () => ChildProcess,
  ): { sub: ChildProcess; cgroup: string | null } {
    const cgroups = this.cgroups;
    if (dir === null || cgroups === null || cgroups.broken !== null) return { sub: run(), cgroup: null };
    let forked = false;
    try {
      const sub = cgroups.forkInto(dir, () => {
        forked = true;
        return run();
      });
      if (cgroups.broken !== null) this.warn(`cgroup containment stopped for new nodes: ${cgroups.broken}`);
      return { sub, cgroup: dir };
    } catch (err) {
      if (forked) throw err;
      this.warn(
        `node ${spec.name}: cannot enter its cgroup ${cgroups.pathOf(dir)} (${(err as NodeJS.ErrnoException).code ?? String(err)}); started without it, contained by the process group + session sweep only`,
      );
      return { sub: run(), cgroup: null };
    }
  }

  /** Record that `pid` leads the node whose cgroup is `dir`. */
  private contain(pid: number, dir: string): void {
    this.contained.set(pid, dir);
    this.occupants.set(dir, pid);
  }

  /** The node cgroup of leader `pid` (found in /proc for a survivor, then remembered), or null. */
  private cgroupOf(pid: number): string | null {
    if (this.cgroups === null) return null;
    const known = this.contained.get(pid);
    if (known !== undefined) return known;
    const dir = this.cgroups.cgroupOfPid(pid);
    if (dir !== null) this.contain(pid, dir);
    return dir;
  }

  /**
   * A node's leader has exited (or an adopted one is gone): the node counts as
   * gone once its cgroup is empty and its group and session are swept. If it
   * was being stopped, what is left gets the rest of the grace (the grace
   * timer's killTree kills the cgroup); otherwise (a crash, a clean exit) the
   * remnants are orphans and are killed at once, before any replacement starts.
   */
  private async settle(pid: number, pgid: number): Promise<void> {
    const dir = this.contained.get(pid);
    const cgroups = this.cgroups;
    /** The node's cgroup was found empty: nothing it ever forked lives on, in any group or session. */
    let emptied = false;
    if (dir !== undefined && cgroups !== null) {
      // A cgroup taken over by a newer process of the node is that process's business.
      if (this.occupants.get(dir) === pid) {
        // The usual case: an empty cgroup goes at the first rmdir, with no read of cgroup.events.
        emptied = cgroups.removeIfEmpty(dir);
        if (emptied) this.removedEmpty.add(dir);
        else {
          if (cgroups.populated(dir)) {
            if (!this.signalled.has(pgid)) this.tryKill(dir);
            // Still known by the leader's pid meanwhile: the grace timer's killTree finds the cgroup by it.
            await cgroups.waitEmpty(dir);
          }
          cgroups.remove(dir);
        }
        this.occupants.delete(dir);
      }
      this.contained.delete(pid);
    }
    await this.sweepGroup(pgid, emptied);
  }

  /** Kill a node's cgroup; a refusal (the manager itself is in it) is told, and the sweep goes on. */
  private tryKill(dir: string): void {
    try {
      this.cgroups!.kill(dir);
    } catch (err) {
      this.warn(String((err as Error).message));
    }
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

  /**
   * Nodes left running (`--keep-nodes`) must not keep the exiting manager
   * alive (their handles are unref'd), and from now on they are the next
   * manager's: an exit is neither swept nor reported (its leftovers are
   * cleared when the next manager starts the node).
   */
  /** A node's postStart / preStop / postStop hook (preStart runs inside `spawn`). */
  runHook(spec: NodeSpec, kind: HookKind, output: () => number | null): Promise<HookOutcome> | null {
    if (spec.hooks[kind].length === 0) return null;
    const ids = spec.user === null && spec.group === null ? Promise.resolve({}) : this.ids.resolve(spec);
    return ids.then(
      ({ uid, gid }: { uid?: number; gid?: number }) => runHook(spec, kind, { output, uid, gid })!,
      (err: unknown) => ({
        kind,
        argv: spec.hooks[kind],
        ok: false,
        code: null,
        signal: null,
        timedOut: false,
        error: err instanceof Error ? err.message : String(err),
        durationMs: 0,
      }),
    );
  }

  release(): void {
    this.released = true;
    for (const child of this.children) child.unref();
    if (this.watchTimer) clearInterval(this.watchTimer);
    this.watchTimer = null;
    this.watched.clear();
  }

  /** What becomes of a node's exit: swept and reported, or (after release) never reported. */
  private async ended(exit: ExitInfo, pid: number, pgid: number): Promise<ExitInfo> {
    if (this.released) return new Promise<ExitInfo>(() => undefined);
    await this.settle(pid, pgid);
    return exit;
  }

  /**
   * The polite stop: `signal` to the node's process group, then SIGCONT (as
   * systemd does), so that a stopped (SIGSTOP, SIGTSTP, a debugger) or frozen
   * node wakes up, handles the stop signal and shuts down cleanly within its
   * grace instead of sleeping through it until the SIGKILL.
   */
  signalGroup(pgid: number, signal: NodeJS.Signals): void {
    assertKillable(pgid);
    this.signalled.add(pgid);
    const wake = wakesAfter(signal);
    sendSignal(-pgid, signal);
    if (wake) sendSignal(-pgid, 'SIGCONT');
    // In cgroup mode the processes of the node that left its group (setsid,
    // double fork) are asked too, as systemd does, rather than sleep through
    // the grace; members of the group are not signalled twice.
    const dir = this.cgroupOf(pgid);
    if (dir === null) return;
    for (const p of this.cgroups!.members(dir)) {
      if (p === process.pid || p <= 1 || readStat(p)?.pgid === pgid) continue;
      sendSignal(p, signal);
      if (wake) sendSignal(p, 'SIGCONT');
    }
  }

  /**
   * A node's leader has exited: nothing of its group or session may outlive it
   * (DESIGN §2 "No grandchild survives"). If the group was signalled (a stop),
   * the rest of it gets the rest of the grace: the runner's grace timer
   * escalates with killTree. Otherwise (a crash, a clean exit) the remnants are
   * orphans and are SIGKILLed at once, so a replacement never runs beside them.
   * Resolves once the group is empty; until then the node is not reported gone.
   */
  private async sweepGroup(pgid: number, emptied = false): Promise<void> {
    if (!Number.isInteger(pgid) || pgid <= 1 || pgid === process.pid || pgid === ownGroupId()) return;
    if (!groupHasMembers(pgid)) {
      // The usual case, and the crash→replacement path: one kill(2) says the
      // group is empty, so the exit is reported now. Session members that moved
      // to a group of their own are rare; they are swept off the hot path, by a
      // /proc pass, unless the node's cgroup (which holds every process the
      // node forked, whatever its group or session) was found empty already.
      this.signalled.delete(pgid);
      if (!emptied) this.sweepLater(pgid);
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
    // The node's cgroup holds its whole tree, whatever left the group or session.
    const dir = this.cgroupOf(pid);
    if (dir !== null) this.tryKill(dir);
    // Then the group/session/descendants sweep, for anything outside the cgroup.
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

/** A signal a stopped process can only act on once continued (not SIGKILL, SIGCONT or a stop signal itself). */
function wakesAfter(signal: NodeJS.Signals): boolean {
  return !['SIGKILL', 'SIGCONT', 'SIGSTOP', 'SIGTSTP', 'SIGTTIN', 'SIGTTOU'].includes(signal);
}

function sendSignal(target: number, signal: NodeJS.Signals): void {
  try {
    process.kill(target, signal);
  } catch (err) {
    if ((err as NodeJS.ErrnoException).code !== 'ESRCH') throw err;
  }
}
