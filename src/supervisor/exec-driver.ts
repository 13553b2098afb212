import fs from 'node:fs';
import path from 'node:path';
import { execFile } from 'node:child_process';
import { promisify } from 'node:util';
import { execa, type Options } from 'execa';
import type { NodeSpec } from '../config/types.js';
import { NodewardenError } from '../errors.js';
import type { ExitInfo, ProcessDriver, ProcessIdentity, SpawnedProcess, SpawnOptions } from './driver.js';
import { acquireNodeLock, selfOwner } from './lock.js';
import { descendants, isAlive, processTable, readCmdline, readStartTime, readStat } from './proc.js';

const run = promisify(execFile);
const UNKNOWN_EXIT: ExitInfo = { code: null, signal: null };

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
  private readonly ids = new Map<string, number>();
  private readonly watched = new Map<number, { startTime: string; done: Array<(e: ExitInfo) => void> }>();
  private watchTimer: NodeJS.Timeout | null = null;
  private prlimitPath: string | null = null;
  private readonly watchIntervalMs: number;
  private readonly nodeLocks: boolean;

  constructor(opts: ExecDriverOptions = {}) {
    this.watchIntervalMs = opts.watchIntervalMs ?? 250;
    this.nodeLocks = opts.nodeLocks ?? true;
  }

  async spawn({ spec, outputFd }: SpawnOptions): Promise<SpawnedProcess> {
    const { uid, gid } = await this.resolveIds(spec);
    await prepareDirs(spec, uid, gid);
    const lock = this.nodeLocks ? acquireNodeLock(spec.dataDir, { ...selfOwner(), managerPid: process.pid }) : null;
    try {
      const proc = await this.start(spec, outputFd, uid, gid);
      lock?.update({ pid: proc.pid, startTime: proc.startTime, managerPid: process.pid });
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
    const exited: Promise<ExitInfo> = sub.then(
      (r) => ({ code: r.exitCode ?? null, signal: (r.signal as NodeJS.Signals | undefined) ?? null }),
      () => UNKNOWN_EXIT,
    );
    const pid = sub.pid;
    if (pid === undefined) {
      const r = await sub;
      const cause = (r.cause ?? r) as NodeJS.ErrnoException;
      throw spawnError(spec, cause.code ?? 'UNKNOWN', cause, await cwdMissing(spec.cwd));
    }
    // Read now: the child cannot be reaped before this synchronous read.
    const startTime = readStartTime(pid) ?? '0';
    const argv = nofile === null ? readCmdline(pid) ?? [] : await this.argvAfterPrlimit(spec, pid, exited);
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
        throw spawnError(spec, code === 127 ? 'ENOENT' : code === 126 ? 'EACCES' : `prlimit exit ${code}`);
      }
      if (performance.now() > deadline) return argv;
      await new Promise((r) => setTimeout(r, 1));
    }
  }

  watch(identity: ProcessIdentity): Promise<ExitInfo> {
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

  signalGroup(pgid: number, signal: NodeJS.Signals): void {
    assertKillable(pgid);
    sendSignal(-pgid, signal);
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

  /** Resolves uid/gid names once (`id`, `getent`), then from the cache. */
  private async resolveIds(spec: NodeSpec): Promise<{ uid?: number; gid?: number }> {
    const out: { uid?: number; gid?: number } = {};
    if (spec.user !== null) out.uid = await this.lookup(spec, 'user', spec.user, ['id', '-u']);
    if (spec.group !== null) out.gid = await this.lookup(spec, 'group', spec.group, ['getent', 'group']);
    else if (typeof spec.user === 'string' && !/^\d+$/.test(spec.user)) {
      out.gid = await this.lookup(spec, 'user', spec.user, ['id', '-g']);
    }
    return out;
  }

  private async lookup(spec: NodeSpec, key: string, value: string | number, cmd: [string, string]): Promise<number> {
    if (typeof value === 'number' || /^\d+$/.test(value)) return Number(value);
    const cacheKey = `${cmd.join(' ')} ${value}`;
    const hit = this.ids.get(cacheKey);
    if (hit !== undefined) return hit;
    try {
      const { stdout } = await run(cmd[0], [cmd[1], value]);
      const id = Number(cmd[0] === 'getent' ? stdout.split(':')[2] : stdout.trim());
      if (!Number.isInteger(id)) throw new Error(`unexpected output ${JSON.stringify(stdout)}`);
      this.ids.set(cacheKey, id);
      return id;
    } catch (err) {
      throw new NodewardenError('E_SPAWN_FAILED', `node ${spec.name}: ${key} ${JSON.stringify(value)} does not exist on this host`, {
        cause: err,
        details: { node: spec.name, file: spec.file, key, value },
      });
    }
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
    throw new NodewardenError('E_SPAWN_FAILED', 'limits.nofile needs `prlimit` (util-linux), which is not installed');
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

let ownGroup: number | undefined;
function assertKillable(id: number): void {
  ownGroup ??= readStat(process.pid)?.pgid ?? process.pid;
  // kill(-1) or kill(0) would hit every process we may signal, the manager included.
  if (!Number.isInteger(id) || id <= 1 || id === process.pid || id === ownGroup) {
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

async function prepareDirs(spec: NodeSpec, uid?: number, gid?: number): Promise<void> {
  const created = await fs.promises.mkdir(spec.dataDir, { recursive: true });
  if (created !== undefined && uid !== undefined) await fs.promises.chown(spec.dataDir, uid, gid ?? -1);
  await Promise.all(spec.files.map((f) => writeAtomic(f.path, f.content, uid, gid)));
}

let tmpSeq = 0;
/** Writes a rendered file via temp + rename, so a node never reads half a config. */
async function writeAtomic(file: string, content: string, uid?: number, gid?: number): Promise<void> {
  await fs.promises.mkdir(path.dirname(file), { recursive: true });
  const tmp = `${file}.nw-tmp-${process.pid}-${++tmpSeq}`;
  await fs.promises.writeFile(tmp, content, { mode: 0o600 });
  if (uid !== undefined) await fs.promises.chown(tmp, uid, gid ?? -1);
  await fs.promises.rename(tmp, file);
}

async function cwdMissing(cwd: string): Promise<boolean> {
  return fs.promises.stat(cwd).then((s) => !s.isDirectory(), () => true);
}

function spawnError(spec: NodeSpec, code: string, cause?: unknown, badCwd = false): NodewardenError {
  const what = badCwd
    ? `working directory ${spec.cwd} does not exist`
    : code === 'ENOENT'
      ? 'no such file'
      : code === 'EACCES'
        ? 'permission denied (not executable?)'
        : 'cannot execute';
  return new NodewardenError('E_SPAWN_FAILED', `node ${spec.name}: cannot run ${spec.binary}: ${code} (${what})`, {
    cause,
    hint: `check \`binary\`${badCwd ? ' and `cwd`' : ''} in ${spec.file}`,
    details: { node: spec.name, binary: spec.binary, cwd: spec.cwd, code },
  });
}
