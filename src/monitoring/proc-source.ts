import { execFileSync } from 'node:child_process';
import fs from 'node:fs';
import { processTable, type ProcessTable } from '../supervisor/proc.js';

/**
 * Where the sampler gets its view of processes: one table of every process
 * per tick, the boot-relative time that process start times are measured in,
 * and the two kernel constants that turn /proc figures into seconds and bytes.
 * The real one reads /proc; unit tests feed synthetic tables.
 */
export interface ProcSource {
  /** One pass over /proc: every process with its CPU ticks and RSS pages. */
  table(): ProcessTable;
  /** Seconds since boot (the clock `ProcInfo.startTime` ticks count on). */
  uptimeSeconds(): number;
  /** Clock ticks per second (USER_HZ) of `cpuTicks` and `startTime`. */
  readonly hz: number;
  /** Bytes per page of `rssPages`. */
  readonly pageSize: number;
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
function kernelConstants(): { hz: number; pageSize: number } {
  constants ??= { hz: getconf('CLK_TCK', 100), pageSize: getconf('PAGESIZE', 4096) };
  return constants;
}

/** Reads the first field of /proc/uptime (seconds since boot, 10 ms resolution). */
export function readUptimeSeconds(): number {
  return Number(fs.readFileSync('/proc/uptime', 'latin1').split(' ')[0]);
}

/** The production ProcSource: /proc through supervisor/proc.ts. */
export function systemProcSource(): ProcSource {
  const { hz, pageSize } = kernelConstants();
  return { table: processTable, uptimeSeconds: readUptimeSeconds, hz, pageSize };
}
