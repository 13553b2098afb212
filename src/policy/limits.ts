import type { NodeSpec } from '../config/types.js';
import type { StateKind } from '../supervisor/states.js';

/**
 * Per-node resource limits (DESIGN §1 `limits.maxRssMb`, `limits.maxCpuPercent`,
 * `limits.forSamples`): a node whose tree stays over a limit for `forSamples`
 * samples in a row is restarted with reason `resource`. Pure: it is fed one
 * sample per node per tick and returns what to do; the caller emits
 * `resource_limit` and asks the runner to restart.
 *
 * Counter semantics, per node and per limit (memory and CPU count separately):
 * - a sample strictly over the limit adds one to the count;
 * - a sample at or under the limit resets the count to 0;
 * - a sample without a figure (CPU before its first interval) leaves it as is;
 * - the count resets when the node is not `running` (starting, stopping,
 *   backoff, paused ...), is held, has a new pid, or has the limit off;
 * - reaching `forSamples` yields one restart and resets both counts, so the
 *   new process starts from 0.
 * When both limits are reached at the same sample, memory decides (it is the
 * one that ends in the OOM killer).
 */

const MiB = 1024 * 1024;

/** What the policy needs to know of one node at one sample. */
export interface LimitSample {
  readonly node: string;
  readonly state: StateKind;
  readonly held: boolean;
  readonly pid: number | null;
  readonly limits: NodeSpec['limits'];
  readonly cpuPercent: number | null;
  readonly rssBytes: number | null;
}

/** `resource_limit` details: the limit that was exceeded and the figures that decided it. */
export interface LimitDetails {
  readonly metric: 'rssMb' | 'cpuPercent';
  /** The last sample's value (MiB for rssMb, % of one core for cpuPercent). */
  readonly value: number;
  readonly limit: number;
  /** Samples in a row over the limit (= limits.forSamples). */
  readonly samples: number;
  /** Values of those samples, oldest first. */
  readonly values: readonly number[];
  readonly pid: number;
}

/** Restart `node` with reason `resource`. */
export interface LimitAction {
  readonly type: 'restart';
  readonly node: string;
  readonly reason: 'resource';
  readonly details: LimitDetails;
}

interface Streak {
  pid: number;
  rss: number[];
  cpu: number[];
}

/** Consecutive-samples-over-limit counters of every node. */
export class LimitsPolicy {
  private readonly streaks = new Map<string, Streak>();

  /** Feed one tick's samples (one per node); nodes absent from it are forgotten. */
  evaluate(samples: readonly LimitSample[]): LimitAction[] {
    const actions: LimitAction[] = [];
    const present = new Set<string>();
    for (const s of samples) {
      present.add(s.node);
      const { maxRssMb, maxCpuPercent, forSamples } = s.limits;
      if (
        s.state !== 'running' ||
        s.held ||
        s.pid === null ||
        (maxRssMb === null && maxCpuPercent === null)
      ) {
        this.streaks.delete(s.node);
        continue;
      }
      let st = this.streaks.get(s.node);
      if (!st || st.pid !== s.pid) {
        st = { pid: s.pid, rss: [], cpu: [] };
        this.streaks.set(s.node, st);
      }
      const rssMb = s.rssBytes === null ? null : s.rssBytes / MiB;
      st.rss = step(st.rss, rssMb, maxRssMb);
      st.cpu = step(st.cpu, s.cpuPercent, maxCpuPercent);
      const hit: ['rssMb' | 'cpuPercent', number[], number] | null =
        maxRssMb !== null && st.rss.length >= forSamples
          ? ['rssMb', st.rss, maxRssMb]
          : maxCpuPercent !== null && st.cpu.length >= forSamples
            ? ['cpuPercent', st.cpu, maxCpuPercent]
            : null;
      if (!hit) continue;
      const [metric, streak, limit] = hit;
      const values = streak.map(round1);
      actions.push({
        type: 'restart',
        node: s.node,
        reason: 'resource',
        details: {
          metric,
          value: values[values.length - 1]!,
          limit,
          samples: values.length,
          values: [...values],
          pid: s.pid,
        },
      });
      this.streaks.delete(s.node);
    }
    for (const node of this.streaks.keys()) if (!present.has(node)) this.streaks.delete(node);
    return actions;
  }

  /** Samples in a row over each limit so far (for status and tests). */
  count(node: string): { rss: number; cpu: number } {
    const st = this.streaks.get(node);
    return { rss: st?.rss.length ?? 0, cpu: st?.cpu.length ?? 0 };
  }
}

function round1(n: number): number {
  return Math.round(n * 10) / 10;
}

/** The streak after one more value: longer when over, empty when at or under, unchanged when unknown. */
function step(streak: number[], value: number | null, limit: number | null): number[] {
  if (limit === null) return [];
  if (value === null) return streak;
  return value > limit ? [...streak, value] : [];
}
