import { execFileSync } from 'node:child_process';
import fs from 'node:fs';

/**
 * Thin, synchronous readers of /proc (Linux). They identify a node process
 * across manager restarts (pid + start time + argv) and find a node's whole
 * process tree. procfs reads never touch a disk, so sync calls are cheap here
 * and, unlike async ones, cannot interleave with a reaping of the child.
 */

/** One process as seen in /proc/<pid>/stat. */
export interface ProcInfo {
  readonly pid: number;
  readonly ppid: number;
  readonly pgid: number;
  readonly sid: number;
  /** One-letter state: R, S, D, Z (zombie), T (stopped), X (dead) ... */
  readonly state: string;
  /** Start time in clock ticks since boot (field 22), kept as a string. */
  readonly startTime: string;
  /** utime + stime in clock ticks (for CPU sampling). */
  readonly cpuTicks: number;
  /** Resident set size in pages (field 24). */
  readonly rssPages: number;
}

/** A snapshot of all processes: by pid, and parent pid → child pids. */
export interface ProcessTable {
  readonly procs: ReadonlyMap<number, ProcInfo>;
  readonly children: ReadonlyMap<number, readonly number[]>;
}

/** Parses one /proc/<pid>/stat line; the command name may hold spaces and ')', so split after the last ')'. */
export function parseStat(pid: number, line: string): ProcInfo | null {
  const close = line.lastIndexOf(')');
  if (close < 0) return null;
  // f[0] is field 3 (state); field N is f[N - 3].
  const f = line.slice(close + 2).split(' ');
  if (f.length < 22) return null;
  return {
    pid,
    state: f[0]!,
    ppid: Number(f[1]),
    pgid: Number(f[2]),
    sid: Number(f[3]),
    cpuTicks: Number(f[11]) + Number(f[12]),
    startTime: f[19]!,
    rssPages: Number(f[21]),
  };
}

// One buffer for every stat read: a stat line is < 1 KiB (comm is at most 64 bytes).
const statBuf = Buffer.alloc(4096);

/**
 * Reads the start of a /proc file into statBuf: the byte count, or null when
 * it cannot be opened or read (e.g. the process exited between open and read).
 */
function readIntoStatBuf(file: string): number | null {
  let fd: number;
  try {
    fd = fs.openSync(file, 'r');
  } catch {
    return null;
  }
  try {
    return fs.readSync(fd, statBuf, 0, statBuf.length, 0);
  } catch {
    return null;
  } finally {
    fs.closeSync(fd);
  }
}

/** Reads /proc/<pid>/stat; null when there is no such process. */
export function readStat(pid: number): ProcInfo | null {
  const n = readIntoStatBuf(`/proc/${pid}/stat`);
  if (n === null) return null;
  return parseStatBytes(pid, statBuf, n);
}

/**
 * `parseStat` over the first n bytes of a buffer, without making a string of
 * the line or splitting it: the sampler reads one stat per process per tick,
 * and this keeps that read free of per-field garbage.
 */
export function parseStatBytes(pid: number, buf: Buffer, n: number): ProcInfo | null {
  let close = n - 1;
  while (close >= 0 && buf[close] !== 0x29 /* ) */) close--;
  if (close < 0) return null;
  // Field 3 (state) starts two bytes after ')'; fields are single-space separated.
  let i = close + 2;
  if (i >= n) return null;
  const state = String.fromCharCode(buf[i]!);
  let field = 3;
  let ppid = 0;
  let pgid = 0;
  let sid = 0;
  let utime = 0;
  let stime = 0;
  let rssPages = 0;
  let startTime = '';
  i += 1;
  while (i < n && field < 24) {
    if (buf[i] !== 0x20) return null;
    i++;
    field++;
    const from = i;
    let v = 0;
    let neg = false;
    if (buf[i] === 0x2d /* - */) {
      neg = true;
      i++;
    }
    while (i < n && buf[i]! >= 0x30 && buf[i]! <= 0x39) v = v * 10 + (buf[i++]! - 0x30);
    if (neg) v = -v;
    if (field === 4) ppid = v;
    else if (field === 5) pgid = v;
    else if (field === 6) sid = v;
    else if (field === 14) utime = v;
    else if (field === 15) stime = v;
    else if (field === 22) startTime = buf.toString('latin1', from, i);
    else if (field === 24) rssPages = v;
    // Skip whatever is not a plain integer (no field up to 24 is).
    while (i < n && buf[i] !== 0x20 && buf[i] !== 0x0a) i++;
  }
  if (field < 24) return null;
  return { pid, state, ppid, pgid, sid, cpuTicks: utime + stime, startTime, rssPages };
}

/**
 * The last pid the kernel handed out in this pid namespace (the fifth field
 * of /proc/loadavg), or null when it cannot be read. Unchanged between two
 * readings means no process or thread was created in between.
 */
export function readLastPid(): number | null {
  const n = readIntoStatBuf('/proc/loadavg');
  if (n === null) return null;
  // "0.50 0.40 0.30 2/345 12345\n"
  let end = n;
  while (end > 0 && (statBuf[end - 1] === 0x0a || statBuf[end - 1] === 0x20)) end--;
  let start = end;
  while (start > 0 && statBuf[start - 1] !== 0x20) start--;
  const v = Number(statBuf.toString('latin1', start, end));
  return start < end && Number.isSafeInteger(v) ? v : null;
}

/** The pids of every process in /proc (thread-group leaders), without reading any of them. */
export function listPids(): number[] {
  const out: number[] = [];
  for (const name of fs.readdirSync('/proc')) {
    const c = name.charCodeAt(0);
    if (c >= 48 && c <= 57) out.push(Number(name));
  }
  return out;
}

/** The kernel's pid_max (pids wrap around below it), or null when it cannot be read. */
export function readPidMax(): number | null {
  try {
    const v = Number(fs.readFileSync('/proc/sys/kernel/pid_max', 'latin1').trim());
    return Number.isSafeInteger(v) && v > 0 ? v : null;
  } catch {
    return null;
  }
}

/** The process's start time (ticks since boot) or null when it does not exist. */
export function readStartTime(pid: number): string | null {
  return readStat(pid)?.startTime ?? null;
}

/** argv as the kernel reports it; null when the process is gone (a zombie reports []). */
export function readCmdline(pid: number): string[] | null {
  let raw: string;
  try {
    raw = fs.readFileSync(`/proc/${pid}/cmdline`, 'utf8');
  } catch {
    return null;
  }
  const argv = raw.split('\0');
  if (argv.length > 0 && argv[argv.length - 1] === '') argv.pop();
  return argv;
}

/**
 * True when pid exists and is not a zombie; with startTime, also when it is
 * the same process (same pid and same start time: the pid was not reused).
 */
export function isAlive(pid: number, startTime?: string): boolean {
  if (!Number.isInteger(pid) || pid <= 0) return false;
  const st = readStat(pid);
  if (!st || st.state === 'Z' || st.state === 'X') return false;
  return startTime === undefined || st.startTime === startTime;
}

/** One pass over /proc: every process and the parent → children index. */
export function processTable(): ProcessTable {
  const procs = new Map<number, ProcInfo>();
  const children = new Map<number, number[]>();
  for (const name of fs.readdirSync('/proc')) {
    const c = name.charCodeAt(0);
    if (c < 48 || c > 57) continue;
    const pid = Number(name);
    const info = readStat(pid);
    if (!info) continue; // exited between readdir and read
    procs.set(pid, info);
    const list = children.get(info.ppid);
    if (list) list.push(pid);
    else children.set(info.ppid, [pid]);
  }
  return { procs, children };
}

/**
 * The table of just these pids (those still there), with the same parent →
 * children index as `processTable` builds over them.
 */
export function processTableOf(pids: Iterable<number>): ProcessTable {
  const procs = new Map<number, ProcInfo>();
  const children = new Map<number, number[]>();
  for (const pid of pids) {
    const info = readStat(pid);
    if (!info) continue;
    procs.set(pid, info);
    const list = children.get(info.ppid);
    if (list) list.push(pid);
    else children.set(info.ppid, [pid]);
  }
  return { procs, children };
}

/** Every descendant of pid in the table (children, grandchildren ...), not pid itself. */
export function descendants(pid: number, table: ProcessTable): number[] {
  const out: number[] = [];
  const stack = [pid];
  const seen = new Set<number>([pid]);
  while (stack.length > 0) {
    for (const child of table.children.get(stack.pop()!) ?? []) {
      if (seen.has(child)) continue;
      seen.add(child);
      out.push(child);
      stack.push(child);
    }
  }
  return out;
}

/** `getconf NAME` as a positive integer, or `fallback` when it cannot be read. */
function getconf(name: string, fallback: number): number {
  try {
    const out = execFileSync('getconf', [name], {
      encoding: 'utf8',
      timeout: 2000,
      stdio: ['ignore', 'pipe', 'ignore'],
    });
    const n = Number(out.trim());
    return Number.isSafeInteger(n) && n > 0 ? n : fallback;
  } catch {
    return fallback;
  }
}

let constants: { hz: number; pageSize: number } | null = null;

/** USER_HZ and the page size, asked of getconf once per process (100 and 4096 on almost every Linux). */
export function kernelConstants(): { hz: number; pageSize: number } {
  constants ??= { hz: getconf('CLK_TCK', 100), pageSize: getconf('PAGESIZE', 4096) };
  return constants;
}

/** Reads the first field of /proc/uptime (seconds since boot, 10 ms resolution). */
export function readUptimeSeconds(): number {
  return Number(fs.readFileSync('/proc/uptime', 'latin1').split(' ')[0]);
}

/**
 * Wall-clock ms at which a process started, from its /proc start time (clock
 * ticks since boot): now − (seconds since boot − startTime / USER_HZ). Null
 * when /proc cannot be read or the start time is not a number.
 */
export function processStartedAtMs(startTime: string, nowMs: number = Date.now()): number | null {
  const ticks = Number(startTime);
  if (!Number.isFinite(ticks) || ticks < 0) return null;
  try {
    const up = readUptimeSeconds();
    if (!Number.isFinite(up)) return null;
    const ageSeconds = Math.max(0, up - ticks / kernelConstants().hz);
    return nowMs - ageSeconds * 1000;
  } catch {
    return null;
  }
}
