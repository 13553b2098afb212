import fs from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { readFilesystems, type DiskReading } from './disks.js';

/**
 * The host's side of resource watching (DESIGN §3): memory available, CPU
 * busy, load, the kernel's pressure-stall figures (/proc/pressure, where the
 * kernel has them) and free space of the filesystems holding the nodes' data. It
 * comes through the HostReader seam so that pressure can be tested by feeding
 * sequences of readings instead of loading a machine.
 */

export type { DiskReading } from './disks.js';

/** One reading of the host. */
export interface HostReading {
  readonly memTotalBytes: number;
  readonly memAvailableBytes: number;
  /** MemAvailable / MemTotal × 100 (memory used % = 100 − this). */
  readonly memoryAvailablePercent: number;
  /** CPU busy over all cores since the previous reading, 0-100; null at the first reading. */
  readonly cpuBusyPercent: number | null;
  /**
   * `some avg10` of /proc/pressure/cpu: % of the last 10 s in which at least
   * one runnable task waited for a CPU. Null where the kernel has no PSI.
   */
  readonly psiCpu: number | null;
  /** `some avg10` of /proc/pressure/memory: % of time some task stalled on memory. Null without PSI. */
  readonly psiMemory: number | null;
  /** 1, 5 and 15 minute load averages. */
  readonly load: readonly [number, number, number];
  /** One entry per distinct filesystem holding at least one of the dataDirs asked for. */
  readonly disks: readonly DiskReading[];
}

/** Reads the host; `dataDirs` are the directories whose filesystems to report. */
export interface HostReader {
  read(dataDirs: readonly string[]): HostReading;
}

/** Parses /proc/meminfo (kB values) into total and available bytes. */
export function parseMeminfo(text: string): { totalBytes: number; availableBytes: number } {
  const kb = new Map<string, number>();
  for (const line of text.split('\n')) {
    const m = /^(\w+(?:\(\w+\))?):\s+(\d+)/.exec(line);
    if (m) kb.set(m[1]!, Number(m[2]));
  }
  const total = kb.get('MemTotal');
  if (total === undefined) throw new Error('/proc/meminfo has no MemTotal line');
  // Kernels before 3.14 have no MemAvailable: approximate it as the kernel did.
  const available =
    kb.get('MemAvailable') ?? (kb.get('MemFree') ?? 0) + (kb.get('Buffers') ?? 0) + (kb.get('Cached') ?? 0);
  return { totalBytes: total * 1024, availableBytes: available * 1024 };
}

/** CPU time counters of the `cpu` line of /proc/stat: everything, and the idle part (idle + iowait). */
export function parseCpuLine(text: string): { total: number; idle: number } {
  const nl = text.indexOf('\n');
  const line = nl < 0 ? text : text.slice(0, nl);
  if (!line.startsWith('cpu '))
    throw new Error(`/proc/stat does not start with a cpu line: ${JSON.stringify(line)}`);
  // user nice system idle iowait irq softirq steal (guest time is already inside user).
  const f = line.trim().split(/\s+/).slice(1, 9).map(Number);
  const total = f.reduce((a, b) => a + (Number.isFinite(b) ? b : 0), 0);
  return { total, idle: (f[3] ?? 0) + (f[4] ?? 0) };
}

/** Busy % between two `parseCpuLine` readings; null when no time passed. */
export function cpuBusyPercent(
  before: { total: number; idle: number },
  after: { total: number; idle: number },
): number | null {
  const total = after.total - before.total;
  if (total <= 0) return null;
  const busy = total - (after.idle - before.idle);
  return Math.round(Math.min(100, Math.max(0, (busy / total) * 100)) * 100) / 100;
}

/** The `some avg10` figure of a /proc/pressure/* file; throws when there is none. */
export function parsePressureSome(text: string): number {
  const m = /^some\b.*\bavg10=(\d+(?:\.\d+)?)/m.exec(text);
  if (!m) throw new Error(`no "some avg10=" line in ${JSON.stringify(text.slice(0, 80))}`);
  return Number(m[1]);
}

/**
 * How host files are read. Test seam: when `NODEWARDEN_HOST_PROC` names a
 * directory (looked up once, when the reader is made), the /proc files of the
 * host figures (meminfo, stat, pressure/*) are read from there instead, so a
 * chaos run can make a real daemon see host pressure come and go whatever the
 * machine's real load. Unset in production.
 */
function hostFileReader(fake = process.env.NODEWARDEN_HOST_PROC): (file: string) => string {
  if (!fake) return (file) => fs.readFileSync(file, 'latin1');
  return (file) => {
    const faked = file.startsWith('/proc/') && !file.startsWith('/proc/self/');
    return fs.readFileSync(faked ? path.join(fake, file.slice('/proc/'.length)) : file, 'latin1');
  };
}

/** The production HostReader: /proc/meminfo, /proc/stat, os.loadavg() and statfs. */
export class ProcHostReader implements HostReader {
  private prevCpu: { total: number; idle: number } | null = null;
  /** The last disk reading, the dataDirs it was for and when (`now()` ms). */
  private disks: { dirs: readonly string[]; at: number; readings: readonly DiskReading[] } | null = null;
  private readonly disksEveryMs: number;
  private readonly now: () => number;

  /**
   * Disks change slowly and their check costs a stat per dataDir: they are
   * read again only after `disksEveryMs` (default one minute) or when the
   * dataDirs asked about change. Memory, CPU and pressure are read every time.
   */
  constructor(
    private readonly readText: (file: string) => string = hostFileReader(),
    opts: { disksEveryMs?: number; now?: () => number } = {},
  ) {
    this.disksEveryMs = opts.disksEveryMs ?? 60_000;
    this.now = opts.now ?? (() => performance.now());
  }

  read(dataDirs: readonly string[]): HostReading {
    const mem = parseMeminfo(this.readText('/proc/meminfo'));
    const cpu = parseCpuLine(this.readText('/proc/stat'));
    const busy = this.prevCpu === null ? null : cpuBusyPercent(this.prevCpu, cpu);
    this.prevCpu = cpu;
    const [l1, l5, l15] = os.loadavg();
    return {
      memTotalBytes: mem.totalBytes,
      memAvailableBytes: mem.availableBytes,
      memoryAvailablePercent:
        mem.totalBytes > 0 ? Math.round((mem.availableBytes / mem.totalBytes) * 10000) / 100 : 100,
      cpuBusyPercent: busy,
      psiCpu: this.pressure('cpu'),
      psiMemory: this.pressure('memory'),
      load: [l1 ?? 0, l5 ?? 0, l15 ?? 0],
      disks: this.readDisks(dataDirs),
    };
  }

  private readDisks(dataDirs: readonly string[]): readonly DiskReading[] {
    const now = this.now();
    const d = this.disks;
    if (d !== null && now - d.at < this.disksEveryMs && sameList(d.dirs, dataDirs)) return d.readings;
    const readings = readFilesystems(dataDirs, () => this.readText('/proc/self/mountinfo'));
    this.disks = { dirs: [...dataDirs], at: now, readings };
    return readings;
  }

  /** PSI files this kernel has not got; never tried again, as PSI is set at boot. */
  private readonly noPressure = new Set<string>();

  /** Null where the kernel has no PSI (no file, or `psi=0`: the read fails) or the line is missing. */
  private pressure(resource: 'cpu' | 'memory'): number | null {
    if (this.noPressure.has(resource)) return null;
    try {
      return parsePressureSome(this.readText(`/proc/pressure/${resource}`));
    } catch (err) {
      // Only the kernel's own "not here" is remembered; any other failure is tried again next tick.
      const code = (err as NodeJS.ErrnoException).code;
      if (code === 'ENOENT' || code === 'EOPNOTSUPP') this.noPressure.add(resource);
      return null;
    }
  }
}

function sameList(a: readonly string[], b: readonly string[]): boolean {
  if (a.length !== b.length) return false;
  for (let i = 0; i < a.length; i++) if (a[i] !== b[i]) return false;
  return true;
}
