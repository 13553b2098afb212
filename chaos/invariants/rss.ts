import type { CheckContext, Invariant, Journal, Violation } from '../journal.js';
import { rssKb } from './proc.js';
import { at } from './timeline.js';
import type { InvariantOptions } from './options.js';

/**
 * Invariant 7, from /proc/<pid>/status: the RSS of the current manager, sampled
 * at every check, stays bounded: never above `rssCapMb`, never above
 * `rssFactor` × the first steady sample of that manager (taken once it has run
 * `rssSteadyMs`), and not growing at every sample across the run's second half
 * faster than `rssSlopeMbPerMin`. The samples are the evidence.
 */

export interface RssSample {
  at: number;
  pid: number;
  kb: number;
}

export interface RssFacts {
  samples: RssSample[];
  peakKb: number;
}

export function rss(journal: Journal, opts: InvariantOptions): Invariant & { facts: RssFacts } {
  const facts: RssFacts = { samples: [], peakKb: 0 };
  const baseline = new Map<number, number>();
  return {
    id: 7,
    name: "the manager's RSS stays bounded",
    facts,
    check(ctx: CheckContext): Promise<Violation[]> {
      const now = Date.now();
      const m = [...journal.managers].reverse().find((r) => r.endedAt === undefined);
      const kb = m ? rssKb(m.pid) : null;
      if (!m || kb === null) return Promise.resolve([]);
      facts.samples.push({ at: now, pid: m.pid, kb });
      facts.peakKb = Math.max(facts.peakKb, kb);
      if (!baseline.has(m.pid) && now - m.startedAt >= opts.rssSteadyMs) baseline.set(m.pid, kb);
      const out: Violation[] = [];
      const evidence = (): string[] => samplesText(journal, facts.samples);
      const base = baseline.get(m.pid);
      if (kb > opts.rssCapMb * 1024)
        out.push({
          invariant: 7,
          message: `manager pid ${m.pid}: RSS ${mb(kb)} over the cap of ${opts.rssCapMb} MiB at ${at(journal, now)}`,
          evidence: evidence(),
        });
      else if (base !== undefined && kb > base * opts.rssFactor)
        out.push({
          invariant: 7,
          message: `manager pid ${m.pid}: RSS ${mb(kb)} is over ${opts.rssFactor}× its first steady sample (${mb(base)}) at ${at(journal, now)}`,
          evidence: evidence(),
        });
      if (ctx.phase === 'final') out.push(...growth(journal, opts, facts.samples));
      return Promise.resolve(out);
    },
  };
}

function mb(kb: number): string {
  return `${(kb / 1024).toFixed(1)} MiB`;
}

function samplesText(journal: Journal, samples: readonly RssSample[]): string[] {
  const step = Math.max(1, Math.ceil(samples.length / 30));
  return samples
    .filter((_, i) => i % step === 0 || i === samples.length - 1)
    .map((s) => `${at(journal, s.at)} pid ${s.pid} ${mb(s.kb)}`);
}

/** Monotonic growth over the second half of the run (the last manager's samples there), beyond the slope. */
function growth(journal: Journal, opts: InvariantOptions, samples: readonly RssSample[]): Violation[] {
  if (samples.length === 0) return [];
  const mid = (journal.run.startedAt + samples[samples.length - 1]!.at) / 2;
  const last = samples[samples.length - 1]!.pid;
  const half = samples.filter((s) => s.at >= mid && s.pid === last);
  if (half.length < 6) return [];
  const rising = half.every((s, i) => i === 0 || s.kb >= half[i - 1]!.kb);
  const minutes = (half[half.length - 1]!.at - half[0]!.at) / 60_000;
  if (!rising || minutes <= 0) return [];
  const grewMb = (half[half.length - 1]!.kb - half[0]!.kb) / 1024;
  const slope = grewMb / minutes;
  if (slope <= opts.rssSlopeMbPerMin || grewMb < opts.rssGrowthMinMb) return [];
  return [
    {
      invariant: 7,
      message: `manager pid ${last}: RSS grew at every one of ${half.length} samples across the run's second half, ${grewMb.toFixed(1)} MiB at ${slope.toFixed(1)} MiB/min (bounds ${opts.rssGrowthMinMb} MiB, ${opts.rssSlopeMbPerMin} MiB/min)`,
      evidence: samplesText(journal, half),
    },
  ];
}
