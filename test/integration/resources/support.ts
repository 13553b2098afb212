/**
 * Helpers of the resource tests: a HostReader fed by the test (the seam that
 * replaces a loaded machine) and /proc facts read independently of the code
 * under test.
 */
import fs from 'node:fs';
import type { DiskReading, HostReader, HostReading } from '../../../src/monitoring/host.js';

/** A host whose memory, CPU, pressure-stall figures and disks the test sets before each tick. */
export class ScriptedHost implements HostReader {
  memoryUsedPercent = 50;
  cpuPercent: number | null = 10;
  /** Pressure-stall figures (`some avg10`); null = a kernel without /proc/pressure. */
  psiCpu: number | null = null;
  psiMemory: number | null = null;
  disks: DiskReading[] = [];
  reads = 0;

  set(memoryUsedPercent: number, cpuPercent: number | null = 10): void {
    this.memoryUsedPercent = memoryUsedPercent;
    this.cpuPercent = cpuPercent;
  }

  read(): HostReading {
    this.reads++;
    const total = 16 * 1024 ** 3;
    return {
      memTotalBytes: total,
      memAvailableBytes: Math.round((total * (100 - this.memoryUsedPercent)) / 100),
      memoryAvailablePercent: 100 - this.memoryUsedPercent,
      cpuBusyPercent: this.cpuPercent,
      psiCpu: this.psiCpu,
      psiMemory: this.psiMemory,
      load: [0.5, 0.5, 0.5],
      disks: this.disks,
    };
  }
}

/** Resident bytes of a pid from /proc/<pid>/statm (field 2, pages) and the page size given. */
export function statmRssBytes(pid: number, pageSize: number): number {
  const f = fs.readFileSync(`/proc/${pid}/statm`, 'latin1').trim().split(' ');
  return Number(f[1]) * pageSize;
}
