import { systemClock, type Clock } from '../supervisor/clock.js';
import { descendants, type ProcInfo, type ProcessTable } from '../supervisor/proc.js';
import { systemProcSource, type ProcSource } from './proc-source.js';

/**
 * CPU and memory of every node's whole process tree (DESIGN §3), from at most
 * ONE pass over /proc per tick whatever the number of nodes, and mostly from
 * the nodes' own processes and the processes born since the last tick alone.
 *
 * Figures come from the same /proc/<pid>/stat lines the tree is built from
 * (utime+stime, rss), not from pidusage: pidusage would read each of those
 * files a second time, keep one open fd per pid, key its CPU history by pid
 * alone (a reused pid inherits a dead process's history) and time intervals by
 * the wall clock. Here a process is keyed by pid + start time and intervals by
 * the injected monotonic clock.
 */

/** A node to sample: its name and the pid at the root of its tree (null = no process). */
export interface SampleRoot {
  readonly node: string;
  readonly pid: number | null;
}

/** One node's figures at one tick. */
export interface NodeUsage {
  readonly node: string;
  readonly pid: number | null;
  /** Live (non-zombie) processes of the tree, root included; 0 without a process. */
  readonly processes: number;
  /**
   * CPU the tree used since the previous tick, in % of one core (two busy
   * cores = 200). Null without a process, or at the first sight of a process
   * that already ran before the previous tick (no baseline yet).
   */
  readonly cpuPercent: number | null;
  /** Sum of the resident set sizes of the tree; null without a process. */
  readonly rssBytes: number | null;
  /**
   * CPU seconds of the node's trees, as far as this sampler has seen them:
   * it adds each tick's tree delta and keeps counting across the node's
   * restarts (a Prometheus counter: `nodewarden_node_cpu_seconds_total`).
   */
  readonly cpuSecondsTotal: number;
}

/** What one tick saw. */
export interface ProcessSample {
  /** Monotonic ms (the sampler's clock) of the tick. */
  readonly at: number;
  readonly nodes: readonly NodeUsage[];
  /**
   * Processes on the host at the last listing of /proc (a tick where no
   * process was born re-reads only the nodes' trees and keeps that figure).
   */
  readonly hostProcesses: number;
  /** Wall time the tick took, in ms. */
  readonly durationMs: number;
}

/** What the last full /proc pass left to build on while no process is born. */
interface Tracked {
  /** The host's last pid read just before that pass. */
  readonly lastPid: number;
  /** Processes on the host at that pass. */
  readonly hostProcesses: number;
  /** Root pids found at the last tick. */
  roots: Set<number>;
  /** Every pid in a node tree at the last tick. */
  members: number[];
  /** Monotonic ms of the last pass that read every process. */
  readonly fullAt: number;
}

/**
 * The longest time between two passes that read every process on the host.
 * The newborn are told from the last pid only while the pid counter did not go
 * round its whole range between two ticks; a full pass this often bounds how
 * long such a wrap could hide a newborn from the trees.
 */
const FULL_PASS_MS = 60_000;

/**
 * Turns per-process /proc figures into per-node tree figures across ticks.
 * It remembers the CPU ticks of every process it saw in a tree at the last
 * tick, so its memory grows with the nodes' processes, not the host's.
 */
export class Sampler {
  private readonly procs: ProcSource;
  private readonly clock: Clock;
  /** `pid:startTime` → cpu ticks at the previous tick, for processes inside node trees. */
  private seen = new Map<string, number>();
  private prevAt: number | null = null;
  /** Boot-relative time of the previous tick, in clock ticks. */
  private prevBootTicks: number | null = null;
  /** node → CPU ticks counted so far. */
  private readonly totals = new Map<string, number>();
  private tracked: Tracked | null = null;

  constructor(opts: { procs?: ProcSource; clock?: Clock } = {}) {
    this.procs = opts.procs ?? systemProcSource();
    this.clock = opts.clock ?? systemClock;
  }

  /** One tick: one /proc pass, then the figures of every root's tree. */
  sampleOnce(roots: readonly SampleRoot[]): ProcessSample {
    const started = performance.now();
    const { hz, pageSize } = this.procs;
    const at = this.clock.now();
    // Uptime before the table: a process in the table with a start at or after it was born since.
    const bootTicks = this.procs.uptimeSeconds() * hz;
    const { table, hostProcesses, lastPid, fullAt } = this.readTable(roots, at);
    const foundRoots = new Set<number>();
    const members: number[] = [];
    const elapsedS = this.prevAt === null ? 0 : (at - this.prevAt) / 1000;
    const next = new Map<string, number>();
    const nodes: NodeUsage[] = [];

    for (const { node, pid } of roots) {
      const root = pid === null ? undefined : table.procs.get(pid);
      if (!root || root.state === 'Z' || root.state === 'X') {
        nodes.push(this.idle(node, pid === null || !root ? null : pid));
        continue;
      }
      let processes = 0;
      let rssPages = 0;
      let deltaTicks = 0;
      let baseline = true;
      foundRoots.add(root.pid);
      for (const p of [root.pid, ...descendants(root.pid, table)]) {
        const info = table.procs.get(p)!;
        members.push(p);
        const key = `${p}:${info.startTime}`;
        next.set(key, info.cpuTicks);
        if (info.state !== 'Z' && info.state !== 'X') processes++;
        rssPages += info.rssPages;
        const d = this.delta(key, info);
        if (d === null) {
          if (p === root.pid) baseline = false;
        } else {
          deltaTicks += d;
        }
      }
      const total = (this.totals.get(node) ?? 0) + deltaTicks;
      this.totals.set(node, total);
      nodes.push({
        node,
        pid: root.pid,
        processes,
        cpuPercent: baseline && elapsedS > 0 ? round2((deltaTicks / hz / elapsedS) * 100) : null,
        rssBytes: rssPages * pageSize,
        cpuSecondsTotal: total / hz,
      });
    }
    // A process that left every tree (exited between ticks) loses its last
    // partial interval: its CPU moves to the parent's cutime, which is not
    // counted because live children would be counted twice.
    this.seen = next;
    this.prevAt = at;
    this.prevBootTicks = bootTicks;
    this.tracked = lastPid === null ? null : { lastPid, hostProcesses, roots: foundRoots, members, fullAt };
    return { at, nodes, hostProcesses, durationMs: performance.now() - started };
  }

  /**
   * The processes this tick needs. A full /proc pass, unless every root was
   * found at the last tick: a tree gains a member only by a birth (an orphan
   * is reparented to an ancestor, never into another tree), so last tick's
   * members and the processes born since give the same trees. No pid handed
   * out since: only the members are read. Some handed out: pids go out in
   * increasing order (wrapping below pid_max), so the newborn are the listed
   * pids between the last pid then and now, and only those and the members
   * are read; a full pass still comes at least every FULL_PASS_MS.
   */
  private readTable(
    roots: readonly SampleRoot[],
    at: number,
  ): { table: ProcessTable; hostProcesses: number; lastPid: number | null; fullAt: number } {
    // Read before the pass: a process born during it is after this last pid and is read next tick.
    const lastPid = this.procs.lastPid?.() ?? null;
    const t = this.tracked;
    const procs = this.procs;
    const pidMax = procs.pidMax;
    if (
      lastPid !== null &&
      t !== null &&
      procs.tableOf &&
      roots.every((r) => r.pid === null || t.roots.has(r.pid))
    ) {
      if (t.lastPid === lastPid)
        return { table: procs.tableOf(t.members), hostProcesses: t.hostProcesses, lastPid, fullAt: t.fullAt };
      const span = pidMax ? (lastPid - t.lastPid + pidMax) % pidMax : 0;
      if (procs.pids && pidMax && at - t.fullAt < FULL_PASS_MS && span < pidMax / 2) {
        const listed = procs.pids();
        const want = new Set(t.members);
        for (const pid of listed) {
          const d = (pid - t.lastPid + pidMax) % pidMax;
          if (d > 0 && d <= span) want.add(pid);
        }
        return { table: procs.tableOf(want), hostProcesses: listed.length, lastPid, fullAt: t.fullAt };
      }
    }
    const table = this.procs.table();
    return { table, hostProcesses: table.procs.size, lastPid, fullAt: at };
  }

  /** Drop what is kept of a node that no longer exists (removed by a reload). */
  forget(node: string): void {
    this.totals.delete(node);
  }

  /** CPU ticks since the previous tick, or null when there is no baseline for the process. */
  private delta(key: string, info: ProcInfo): number | null {
    const before = this.seen.get(key);
    if (before !== undefined) return Math.max(0, info.cpuTicks - before);
    // Born since the previous tick: every tick it used falls in this interval.
    if (this.prevBootTicks !== null && Number(info.startTime) >= Math.floor(this.prevBootTicks))
      return info.cpuTicks;
    return null;
  }

  private idle(node: string, pid: number | null): NodeUsage {
    const total = this.totals.get(node) ?? 0;
    return {
      node,
      pid,
      processes: 0,
      cpuPercent: null,
      rssBytes: null,
      cpuSecondsTotal: total / this.procs.hz,
    };
  }
}

function round2(n: number): number {
  return Math.round(n * 100) / 100;
}
