import type { ManagerConfig } from '../config/types.js';
import type { Clock } from '../supervisor/clock.js';
import type { StateKind } from '../supervisor/states.js';

/**
 * Host-pressure shedding with hysteresis (DESIGN §1 `pressure.*`, §3). Pure:
 * fed one host reading and the nodes' states per sample, it returns at most
 * one action; the caller carries it out through the node's runner (pause =
 * graceful stop into `paused`, data and identity kept; resume = start again).
 *
 * - High: memory used % (100 − available %) ≥ memoryHighPercent, or CPU ≥
 *   cpuHighPercent. After `samples` high samples in a row, every further high
 *   sample pauses one running node: the least important (highest `priority`
 *   number), among equals the youngest (most recent start).
 * - Low: memory used % < memoryLowPercent and CPU < cpuLowPercent. After
 *   `samples` low samples in a row, every further low sample resumes one
 *   paused node, most important first; among equals the last one paused first.
 * - Between the marks both streaks reset and nothing happens.
 * - Held nodes are never picked. An unknown CPU figure (the first reading)
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
}

/** What the policy needs to know of one node. */
export interface PressureNode {
  readonly node: string;
  readonly state: StateKind;
  readonly held: boolean;
  readonly priority: number;
  /** Wall ms the current process started, or null. */
  readonly startedAt: number | null;
}

/** Pause or resume one node; `details` go into the `paused` / `resumed` event. */
export interface PressureAction {
  readonly type: 'pause' | 'resume';
  readonly node: string;
  readonly details: Readonly<Record<string, unknown>>;
}

/** Streak counters and the pause order, across samples. */
export class PressurePolicy {
  private highRun = 0;
  private lowRun = 0;
  private runSince = 0;
  /** Nodes this policy paused, in order; pruned once they are no longer paused. */
  private pausedOrder: string[] = [];
  private inFlight: { type: 'pause' | 'resume'; node: string } | null = null;

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

  /** Feed one sample; returns the one action to carry out, if any. */
  evaluate(host: HostLoad, nodes: readonly PressureNode[]): PressureAction | null {
    const m = this.marks;
    const mem = round2(host.memoryUsedPercent);
    const cpu = host.cpuPercent === null ? null : round2(host.cpuPercent);
    const memHigh = mem >= m.memoryHighPercent;
    const cpuHigh = cpu !== null && cpu >= m.cpuHighPercent;
    const now = this.clock.now();
    if (memHigh || cpuHigh) {
      if (this.highRun === 0) this.runSince = now;
      this.highRun++;
      this.lowRun = 0;
    } else if (mem < m.memoryLowPercent && (cpu === null || cpu < m.cpuLowPercent)) {
      if (this.lowRun === 0) this.runSince = now;
      this.lowRun++;
      this.highRun = 0;
    } else {
      this.highRun = 0;
      this.lowRun = 0;
    }

    const byName = new Map(nodes.map((n) => [n.node, n]));
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

    const figures = { memoryUsedPercent: mem, cpuPercent: cpu, requiredSamples: m.samples };
    if (this.highRun >= m.samples) {
      const victim = pickVictim(nodes);
      if (!victim) return null;
      this.pausedOrder.push(victim.node);
      this.inFlight = { type: 'pause', node: victim.node };
      const trigger = [memHigh ? 'memory' : null, cpuHigh ? 'cpu' : null].filter(Boolean).join('+');
      return {
        type: 'pause',
        node: victim.node,
        details: {
          trigger,
          ...figures,
          memoryHighPercent: m.memoryHighPercent,
          cpuHighPercent: m.cpuHighPercent,
          samples: this.highRun,
          highForMs: now - this.runSince,
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
          ...figures,
          memoryLowPercent: m.memoryLowPercent,
          cpuLowPercent: m.cpuLowPercent,
          samples: this.lowRun,
          lowForMs: now - this.runSince,
          priority: back.priority,
        },
      };
    }
    return null;
  }
}

/** The running, not held node to shed: highest priority number, then youngest, then last by name. */
export function pickVictim(nodes: readonly PressureNode[]): PressureNode | undefined {
  let best: PressureNode | undefined;
  for (const n of nodes) {
    if (n.state !== 'running' || n.held) continue;
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
