/**
 * A real nodewarden booted in process on a temp config dir of simulated nodes
 * (pueue's `daemon()` helper): the API and CLI suites drive it through its
 * socket and the built CLI. Cleanup stops the daemon and then ends, by pid,
 * every node process it ever recorded that is still alive (`--keep-nodes`).
 */
import { spawn, type ChildProcessByStdio } from 'node:child_process';
import { after } from 'node:test';
import fs from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import type { Readable } from 'node:stream';
import { startDaemon, type Daemon } from '../../src/daemon.js';
import { ControlClient } from '../../src/protocol/client.js';
import { isAlive } from '../../src/supervisor/proc.js';
import { removeNodeCgroups } from './cgroups.js';
import { waitUntil as pollUntil } from './wait.js';
import { CLI, mergeJson, SIM, simArgs, type Json } from './sim-config.js';

export { CLI, SIM, simArgs };

export interface TestConfig {
  /** `nodes/<name>.json` contents; merged over the sim template. */
  nodes?: Record<string, Json>;
  /** Merged over the test's nodewarden.json. */
  manager?: Json;
  /** Merged over the test's template.json. */
  template?: Json;
  /** `targets/<name>.json` contents (watch-only targets), written as they are. */
  targets?: Record<string, Json>;
}

export interface CliResult {
  code: number | null;
  stdout: string;
  stderr: string;
}

/** A fresh temp dir (`nw-…`). */
export function tmpDir(): string {
  return fs.mkdtempSync(path.join(os.tmpdir(), 'nw-'));
}

/**
 * Write `<dir>/configs`: state and logs inside `dir`, no startup pacing
 * (concurrency 0, intervalMs 0), host-pressure shedding out of reach (a busy
 * test machine must not pause the nodes under test), sim nodes with a 1 s
 * start window and a short stop grace. Returns the config dir.
 */
export function writeConfig(dir: string, cfg: TestConfig = {}): string {
  const configDir = path.join(dir, 'configs');
  fs.mkdirSync(path.join(configDir, 'nodes'), { recursive: true });
  const manager = mergeJson(
    {
      stateDir: path.join(dir, 'state'),
      logDir: path.join(dir, 'logs'),
      templatesDir: path.join(dir, 'templates'),
      startup: { concurrency: 0, intervalMs: 0 },
      pressure: { samples: 1000 },
    },
    cfg.manager ?? {},
  );
  const template = mergeJson(
    {
      binary: process.execPath,
      args: simArgs('--block-ms', '1000'),
      dataDir: path.join(dir, 'data', '{{name}}'),
      restart: { startSeconds: 1, backoffMs: 100, backoffMaxMs: 1000 },
      stop: { graceMs: 3000 },
    },
    cfg.template ?? {},
  );
  writeJson(path.join(configDir, 'nodewarden.json'), manager);
  writeJson(path.join(configDir, 'template.json'), template);
  for (const [name, body] of Object.entries(cfg.nodes ?? {})) writeNode(configDir, name, body);
  for (const [name, body] of Object.entries(cfg.targets ?? {})) writeTarget(configDir, name, body);
  return configDir;
}

/**
 * For the suite it is called in: a `configWith(cfg)` writing each config
 * (see writeConfig) in a fresh temp dir and returning its config dir; every
 * dir it made is removed after the suite.
 */
export function suiteConfigs(): (cfg?: TestConfig) => string {
  const dirs: string[] = [];
  after(() => dirs.forEach((d) => fs.rmSync(d, { recursive: true, force: true })));
  return (cfg) => {
    const dir = tmpDir();
    dirs.push(dir);
    return writeConfig(dir, cfg);
  };
}

export function writeNode(configDir: string, name: string, body: Json): void {
  writeJson(path.join(configDir, 'nodes', `${name}.json`), body);
}

export function writeTarget(configDir: string, name: string, body: Json): void {
  fs.mkdirSync(path.join(configDir, 'targets'), { recursive: true });
  writeJson(path.join(configDir, 'targets', `${name}.json`), body);
}

export function removeNode(configDir: string, name: string): void {
  fs.rmSync(path.join(configDir, 'nodes', `${name}.json`));
}

function writeJson(file: string, value: unknown): void {
  fs.writeFileSync(file, JSON.stringify(value, null, 2) + '\n');
}

/** Run the built CLI with `--config configDir`; the timeout is only a failure bound. */
export function runCli(configDir: string, args: string[], timeoutMs = 30_000): Promise<CliResult> {
  const env: NodeJS.ProcessEnv = { ...process.env };
  delete env.NODEWARDEN_CONFIG;
  const child = spawn(process.execPath, [CLI, '--config', configDir, ...args], {
    stdio: ['ignore', 'pipe', 'pipe'],
    env,
  });
  return collectOutput(child, `nodewarden ${args.join(' ')}`, timeoutMs);
}

/**
 * A child's whole stdout and stderr and its exit code, once it closes. If it
 * has not closed after `timeoutMs` (only a failure bound) it is killed and
 * the promise rejects, naming `what` and quoting the output so far.
 */
export function collectOutput(
  child: ChildProcessByStdio<null, Readable, Readable>,
  what: string,
  timeoutMs = 30_000,
): Promise<CliResult> {
  let stdout = '';
  let stderr = '';
  child.stdout.setEncoding('utf8').on('data', (d: string) => (stdout += d));
  child.stderr.setEncoding('utf8').on('data', (d: string) => (stderr += d));
  return new Promise((resolve, reject) => {
    const timer = setTimeout(() => {
      child.kill('SIGKILL');
      reject(new Error(`${what} did not finish in ${timeoutMs} ms; stdout: ${stdout} stderr: ${stderr}`));
    }, timeoutMs);
    child.on('error', reject);
    child.on('close', (code) => {
      clearTimeout(timer);
      resolve({ code, stdout, stderr });
    });
  });
}

/** Polls a fact until truthy (see test/helpers/wait.ts); the timeout is only a failure bound. */
export function waitUntil<T>(
  fact: () => T | Promise<T>,
  what: string,
  timeoutMs = 10_000,
): Promise<NonNullable<T>> {
  return pollUntil(fact, what, timeoutMs, 25);
}

export interface TestDaemon {
  readonly daemon: Daemon;
  readonly dir: string;
  readonly configDir: string;
  readonly client: ControlClient;
  cli(args: string[]): Promise<CliResult>;
  /** A node's current pid (null without a process). */
  pid(name: string): number | null;
  /** Polls until every named node (default: all) is `running`; returns their pids. */
  waitRunning(names?: string[]): Promise<Record<string, number>>;
  /** Stops the daemon (if still up), ends every node process left, removes the temp dir. */
  close(): Promise<void>;
}

/** Write a config (see writeConfig) and boot a daemon on it in process. */
export async function startTestDaemon(cfg: TestConfig = {}): Promise<TestDaemon> {
  const dir = tmpDir();
  const configDir = writeConfig(dir, cfg);
  const seen = new Map<number, string>();
  let daemon: Daemon;
  try {
    daemon = await startDaemon({ configDir, consoleLog: false });
  } catch (err) {
    fs.rmSync(dir, { recursive: true, force: true });
    throw err;
  }
  const remember = (d: Daemon): void => {
    d.bus.on('process', (p) => {
      if (p.identity) seen.set(p.identity.pid, p.identity.startTime);
    });
    for (const s of d.supervisor.snapshots()) {
      const id = d.supervisor.runner(s.name)?.processIdentity();
      if (id) seen.set(id.pid, id.startTime);
    }
  };
  remember(daemon);
  const t: TestDaemon = {
    daemon,
    dir,
    configDir,
    client: new ControlClient({ socketPath: daemon.manager.control.socket }),
    cli: (args) => runCli(configDir, args),
    pid: (name) => daemon.supervisor.runner(name)?.snapshot().pid ?? null,
    async waitRunning(names = daemon.supervisor.names()) {
      await waitUntil(
        () => names.every((n) => daemon.supervisor.runner(n)?.snapshot().state === 'running'),
        `${names.join(', ')} are running`,
      );
      return Object.fromEntries(names.map((n) => [n, t.pid(n)!]));
    },
    async close() {
      await daemon.stop();
      const killed: Array<[number, string]> = [];
      for (const [pid, startTime] of seen) {
        if (!isAlive(pid, startTime)) continue;
        try {
          process.kill(pid, 'SIGKILL');
          killed.push([pid, startTime]);
        } catch {
          // gone meanwhile
        }
      }
      await waitUntil(
        () => killed.every(([pid, st]) => !isAlive(pid, st)),
        'every kept node to be gone',
        5000,
      );
      removeNodeCgroups(daemon.manager.stateDir);
      fs.rmSync(dir, { recursive: true, force: true });
    },
  };
  return t;
}
