import type { ManagerConfig } from '../config/types.js';
import type { Clock } from '../supervisor/clock.js';
import type { StateKind } from '../supervisor/states.js';

/**
 * Host-pressure shedding with hysteresis (DESIGN §1 `pressure.*`, `shed`, §3).
 * Pure: fed one host reading and the nodes' states per sample, it returns at
 * most one action; the caller carries it out through `Supervisor.act` (pause =
 * graceful stop into `paused`: the node is stopped, its data and identity
 * kept; resume = start again).
 *
 * - Nothing is ever paused unless `pressure.enabled` is true and the node says
 *   `shed: true`. A pause never takes a sync group of two or more below its
 *   `sync.minHealthy` running members (paused and stopping ones do not count);
 *   a node alone in its group is governed by its `shed` alone.
 * - CPU: where the kernel reports pressure-stall figures (/proc/pressure/cpu
 *   `some avg10`), they decide: high at ≥ psiCpuHighPercent, low below
 *   psiCpuLowPercent. A host at 100 % CPU with nothing waiting is not under
 *   pressure. Raw CPU busy % (cpuHigh/LowPercent) is used only without PSI.
 * - Memory: high when memory used % (100 − available %) ≥ memoryHighPercent or
 *   the memory stall figure ≥ psiMemoryHighPercent; low when both are below
 *   their low marks.
 * - High = CPU or memory high. After `samples` high samples in a row, every
 *   further high sample pauses one node: the least important (highest
 *   `priority` number), among equals the youngest (most recent start).
 * - Low = CPU and memory low. After `samples` low samples in a row, every
 *   further low sample resumes one paused node, most important first; among
 *   equals the last one paused first. Between the marks both streaks reset.
 * - Operator wins: a paused node the operator starts (`operatorStarted`) is
 *   not paused again until the host has been calm (`samples` low samples in a
 *   row) once.
 * - A paused node that may no longer be paused (pressure disabled or `shed`
 *   turned off by a reload) is resumed at the next sample, whatever the host.
 * - Held nodes are never picked. An unknown figure (the first CPU reading)
 *   neither makes the host high nor keeps it from being low.
 * - While a node this policy paused is still stopping (its memory is not free
 *   yet; a chain node may take minutes) no other node is paused, and while a
 *   resumed node is still starting no other is resumed: one action per sample
 *   at most, and never a second one before the first has taken effect.
 */

export type PressureMarks = ManagerConfig['pressure'];

/** The host figures one sample decides on. */
export interface HostLoad {
  /** 100 − MemAvailable/MemTotal %. */
  readonly memoryUsedPercent: number;
  /** Busy % of all cores since the previous sample; null when not known yet. */
  readonly cpuPercent: number | null;
  /** /proc/pressure/cpu `some avg10`; null where the kernel has no PSI. */
  readonly psiCpu: number | null;
  /** /proc/pressure/memory `some avg10`; null where the kernel has no PSI. */
  readonly psiMemory: number | null;
}

/** What the policy needs to know of one node. */
export interface PressureNode {
  readonly node: string;
  readonly state: StateKind;
  readonly held: boolean;
  readonly priority: number;
  /** Wall ms the current process started, or null. */
  readonly startedAt: number | null;
  /** The node allows being paused under pressure (`shed`). */
  readonly shed: boolean;
  /** Its sync group and that group's floor of running members (`sync.minHealthy`). */
  readonly group: string;
  readonly minHealthy: number;
}

/** Pause or resume one node; `details` go into the `paused` / `resumed` event. */
export interface PressureAction {
  readonly type: 'pause' | 'resume';
  readonly node: string;
  readonly details: Readonly<Record<string, unknown>>;
}

/** How one sample reads against the marks. */
interface Reading {
  readonly high: boolean;
  readonly low: boolean;
  readonly trigger: string;
  readonly figures: Readonly<Record<string, unknown>>;
}

/** Streak counters, the pause order and the operator's wins, across samples. */
export class PressurePolicy {
  private highRun = 0;
  private lowRun = 0;
  private runSince = 0;
  /** Nodes this policy paused, in order; pruned once they are no longer paused. */
  private pausedOrder: string[] = [];
  private inFlight: { type: 'pause' | 'resume'; node: string } | null = null;
  /** Nodes the operator started out of a pause: not paused again before the host is calm once. */
  private readonly operatorWins = new Set<string>();

  constructor(
    private marks: PressureMarks,
    private readonly clock: Clock,
  ) {}

  /** New marks after a reload; the streaks go on. */
  setMarks(marks: PressureMarks): void {
    this.marks = marks;
  }

  /** High and low samples in a row so far. */
  streaks(): { high: number; low: number } {
    return { high: this.highRun, low: this.lowRun };
  }

  /**
   * The operator started (or restarted) a node that was paused or being
   * paused: it keeps running until the host has been calm once.
   */
  operatorStarted(node: string): void {
    this.operatorWins.add(node);
    this.pausedOrder = this.pausedOrder.filter((n) => n !== node);
    if (this.inFlight?.node === node) this.inFlight = null;
  }

  /** Nodes the operator won back and that shedding leaves alone for now. */
  operatorHeld(): string[] {
    return [...this.operatorWins];
  }

  /** Was this node paused by this policy (and is it still paused or stopping for it)? */
  pausedByPressure(node: string): boolean {
    return this.pausedOrder.includes(node);
  }

  /** Feed one sample; returns the one action to carry out, if any. */
  evaluate(host: HostLoad, nodes: readonly PressureNode[]): PressureAction | null {
    const m = this.marks;
    const r = readHost(host, m);
    const now = this.clock.now();
    if (r.high) {
      if (this.highRun === 0) this.runSince = now;
      this.highRun++;
      this.lowRun = 0;
    } else if (r.low) {
      if (this.lowRun === 0) this.runSince = now;
      this.lowRun++;
      this.highRun = 0;
    } else {
      this.highRun = 0;
      this.lowRun = 0;
    }
    // The host has been calm once: the operator's wins are over.
    if (this.lowRun >= m.samples) this.operatorWins.clear();

    const byName = new Map(nodes.map((n) => [n.node, n]));
    for (const n of this.operatorWins) if (!byName.has(n)) this.operatorWins.delete(n);
    this.pausedOrder = this.pausedOrder.filter((n) => {
      const s = byName.get(n)?.state;
      return s === 'paused' || s === 'stopping';
    });
    if (this.inFlight) {
      const s = byName.get(this.inFlight.node)?.state;
      const pending = this.inFlight.type === 'pause' ? s === 'stopping' : s === 'starting';
      if (pending) return null;
      this.inFlight = null;
    }

    const stray = nodes.find((n) => n.state === 'paused' && !n.held && !(m.enabled && n.shed));
    if (stray) {
      this.inFlight = { type: 'resume', node: stray.node };
      return {
        type: 'resume',
        node: stray.node,
        details: { why: m.enabled ? 'shed is off for this node' : 'pressure is disabled', ...r.figures },
      };
    }
    if (m.enabled && this.highRun >= m.samples) {
      const victim = pickVictim(nodes, this.operatorWins);
      if (!victim) return null;
      this.pausedOrder.push(victim.node);
      this.inFlight = { type: 'pause', node: victim.node };
      return {
        type: 'pause',
        node: victim.node,
        details: {
          trigger: r.trigger,
          ...r.figures,
          samples: this.highRun,
          highForMs: Math.round(now - this.runSince),
          priority: victim.priority,
        },
      };
    }
    if (this.lowRun >= m.samples) {
      const back = pickResume(nodes, this.pausedOrder);
      if (!back) return null;
      this.inFlight = { type: 'resume', node: back.node };
      return {
        type: 'resume',
        node: back.node,
        details: {
          ...r.figures,
          samples: this.lowRun,
          lowForMs: Math.round(now - this.runSince),
          priority: back.priority,
        },
      };
    }
    return null;
  }
}

/** High, low or neither, which figure made it high, and the figures with the marks they met. */
function readHost(host: HostLoad, m: PressureMarks): Reading {
  const mem = round2(host.memoryUsedPercent);
  const cpu = host.cpuPercent === null ? null : round2(host.cpuPercent);
  const psiCpu = host.psiCpu === null ? null : round2(host.psiCpu);
  const psiMem = host.psiMemory === null ? null : round2(host.psiMemory);
  const memUsedHigh = mem >= m.memoryHighPercent;
  const memStallHigh = psiMem !== null && psiMem >= m.psiMemoryHighPercent;
  // With PSI, a busy CPU is no pressure unless tasks wait for it.
  const cpuHigh = psiCpu !== null ? psiCpu >= m.psiCpuHighPercent : cpu !== null && cpu >= m.cpuHighPercent;
  const cpuLow = psiCpu !== null ? psiCpu < m.psiCpuLowPercent : cpu === null || cpu < m.cpuLowPercent;
  const memLow = mem < m.memoryLowPercent && (psiMem === null || psiMem < m.psiMemoryLowPercent);
  const trigger = [
    memUsedHigh ? 'memory' : null,
    memStallHigh ? 'memory_pressure' : null,
    cpuHigh ? (psiCpu !== null ? 'cpu_pressure' : 'cpu') : null,
  ]
    .filter(Boolean)
    .join('+');
  const cpuFigures =
    psiCpu !== null
      ? { psiCpu, psiCpuHighPercent: m.psiCpuHighPercent, psiCpuLowPercent: m.psiCpuLowPercent }
      : { cpuHighPercent: m.cpuHighPercent, cpuLowPercent: m.cpuLowPercent };
  const memFigures =
    psiMem !== null
      ? {
          psiMemory: psiMem,
          psiMemoryHighPercent: m.psiMemoryHighPercent,
          psiMemoryLowPercent: m.psiMemoryLowPercent,
        }
      : {};
  return {
    high: memUsedHigh || memStallHigh || cpuHigh,
    low: memLow && cpuLow,
    trigger,
    figures: {
      memoryUsedPercent: mem,
      cpuPercent: cpu,
      memoryHighPercent: m.memoryHighPercent,
      memoryLowPercent: m.memoryLowPercent,
      ...cpuFigures,
      ...memFigures,
      requiredSamples: m.samples,
    },
  };
}

/**
 * May `n` be paused now without taking its sync group below `sync.minHealthy`
 * running members? A node alone in its group may (its own `shed` decides).
 */
function groupAllowsPause(n: PressureNode, nodes: readonly PressureNode[]): boolean {
  const members = nodes.filter((x) => x.group === n.group);
  if (members.length <= 1) return true;
  const running = members.filter((x) => x.state === 'running').length;
  const minHealthy = Math.max(...members.map((x) => x.minHealthy));
  return running - 1 >= minHealthy;
}

/**
 * The node to shed: running, `shed`, not held, not won back by the operator,
 * its group above minHealthy; highest priority number, then youngest, then
 * last by name.
 */
export function pickVictim(
  nodes: readonly PressureNode[],
  operatorWins: ReadonlySet<string> = new Set(),
): PressureNode | undefined {
  let best: PressureNode | undefined;
  for (const n of nodes) {
    if (n.state !== 'running' || n.held || !n.shed || operatorWins.has(n.node)) continue;
    if (!groupAllowsPause(n, nodes)) continue;
    if (!best || compareVictims(n, best) < 0) best = n;
  }
  return best;
}

function compareVictims(a: PressureNode, b: PressureNode): number {
  if (a.priority !== b.priority) return b.priority - a.priority;
  const sa = a.startedAt ?? -Infinity;
  const sb = b.startedAt ?? -Infinity;
  if (sa !== sb) return sb > sa ? 1 : -1;
  return a.node < b.node ? 1 : a.node > b.node ? -1 : 0;
}

/** The paused, not held node to bring back: lowest priority number, then the last paused, then by name. */
export function pickResume(
  nodes: readonly PressureNode[],
  pausedOrder: readonly string[],
): PressureNode | undefined {
  let best: PressureNode | undefined;
  const rank = (n: PressureNode): number => pausedOrder.indexOf(n.node);
  for (const n of nodes) {
    if (n.state !== 'paused' || n.held) continue;
    if (!best) {
      best = n;
      continue;
    }
    const better =
      n.priority !== best.priority
        ? n.priority < best.priority
        : rank(n) !== rank(best)
          ? rank(n) > rank(best)
          : n.node < best.node;
    if (better) best = n;
  }
  return best;
}

function round2(n: number): number {
  return Math.round(n * 100) / 100;
}
