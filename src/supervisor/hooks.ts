import { spawn } from 'node:child_process';
import fs from 'node:fs';
import type { HookKind, NodeSpec } from '../config/types.js';

/** How one run of a node's hook ended. */
export interface HookOutcome {
  readonly kind: HookKind;
  readonly argv: readonly string[];
  readonly ok: boolean;
  readonly code: number | null;
  readonly signal: NodeJS.Signals | null;
  readonly timedOut: boolean;
  /** Why it could not run at all (missing executable, bad cwd), else null. */
  readonly error: string | null;
  readonly durationMs: number;
}

/** Output kept per hook run for the node's log; the rest is counted, not kept. */
const MAX_OUTPUT = 64 * 1024;

/**
 * Runs a node's `hooks.<kind>` argv without a shell: the node's env plus
 * NODEWARDEN_NODE and NODEWARDEN_EVENT, the node's cwd, user and group, in a
 * process group of its own that is SIGKILLed whole at `hooks.timeoutMs`. Its
 * stdout and stderr go into the node's log, each line behind `[hook <kind>] `.
 * Null when the node has no such hook. Never rejects.
 */
export function runHook(
  spec: NodeSpec,
  kind: HookKind,
  opts: { output: () => number | null; uid?: number; gid?: number },
): Promise<HookOutcome> | null {
  const argv = spec.hooks[kind];
  if (argv.length === 0) return null;
  const started = Date.now();
  return new Promise((resolve) => {
    const chunks: Buffer[] = [];
    let kept = 0;
    let timedOut = false;
    let settled = false;
    const finish = (code: number | null, signal: NodeJS.Signals | null, error: string | null): void => {
      if (settled) return;
      settled = true;
      clearTimeout(timer);
      const outcome: HookOutcome = {
        kind,
        argv,
        ok: error === null && !timedOut && code === 0,
        code,
        signal,
        timedOut,
        error,
        durationMs: Date.now() - started,
      };
      const end = outcome.ok ? `done in ${outcome.durationMs} ms` : describeHookFailure(outcome);
      const out = Buffer.concat(chunks).toString('utf8');
      writeLines(opts.output(), kind, `${out}${out === '' || out.endsWith('\n') ? '' : '\n'}${end}\n`);
      resolve(outcome);
    };
    const child = spawn(argv[0]!, argv.slice(1), {
      cwd: spec.cwd,
      env: { ...process.env, ...spec.env, NODEWARDEN_NODE: spec.name, NODEWARDEN_EVENT: kind },
      stdio: ['ignore', 'pipe', 'pipe'],
      detached: true,
      ...(opts.uid !== undefined ? { uid: opts.uid } : {}),
      ...(opts.gid !== undefined ? { gid: opts.gid } : {}),
    });
    const collect = (d: Buffer): void => {
      if (kept >= MAX_OUTPUT) return;
      chunks.push(d.subarray(0, MAX_OUTPUT - kept));
      kept += Math.min(d.length, MAX_OUTPUT - kept);
    };
    child.stdout.on('data', collect);
    child.stderr.on('data', collect);
    const timer = setTimeout(() => {
      timedOut = true;
      killGroup(child.pid);
    }, spec.hooks.timeoutMs);
    child.on('error', (err: NodeJS.ErrnoException) => finish(null, null, err.code ?? err.message));
    // 'close' waits for the pipes: a grandchild holding them open is killed with the group at the timeout.
    child.on('close', (code, signal) => finish(code, signal, null));
  });
}

function killGroup(pid: number | undefined): void {
  if (pid === undefined) return;
  try {
    process.kill(-pid, 'SIGKILL');
  } catch {
    // already gone
  }
}

/** Each line of a hook's output into the node's log, behind `[hook <kind>] `; best effort. */
function writeLines(fd: number | null, kind: HookKind, text: string): void {
  if (fd === null || text === '') return;
  const lines = text.replace(/\n$/, '').split('\n');
  const buf = Buffer.from(lines.map((l) => `[hook ${kind}] ${l}\n`).join(''));
  fs.write(fd, buf, () => undefined);
}

/**
 * The hook a state change runs, if any: postStart when a start succeeded
 * (starting → running, not an adoption), preStop as a stop begins, postStop
 * once the process is gone after a stop. preStart runs inside the spawn.
 */
export function hookOfTransition(from: string, to: string): HookKind | null {
  if (from === 'starting' && to === 'running') return 'postStart';
  if (to === 'stopping') return 'preStop';
  if (from === 'stopping') return 'postStop';
  return null;
}

/** One line saying how a hook failed, for an error or an event reason. */
export function describeHookFailure(o: HookOutcome): string {
  if (o.error !== null) return `${o.kind} hook cannot run: ${o.error}`;
  if (o.timedOut) return `${o.kind} hook timed out`;
  if (o.signal !== null) return `${o.kind} hook killed by ${o.signal}`;
  return `${o.kind} hook exited with code ${o.code}`;
}
