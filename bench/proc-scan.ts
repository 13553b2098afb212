import fs from 'node:fs';

/**
 * The bench's own view of /proc: which processes belong to a launch (their
 * argv names the launch's private directory), which of them descend from a
 * manager, and what a manager costs (CPU ticks, RSS). Separate from
 * src/supervisor/proc.ts because the bench also needs `comm`.
 */

export interface ProcEntry {
  readonly pid: number;
  readonly ppid: number;
  readonly comm: string;
  readonly state: string;
  /** utime + stime, clock ticks. */
  readonly cpuTicks: number;
}

/** Clock ticks per second of /proc/<pid>/stat times (USER_HZ, 100 on Linux). */
export const CLK_TCK = 100;

function parse(pid: number, line: string): ProcEntry | null {
  const open = line.indexOf('(');
  const close = line.lastIndexOf(')');
  if (open < 0 || close < 0) return null;
  const f = line.slice(close + 2).split(' ');
  return {
    pid,
    comm: line.slice(open + 1, close),
    state: f[0]!,
    ppid: Number(f[1]),
    cpuTicks: Number(f[11]) + Number(f[12]),
  };
}

export function readEntry(pid: number): ProcEntry | null {
  try {
    return parse(pid, fs.readFileSync(`/proc/${pid}/stat`, 'latin1'));
  } catch {
    return null;
  }
}

/** Every process on the host, by pid. */
export function scanProcs(): Map<number, ProcEntry> {
  const out = new Map<number, ProcEntry>();
  for (const name of fs.readdirSync('/proc')) {
    const c = name.charCodeAt(0);
    if (c < 48 || c > 57) continue;
    const e = readEntry(Number(name));
    if (e) out.set(e.pid, e);
  }
  return out;
}

export function readCmdline(pid: number): string | null {
  try {
    return fs.readFileSync(`/proc/${pid}/cmdline`, 'utf8').replace(/\0/g, ' ');
  } catch {
    return null;
  }
}

const live = (e: ProcEntry): boolean => e.state !== 'Z' && e.state !== 'X';

/** Live processes (not zombies) whose argv contains `marker`, except this bench. */
export function pidsWithMarker(marker: string, procs = scanProcs()): number[] {
  const out: number[] = [];
  for (const e of procs.values()) {
    if (e.pid === process.pid || !live(e)) continue;
    if (readCmdline(e.pid)?.includes(marker)) out.push(e.pid);
  }
  return out;
}

/** True when `ancestor` is on pid's parent chain. */
export function descendsFrom(pid: number, ancestor: number, procs: ReadonlyMap<number, ProcEntry>): boolean {
  let cur = procs.get(pid);
  for (let hops = 0; cur && hops < 64; hops++) {
    if (cur.ppid === ancestor) return true;
    cur = procs.get(cur.ppid);
  }
  return false;
}

/** Live processes named `comm` with `marker` in their argv that descend from `manager`. */
export function countUnder(manager: number, comm: string, marker: string): number {
  const procs = scanProcs();
  let n = 0;
  for (const e of procs.values()) {
    if (e.comm !== comm || !live(e) || !descendsFrom(e.pid, manager, procs)) continue;
    if (readCmdline(e.pid)?.includes(marker)) n++;
  }
  return n;
}

/** Live processes named `comm` with `marker` in their argv, wherever they hang. */
export function countLive(comm: string, marker: string): number {
  let n = 0;
  for (const e of scanProcs().values()) {
    if (e.comm === comm && live(e) && readCmdline(e.pid)?.includes(marker)) n++;
  }
  return n;
}

export function isLive(pid: number): boolean {
  const e = readEntry(pid);
  return e !== null && live(e);
}

/** A manager's cost right now: CPU ticks so far and resident memory. */
export function usage(pid: number): { cpuTicks: number; rssBytes: number } | null {
  const e = readEntry(pid);
  if (!e) return null;
  let rssBytes = 0;
  try {
    const m = /^VmRSS:\s+(\d+) kB/m.exec(fs.readFileSync(`/proc/${pid}/status`, 'utf8'));
    rssBytes = m ? Number(m[1]) * 1024 : 0;
  } catch {
    return null;
  }
  return { cpuTicks: e.cpuTicks, rssBytes };
}
