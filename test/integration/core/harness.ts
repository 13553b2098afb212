/**
 * Harness of the core acceptance tests: a temp config dir of simulated nodes
 * (a Fleet), the real CLI `nodewarden run --config DIR` as a child process, a
 * tail of the manager log `<logDir>/nodewarden.log` (JSON lines, events logged
 * as `"<node>: <type> (<reason>)"` with their details) to wait on, facts read
 * from /proc, and cleanup of every process by pid: the ones it was told about
 * and every process whose working directory lies inside the fleet's temp dir
 * (the manager is started there, nodes and grandchildren run in their dataDir).
 */
import assert from 'node:assert/strict';
import { spawn, type ChildProcess } from 'node:child_process';
import fs from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { afterEach } from 'node:test';
import { fileURLToPath } from 'node:url';
import { withoutStamp } from '../../../src/logs/line-stamp.js';
import { ManagerLog, type LogEntry } from './manager-log.js';
import { alive, allPids, argvOf, cwdOf, readStat, waitGone, waitUntil } from './proc-facts.js';
import { removeNodeCgroups } from '../../helpers/cgroups.js';
import { CLI, mergeJson, SIM, simArgs, type Json } from '../../helpers/sim-config.js';

export { after, isEvent, ManagerLog, type LogEntry } from './manager-log.js';
export { alive, waitGone, waitUntil } from './proc-facts.js';
export { CLI, SIM, simArgs };

/** The compiled tree (dist/). */
export const DIST = fileURLToPath(new URL('../../../', import.meta.url));
/** The sim's grandchild program (`--ignore-sigterm` to shrug off SIGTERM). */
export const SLEEPER = path.join(DIST, 'src', 'sim', 'sleeper.js');

// ---------------------------------------------------------------- manager process

/** A `nodewarden` CLI process started by the harness. */
export interface CliProcess {
  readonly child: ChildProcess;
  readonly pid: number;
  readonly exited: Promise<{ code: number | null; signal: NodeJS.Signals | null }>;
  stdout(): string;
  stderr(): string;
  signal(sig: NodeJS.Signals): void;
  /** Resolves with the exit; fails after `timeoutMs` (a failure bound only). */
  waitExit(timeoutMs?: number): Promise<{ code: number | null; signal: NodeJS.Signals | null }>;
}

/** Creation options of a Fleet: node files and overrides of the test defaults. */
export interface FleetOptions {
  /** `nodes/<name>.json` contents; without `args` a node runs the plain sim. */
  nodes: Record<string, Json>;
  template?: Json;
  manager?: Json;
}

/**
 * One temp config dir (nodewarden.json, template.json, nodes/) of simulated
 * nodes, with state, logs and data inside it; starts managers on it and ends
 * every process it knows of in `cleanup`.
 */
export class Fleet {
  readonly configDir: string;
  readonly stateDir: string;
  readonly logDir: string;
  readonly log: ManagerLog;
  private readonly tracked = new Map<number, string>();
  private readonly managers: CliProcess[] = [];
  private seq = 0;

  private constructor(readonly dir: string) {
    this.configDir = path.join(dir, 'configs');
    this.stateDir = path.join(dir, 'state');
    this.logDir = path.join(dir, 'logs');
    this.log = new ManagerLog(path.join(this.logDir, 'nodewarden.log'), () => {
      const last = this.managers.at(-1);
      return last ? `; manager pid ${last.pid} stderr: ${last.stderr().slice(-600)}` : '';
    });
  }

  static create(opts: FleetOptions): Fleet {
    const f = new Fleet(fs.mkdtempSync(path.join(os.tmpdir(), 'nw-')));
    fs.mkdirSync(path.join(f.configDir, 'nodes'), { recursive: true });
    fs.mkdirSync(f.logDir, { recursive: true });
    const manager = mergeJson(
      { stateDir: f.stateDir, logDir: f.logDir, startup: { concurrency: 0, intervalMs: 0 } },
      opts.manager ?? {},
    );
    const template = mergeJson(
      {
        binary: process.execPath,
        args: simArgs(),
        env: { SIM_PORT: '0' },
        dataDir: path.join(f.dir, 'data', '{{name}}'),
        restart: { startSeconds: 1, stableSeconds: 1, backoffMs: 100, backoffMaxMs: 1000 },
        stop: { graceMs: 1500 },
      },
      opts.template ?? {},
    );
    f.writeJson('nodewarden.json', manager);
    f.writeJson('template.json', template);
    for (const [name, node] of Object.entries(opts.nodes))
      f.writeJson(path.join('nodes', `${name}.json`), node);
    return f;
  }

  /** Writes a file of the config dir (e.g. a node file to change it). */
  writeJson(rel: string, value: unknown): void {
    fs.writeFileSync(path.join(this.configDir, rel), JSON.stringify(value, null, 2) + '\n');
  }

  /** `nodewarden <args...> --config DIR` as a child (own session, cwd inside the temp dir, output to files). */
  cli(args: readonly string[], env: NodeJS.ProcessEnv = {}): CliProcess {
    const n = ++this.seq;
    const outFile = path.join(this.dir, `cli-${n}.out`);
    const errFile = path.join(this.dir, `cli-${n}.err`);
    const out = fs.openSync(outFile, 'w');
    const err = fs.openSync(errFile, 'w');
    const child = spawn(process.execPath, [CLI, ...args, '--config', this.configDir], {
      cwd: this.dir,
      detached: true,
      stdio: ['ignore', out, err],
      env: { ...process.env, ...env },
    });
    fs.closeSync(out);
    fs.closeSync(err);
    if (child.pid === undefined) throw new Error('could not spawn the nodewarden CLI');
    this.track(child.pid);
    const pid = child.pid;
    const exited = new Promise<{ code: number | null; signal: NodeJS.Signals | null }>((resolve) =>
      child.once('exit', (code, signal) => resolve({ code, signal })),
    );
    const read = (f: string) => (): string => {
      try {
        return fs.readFileSync(f, 'utf8');
      } catch {
        return '';
      }
    };
    const stderr = read(errFile);
    return {
      child,
      pid,
      exited,
      stdout: read(outFile),
      stderr,
      signal: (sig) => process.kill(pid, sig),
      waitExit: async (timeoutMs = 15_000) => {
        let timer: NodeJS.Timeout | undefined;
        const bound = new Promise<never>((_, reject) => {
          timer = setTimeout(
            () =>
              reject(
                new Error(
                  `nodewarden ${args.join(' ')} (pid ${pid}) did not exit within ${timeoutMs} ms; stderr: ${stderr().slice(-500)}`,
                ),
              ),
            timeoutMs,
          );
        });
        try {
          return await Promise.race([exited, bound]);
        } finally {
          clearTimeout(timer);
        }
      },
    };
  }

  /**
   * A control verb (`status`, `stop` …) run to its end; retried while the
   * daemon is unreachable (exit 3: its control socket may come up just after
   * the first node starts), and while a read verb answers from the state
   * database instead (a manager just spawned has not taken its lock yet).
   */
  async ctl(
    args: readonly string[],
    timeoutMs = 15_000,
  ): Promise<{ code: number | null; stdout: string; stderr: string }> {
    return waitUntil(
      async () => {
        const cli = this.cli(args);
        const r = await cli.waitExit(timeoutMs);
        const out = { code: r.code, stdout: cli.stdout(), stderr: cli.stderr() };
        const fromDatabase =
          /^nodewarden is not running \(last known state from |^nodewarden: no state database at /;
        return r.code === 3 || fromDatabase.test(out.stdout) || fromDatabase.test(out.stderr) ? null : out;
      },
      `nodewarden ${args.join(' ')} reaches the daemon`,
      timeoutMs,
    );
  }

  /** `nodewarden run --config DIR`. */
  startManager(): CliProcess {
    const m = this.cli(['run']);
    this.managers.push(m);
    return m;
  }

  /** Remember a pid (with its start time) for cleanup. */
  track(...pids: number[]): void {
    for (const pid of pids) {
      const st = readStat(pid);
      if (st && !this.tracked.has(pid)) this.tracked.set(pid, st.startTime);
    }
  }

  nodeLogPath(name: string): string {
    return path.join(this.logDir, `${name}.log`);
  }

  /** The node's log lines so far (complete lines only), as the node printed them (arrival stamps taken off). */
  nodeLines(name: string): string[] {
    let text: string;
    try {
      text = fs.readFileSync(this.nodeLogPath(name), 'utf8');
    } catch {
      return [];
    }
    const lines = text.split('\n');
    lines.pop();
    return lines.map(withoutStamp);
  }

  /** Waits for a line of the node's log matching `re`. */
  async waitNodeLine(name: string, re: RegExp, timeoutMs = 15_000): Promise<RegExpMatchArray> {
    return waitUntil(
      () =>
        this.nodeLines(name)
          .map((l) => re.exec(l))
          .find((m) => m !== null) ?? null,
      `${name}.log has a line matching ${re}`,
      timeoutMs,
    );
  }

  /** Waits until the sim of `name` with this pid says READY (signal handlers and grandchild in place). */
  ready(name: string, pid: number): Promise<RegExpMatchArray> {
    return this.waitNodeLine(name, new RegExp(`^READY pid=${pid} `));
  }

  /** Live (non-zombie) sim processes of this fleet running as node `name`. */
  simPids(name: string): number[] {
    return this.ownedPids().filter((pid) => {
      const argv = argvOf(pid);
      if (!argv || argv[1] !== SIM) return false;
      const i = argv.indexOf('--name');
      return i > 0 && argv[i + 1] === name;
    });
  }

  /** Live processes whose working directory is inside the temp dir. */
  ownedPids(): number[] {
    const prefix = this.dir + path.sep;
    return allPids().filter((pid) => {
      const cwd = cwdOf(pid);
      return cwd !== null && (cwd === this.dir || cwd.startsWith(prefix)) && alive(pid);
    });
  }

  /** SIGKILLs every tracked or owned process, by pid, waits until each is gone, removes the temp dir. */
  async cleanup(): Promise<void> {
    const victims = new Set<number>();
    for (const [pid, startTime] of this.tracked) if (alive(pid, startTime)) victims.add(pid);
    for (const pid of this.ownedPids()) victims.add(pid);
    for (const pid of victims) {
      try {
        process.kill(pid, 'SIGKILL');
      } catch {
        // already gone
      }
    }
    await waitGone([...victims], 'every leftover process', 5000);
    removeNodeCgroups(this.stateDir);
    fs.rmSync(this.dir, { recursive: true, force: true });
  }
}

/** The `pid` detail of a node event line. */
export function pidOf(e: LogEntry): number {
  assert.equal(typeof e['pid'], 'number', `${e.message} carries the pid`);
  return e['pid'] as number;
}

/** A Fleet factory for one test file; every fleet it made is cleaned up after each test. */
export function useFleets(): (opts: FleetOptions) => Fleet {
  const made: Fleet[] = [];
  afterEach(async () => {
    for (const f of made.splice(0)) await f.cleanup();
  });
  return (opts) => {
    const f = Fleet.create(opts);
    made.push(f);
    return f;
  };
}
