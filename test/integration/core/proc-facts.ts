/**
 * Facts about processes read straight from /proc, for the core acceptance
 * tests (independent of the code under test): alive or gone (a zombie counts
 * as gone), argv, working directory; plus a bounded poll for such facts.
 */
import fs from 'node:fs';
import { waitUntil as pollUntil } from '../../helpers/wait.js';

/** The fields of /proc/<pid>/stat the tests need. */
export interface Stat {
  state: string;
  startTime: string;
}

/** /proc/<pid>/stat, or null when there is no such process. */
export function readStat(pid: number): Stat | null {
  let line: string;
  try {
    line = fs.readFileSync(`/proc/${pid}/stat`, 'latin1');
  } catch {
    return null;
  }
  const f = line.slice(line.lastIndexOf(')') + 2).split(' ');
  return { state: f[0] ?? '?', startTime: f[19] ?? '' };
}

/** The pid exists and is not a zombie (a zombie counts as gone); with startTime, it is that very process. */
export function alive(pid: number, startTime?: string): boolean {
  const st = readStat(pid);
  if (!st || st.state === 'Z' || st.state === 'X') return false;
  return startTime === undefined || st.startTime === startTime;
}

/** argv from /proc/<pid>/cmdline, or null when the process is gone. */
export function argvOf(pid: number): string[] | null {
  try {
    const parts = fs.readFileSync(`/proc/${pid}/cmdline`, 'utf8').split('\0');
    if (parts.at(-1) === '') parts.pop();
    return parts;
  } catch {
    return null;
  }
}

/** The working directory, or null when it cannot be read (gone, a zombie). */
export function cwdOf(pid: number): string | null {
  try {
    return fs.readlinkSync(`/proc/${pid}/cwd`);
  } catch {
    return null;
  }
}

/** Every pid in /proc right now. */
export function allPids(): number[] {
  return fs
    .readdirSync('/proc')
    .filter((n) => /^\d+$/.test(n))
    .map(Number);
}

/** Polls a fact until truthy (see test/helpers/wait.ts); the timeout is only a failure bound. */
export function waitUntil<T>(
  fact: () => T | Promise<T>,
  what: string,
  timeoutMs = 15_000,
): Promise<NonNullable<T>> {
  return pollUntil(fact, what, timeoutMs, 25);
}

/** Resolves when every pid is gone (zombies count as gone). */
export async function waitGone(pids: readonly number[], what: string, timeoutMs = 10_000): Promise<void> {
  await waitUntil(
    () => pids.every((p) => !alive(p)),
    `${what} (pids ${pids.join(', ')}) are gone`,
    timeoutMs,
  );
}
