import {
  kernelConstants,
  listPids,
  processTable,
  processTableOf,
  readLastPid,
  readPidMax,
  readUptimeSeconds,
  type ProcessTable,
} from '../supervisor/proc.js';

/**
 * Where the sampler gets its view of processes: one table of every process
 * per tick, the boot-relative time that process start times are measured in,
 * and the two kernel constants that turn /proc figures into seconds and bytes.
 * The real one reads /proc; unit tests feed synthetic tables.
 */
export interface ProcSource {
  /** One pass over /proc: every process with its CPU ticks and RSS pages. */
  table(): ProcessTable;
  /**
   * The last pid handed out on the host (null: unknown). Where it has not
   * moved since a full pass, no process was born, so node trees can only have
   * lost members and the sampler re-reads just those (`tableOf`).
   */
  lastPid?(): number | null;
  /** The table of just these pids (the ones still alive or zombie). */
  tableOf?(pids: Iterable<number>): ProcessTable;
  /**
   * Every pid in /proc, unread. With `lastPid` and `pidMax` it lets a tick
   * where processes were born read only the nodes' trees and the pids handed
   * out since the last tick, not every process on the host.
   */
  pids?(): number[];
  /** The kernel's pid_max: pids are handed out in increasing order and wrap below it. */
  readonly pidMax?: number | null;
  /** Seconds since boot (the clock `ProcInfo.startTime` ticks count on). */
  uptimeSeconds(): number;
  /** Clock ticks per second (USER_HZ) of `cpuTicks` and `startTime`. */
  readonly hz: number;
  /** Bytes per page of `rssPages`. */
  readonly pageSize: number;
}

/** The production ProcSource: /proc through supervisor/proc.ts. */
export function systemProcSource(): ProcSource {
  const { hz, pageSize } = kernelConstants();
  return {
    table: processTable,
    lastPid: readLastPid,
    tableOf: processTableOf,
    pids: listPids,
    pidMax: readPidMax(),
    uptimeSeconds: readUptimeSeconds,
    hz,
    pageSize,
  };
}
