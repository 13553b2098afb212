/**
 * The nodewarden processes of a chaos run: `nodewarden run` started as a real
 * child (stdout and stderr appended to a file), and the real CLI for every
 * operator verb.
 */
import { spawn, type ChildProcess } from 'node:child_process';
import fs from 'node:fs';
import { CLI } from './fleet.js';

export interface CliResult {
  code: number | null;
  stdout: string;
  stderr: string;
}

/** Runs `nodewarden <args> --config DIR`; killed (by pid) after `timeoutMs`, which is only a failure bound. */
export function runCli(configDir: string, args: string[], timeoutMs = 60_000): Promise<CliResult> {
  const env: NodeJS.ProcessEnv = { ...process.env };
  delete env.NODEWARDEN_CONFIG;
  const child = spawn(process.execPath, [CLI, ...args, '--config', configDir], {
    stdio: ['ignore', 'pipe', 'pipe'],
    env,
  });
  let stdout = '';
  let stderr = '';
  child.stdout.setEncoding('utf8').on('data', (d: string) => (stdout += d));
  child.stderr.setEncoding('utf8').on('data', (d: string) => (stderr += d));
  return new Promise((resolve) => {
    const timer = setTimeout(() => child.kill('SIGKILL'), timeoutMs);
    child.on('error', (err) => {
      clearTimeout(timer);
      resolve({ code: null, stdout, stderr: stderr + String(err) });
    });
    child.on('close', (code) => {
      clearTimeout(timer);
      resolve({ code, stdout, stderr });
    });
  });
}

/** One `nodewarden run`. */
export class ManagerProcess {
  readonly pid: number;
  private readonly child: ChildProcess;
  exited = false;
  exitInfo = '';
  readonly done: Promise<void>;

  constructor(configDir: string, logFile: string, env: NodeJS.ProcessEnv) {
    const fd = fs.openSync(logFile, 'a');
    this.child = spawn(process.execPath, [CLI, 'run', '--config', configDir], {
      stdio: ['ignore', fd, fd],
      env,
      // Its own process group: the driver's terminal signals must not reach it.
      detached: true,
    });
    fs.closeSync(fd);
    if (this.child.pid === undefined) throw new Error('nodewarden run did not start');
    this.pid = this.child.pid;
    this.done = new Promise((resolve) => {
      this.child.on('exit', (code, signal) => {
        this.exited = true;
        this.exitInfo = signal ? `signal ${signal}` : `code ${code}`;
        resolve();
      });
    });
  }

  kill(signal: NodeJS.Signals): void {
    if (this.exited) return;
    try {
      process.kill(this.pid, signal);
    } catch {
      // already gone
    }
  }

  /** Resolves true once it has exited, false after `ms`. */
  async waitExit(ms: number): Promise<boolean> {
    if (this.exited) return true;
    let timer: NodeJS.Timeout | undefined;
    const t = new Promise<boolean>((resolve) => (timer = setTimeout(() => resolve(false), ms)));
    const r = await Promise.race([this.done.then(() => true), t]);
    clearTimeout(timer);
    return r;
  }
}
