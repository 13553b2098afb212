import os from 'node:os';
import { execFileSync } from 'node:child_process';

/** The machine a run measured, for the report header. */
export interface MachineInfo {
  readonly cpus: number;
  readonly cpuModel: string;
  readonly memoryGiB: number;
  readonly kernel: string;
  readonly node: string;
  /** Filesystem type of the temp directory (where every log is written). */
  readonly tmpFs: string;
  /** 1-minute load average when the run began (other work on the host skews every number). */
  readonly loadAtStart: number;
}

/** The 1-minute load average now. */
export function load1(): number {
  return Math.round(os.loadavg()[0]! * 100) / 100;
}

/**
 * A warning when the host was already busy before the bench started, or null.
 * (The load at the end is not used: it counts the bench's own log writers.)
 */
export function busyWarning(cpus: number, loadAtStart: number): string | null {
  return loadAtStart > cpus * 0.5
    ? `the host was busy with other work when the run began (1-minute load average ${loadAtStart} on ${cpus} CPUs): ` +
        'timings are inflated and noisy; rerun on an idle machine for numbers to compare'
    : null;
}

export function machineInfo(tmpDir: string): MachineInfo {
  let tmpFs = 'unknown';
  try {
    tmpFs = execFileSync('df', ['--output=fstype', tmpDir], { encoding: 'utf8' }).trim().split('\n').pop()!.trim();
  } catch {
    // df without --output (busybox): leave unknown
  }
  return {
    cpus: os.availableParallelism(),
    cpuModel: os.cpus()[0]?.model.trim() ?? 'unknown',
    memoryGiB: Math.round((os.totalmem() / 2 ** 30) * 10) / 10,
    kernel: `${os.type()} ${os.release()}`,
    node: process.version,
    tmpFs,
    loadAtStart: load1(),
  };
}
