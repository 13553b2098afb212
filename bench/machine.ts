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
  };
}
