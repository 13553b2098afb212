/**
 * Test harness for the compiled sim node: spawns it, collects its stdout lines,
 * waits on protocol lines (READY, CRASH, ...) instead of sleeping, and ends every
 * process it started by pid.
 */
import { spawn, type ChildProcess } from 'node:child_process';
import * as fs from 'node:fs';
import * as http from 'node:http';
import { fileURLToPath } from 'node:url';
import { waitUntil } from '../../helpers/wait.js';

/** Path of the compiled sim node. */
export const SIM = fileURLToPath(new URL('../../../src/sim/sim-node.js', import.meta.url));

/** One spawned sim process and what it has printed so far. */
export interface SimRun {
  readonly child: ChildProcess;
  readonly pid: number;
  readonly lines: string[];
  stderr(): string;
  /** Resolves with the first line (from `from` on) matching `re`; rejects if the process exits first. */
  waitLine(re: RegExp, opts?: { from?: number; timeoutMs?: number }): Promise<RegExpMatchArray>;
  /** Resolves when the process has exited (all stdout read). */
  readonly exited: Promise<{ code: number | null; signal: NodeJS.Signals | null }>;
}

const pids = new Set<number>();

/** Spawns `sim-node args...` in its own process group; the pid is remembered for `killAll`. */
export function spawnSim(args: string[], env: NodeJS.ProcessEnv = {}): SimRun {
  const child = spawn(process.execPath, [SIM, ...args], {
    stdio: ['ignore', 'pipe', 'pipe'],
    detached: true,
    env: { ...process.env, SIM_PORT: '', ...env },
  });
  if (child.pid === undefined) throw new Error('spawn failed');
  pids.add(child.pid);
  const lines: string[] = [];
  let partial = '';
  let err = '';
  let done = false;
  const waiters = new Set<() => void>();
  const poke = (): void => waiters.forEach((w) => w());
  child.stdout!.setEncoding('utf8');
  child.stdout!.on('data', (d: string) => {
    const parts = (partial + d).split('\n');
    partial = parts.pop()!;
    lines.push(...parts);
    poke();
  });
  child.stderr!.setEncoding('utf8');
  child.stderr!.on('data', (d: string) => (err += d));
  const exited = new Promise<{ code: number | null; signal: NodeJS.Signals | null }>((resolve) => {
    child.on('close', (code, signal) => {
      done = true;
      pids.delete(child.pid!);
      poke();
      resolve({ code, signal });
    });
  });
  const waitLine = (
    re: RegExp,
    opts: { from?: number; timeoutMs?: number } = {},
  ): Promise<RegExpMatchArray> =>
    new Promise((resolve, reject) => {
      let checked = opts.from ?? 0;
      const finish = (fn: () => void): void => {
        waiters.delete(check);
        clearTimeout(timer);
        fn();
      };
      const check = (): void => {
        for (; checked < lines.length; checked++) {
          const m = re.exec(lines[checked]!);
          if (m) return finish(() => resolve(m));
        }
        if (done) finish(() => reject(new Error(`sim exited before printing ${re}; stderr: ${err}`)));
      };
      const timer = setTimeout(
        () =>
          finish(() =>
            reject(new Error(`timed out waiting for ${re}; last lines: ${lines.slice(-5).join(' | ')}`)),
          ),
        opts.timeoutMs ?? 10_000,
      );
      waiters.add(check);
      check();
    });
  return { child, pid: child.pid, lines, stderr: () => err, waitLine, exited };
}

/** Spawns a sim and waits for `READY pid=<pid> port=<port>`. */
export async function startSim(args: string[], env?: NodeJS.ProcessEnv): Promise<SimRun & { port: number }> {
  const run = spawnSim(args, env);
  const m = await run.waitLine(/^READY pid=(\d+) port=(\d+)$/);
  if (Number(m[1]) !== run.pid) throw new Error(`READY reported pid ${m[1]}, spawned ${run.pid}`);
  return Object.assign(run, { port: Number(m[2]) });
}

/** Also end this pid in `killAll` (e.g. a grandchild). */
export function track(pid: number): void {
  pids.add(pid);
}

/** True while the pid exists and is not a zombie. */
export function isAlive(pid: number): boolean {
  try {
    process.kill(pid, 0);
  } catch {
    return false;
  }
  try {
    const stat = fs.readFileSync(`/proc/${pid}/stat`, 'utf8');
    return stat.slice(stat.lastIndexOf(')') + 2)[0] !== 'Z';
  } catch {
    return false;
  }
}

export { waitUntil };

/** SIGKILLs every process the harness started or tracked, by pid, and waits until each is gone. */
export async function killAll(): Promise<void> {
  const all = [...pids];
  for (const pid of all) {
    try {
      process.kill(pid, 'SIGKILL');
    } catch {
      // already gone
    }
  }
  await waitUntil(() => all.every((p) => !isAlive(p)), `pids ${all.join(',')} are gone`);
  all.forEach((p) => pids.delete(p));
}

/** One HTTP request to the sim on 127.0.0.1; resolves with status and body. */
export function request(
  port: number,
  method: string,
  path: string,
  body?: string,
): Promise<{ status: number; body: string }> {
  return new Promise((resolve, reject) => {
    const req = http.request({ host: '127.0.0.1', port, method, path, agent: false }, (res) => {
      let data = '';
      res.setEncoding('utf8');
      res.on('data', (d: string) => (data += d));
      res.on('end', () => resolve({ status: res.statusCode ?? 0, body: data }));
    });
    req.on('error', reject);
    req.end(body);
  });
}

/** `GET path` parsed as JSON. */
export async function getJson(port: number, path: string): Promise<Record<string, unknown>> {
  const r = await request(port, 'GET', path);
  return JSON.parse(r.body) as Record<string, unknown>;
}

/** One JSON-RPC 2.0 call; returns the whole response object. */
export async function rpc(port: number, method: string): Promise<Record<string, unknown>> {
  const r = await request(port, 'POST', '/rpc', JSON.stringify({ jsonrpc: '2.0', id: 1, method }));
  return JSON.parse(r.body) as Record<string, unknown>;
}
