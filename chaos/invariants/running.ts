import type { CheckContext, Invariant, Journal, Violation } from '../journal.js';
import { byNode, describeProc, scanRun } from './proc.js';
import { at, lastFaultEnd } from './timeline.js';
import { sleep, type InvariantOptions } from './options.js';

/** What invariant 2 saw: how long the fleet took to be whole again after the last fault. */
export interface RecoveryFacts {
  recoveredAfterMs: number | null;
}

/**
 * Invariant 2, from /proc, at the end: every node whose wish is `running` (and
 * is not held: a held node stays in whatever state it was held in) has exactly
 * one live main process within `recoverBoundMs` after the last fault ended.
 * Polled until then; a no-op after each fault.
 */
export function running(journal: Journal, opts: InvariantOptions): Invariant & { facts: RecoveryFacts } {
  const facts: RecoveryFacts = { recoveredAfterMs: null };
  return {
    id: 2,
    name: 'every node that should run is running after the last fault',
    facts,
    async check(ctx: CheckContext): Promise<Violation[]> {
      if (ctx.phase === 'fault') return [];
      const since = lastFaultEnd(journal);
      const deadline = since + journal.run.recoverBoundMs;
      for (;;) {
        const now = Date.now();
        const procs = byNode(scanRun(journal.run.runId));
        const wrong: string[] = [];
        for (const n of Object.values(journal.nodes)) {
          if (n.desired !== 'running' || n.held) continue;
          const mains = (procs.get(n.name) ?? []).filter((p) => p.main);
          if (mains.length === 1) continue;
          wrong.push(
            mains.length === 0
              ? `${n.name}: no main process`
              : `${n.name}: ${mains.length} main processes: ${mains.map(describeProc).join('; ')}`,
          );
        }
        if (wrong.length === 0) {
          facts.recoveredAfterMs = Math.max(0, now - since);
          return [];
        }
        if (now >= deadline) {
          return [
            {
              invariant: 2,
              message: `${wrong.length} node(s) not running ${journal.run.recoverBoundMs} ms after the last fault (ended ${at(journal, since)}), checked ${at(journal, now)}`,
              evidence: wrong,
            },
          ];
        }
        await sleep(Math.min(opts.pollMs, Math.max(1, deadline - now)));
      }
    },
  };
}
