import fs from 'node:fs';
import { spawn, execFile } from 'node:child_process';
import { promisify } from 'node:util';
import { isLive } from '../proc-scan.js';
import { Reaper } from '../reaper.js';
import { sleep } from '../time.js';

const execFileP = promisify(execFile);

/** A process the bench spawned, detached in its own process group. */
export interface Spawned {
  readonly pid: number;
  /** Exit code (or null when killed by a signal). */
  readonly exited: Promise<number | null>;
}

/**
 * Spawns a long-running manager detached (its own process group, so a Ctrl-C
 * at the terminal reaches only the bench, which then ends it by pid), with
 * stdout and stderr appended to `logFile`.
 */
export function spawnLogged(
  file: string,
  args: readonly string[],
  opts: { logFile: string; env?: NodeJS.ProcessEnv; cwd?: string },
): Spawned {
  const fd = fs.openSync(opts.logFile, 'a');
  try {
    const child = spawn(file, [...args], {
      detached: true,
      stdio: ['ignore', fd, fd],
      env: opts.env ?? process.env,
      ...(opts.cwd ? { cwd: opts.cwd } : {}),
    });
    const exited = new Promise<number | null>((resolve) => {
      child.once('exit', (code) => resolve(code));
      child.once('error', () => resolve(null));
    });
    if (child.pid === undefined) throw new Error(`cannot spawn ${file}`);
    return { pid: child.pid, exited };
  } finally {
    fs.closeSync(fd);
  }
}

/** Runs a short command to completion; throws with its output on failure or timeout. */
export async function runCommand(
  file: string,
  args: readonly string[],
  opts: { env?: NodeJS.ProcessEnv; cwd?: string; timeoutMs: number },
): Promise<{ stdout: string; stderr: string }> {
  try {
    return await execFileP(file, [...args], {
      env: opts.env ?? process.env,
      timeout: opts.timeoutMs,
      killSignal: 'SIGKILL',
      maxBuffer: 64 * 1024 * 1024,
      ...(opts.cwd ? { cwd: opts.cwd } : {}),
    });
  } catch (err) {
    const e = err as { stdout?: string; stderr?: string; message: string };
    const tail = `${e.stderr ?? ''}${e.stdout ?? ''}`.trim().split('\n').slice(-8).join('\n');
    throw new Error(
      `${file} ${args.join(' ')} failed: ${e.message.split('\n')[0]}${tail ? `\n${tail}` : ''}`,
    );
  }
}

/**
 * Installs a Debian package non-interactively (`apt-get install -y <args>`),
 * refreshing the package lists once and retrying when the first try fails.
 */
export async function aptInstall(args: readonly string[]): Promise<void> {
  const env = { ...process.env, DEBIAN_FRONTEND: 'noninteractive' };
  try {
    await runCommand('apt-get', ['install', '-y', ...args], { env, timeoutMs: 300_000 });
  } catch {
    await runCommand('apt-get', ['update'], { env, timeoutMs: 300_000 });
    await runCommand('apt-get', ['install', '-y', ...args], { env, timeoutMs: 300_000 });
  }
}

/** Waits for a pid to disappear; true if it did within timeoutMs. */
export async function waitGone(pid: number, timeoutMs: number): Promise<boolean> {
  const deadline = Date.now() + timeoutMs;
  while (Date.now() < deadline) {
    if (!isLive(pid)) return true;
    await sleep(20);
  }
  return !isLive(pid);
}

/** The end of a launch: polite stop of the manager, then every process of the launch by pid. */
export async function disposeLaunch(pid: number | null, dir: string, reaper: Reaper): Promise<void> {
  if (pid !== null && isLive(pid)) await Reaper.end(pid, 10_000);
  reaper.killMarked(dir);
}

/** Last lines of a log file, for error messages. */
export function tail(file: string, lines = 6): string {
  try {
    return fs.readFileSync(file, 'utf8').trim().split('\n').slice(-lines).join('\n');
  } catch {
    return '';
  }
}

/** Throws when pid is gone, quoting the end of the manager's console output. */
export function assertLive(pid: number, what: string, consoleLog: string): void {
  if (isLive(pid)) return;
  throw new Error(`${what} (pid ${pid}) exited unexpectedly; its output ends with:\n${tail(consoleLog)}`);
}
