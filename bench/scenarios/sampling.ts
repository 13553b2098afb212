import fs from 'node:fs';
import path from 'node:path';
import { spawn } from 'node:child_process';
import pidusage from 'pidusage';
import { Sampler } from '../../src/monitoring/sampler.js';
import { descendants, processTable, readStat } from '../../src/supervisor/proc.js';
import { countStamps } from '../child.js';
import { Reaper } from '../reaper.js';
import { summarize, type Summary } from '../stats.js';
import { nowNs, nsToMs, waitFor } from '../time.js';

/** Scenario 5a at one process count. */
export interface SamplingResult {
  readonly procs: number;
  /** Processes on the host during the measurement (the /proc pass reads all of them). */
  readonly hostProcs: number;
  /** processTable() alone (one pass over every /proc/<pid>/stat). */
  readonly table: Summary;
  /** The real tick: `Sampler.sampleOnce()` (src/monitoring/sampler.ts) over every node. */
  readonly tick: Summary;
  /** processTable() + descendants() of each node + a fresh readStat() of every tree member. */
  readonly tableAndStats: Summary;
  /** pidusage() over the node pids, for comparison. */
  readonly pidusage: Summary;
}

const TICKS = 30;
const WARMUP = 3;

/**
 * The cost of one resource-sampling tick (DESIGN §3: CPU and RSS of each
 * node's whole tree): the real `Sampler.sampleOnce()`, and for comparison a
 * bare processTable() pass, that pass plus a fresh read of every tree
 * member's stat, and pidusage over the node pids. Measured with
 * `counts` sleeper processes that the bench spawns itself (no manager);
 * 3 warm-up ticks, then 30 measured ones.
 */
export async function runSampling(
  root: string,
  child: string,
  counts: readonly number[],
  reaper: Reaper,
  log: (msg: string) => void,
): Promise<SamplingResult[]> {
  const dir = path.join(root, 'sampling');
  const stampDir = path.join(dir, 'stamps');
  fs.mkdirSync(stampDir, { recursive: true });
  const pids: number[] = [];
  const out: SamplingResult[] = [];
  try {
    for (const target of [...counts].sort((a, b) => a - b)) {
      while (pids.length < target) {
        const c = spawn(child, ['sleep', stampDir, String(pids.length + 1)], { detached: true, stdio: 'ignore' });
        c.unref();
        pids.push(c.pid!);
      }
      await waitFor(`${target} sleepers`, () => countStamps(stampDir, 'start') >= target, { timeoutMs: 60_000 });
      const nodes = pids.slice(0, target);
      const table: number[] = [];
      const tick: number[] = [];
      const tableAndStats: number[] = [];
      const usage: number[] = [];
      const sampler = new Sampler();
      const roots = nodes.map((pid, i) => ({ node: `n${i + 1}`, pid }));
      let hostProcs = 0;
      for (let i = 0; i < WARMUP + TICKS; i++) {
        if (i === WARMUP) {
          table.length = 0;
          tick.length = 0;
          tableAndStats.length = 0;
          usage.length = 0;
        }
        let t = nowNs();
        const tab = processTable();
        table.push(nsToMs(nowNs() - t));
        hostProcs = tab.procs.size;

        t = nowNs();
        const sample = sampler.sampleOnce(roots);
        tick.push(nsToMs(nowNs() - t));
        if (sample.nodes.length !== target) throw new Error(`the sampler saw ${sample.nodes.length} of ${target} nodes`);

        t = nowNs();
        const tab2 = processTable();
        let cpu = 0;
        let rss = 0;
        for (const pid of nodes) {
          for (const member of [pid, ...descendants(pid, tab2)]) {
            const st = readStat(member);
            if (st) {
              cpu += st.cpuTicks;
              rss += st.rssPages;
            }
          }
        }
        tableAndStats.push(nsToMs(nowNs() - t));
        if (cpu < 0 || rss < 0) throw new Error('impossible /proc values');

        t = nowNs();
        await pidusage(nodes);
        usage.push(nsToMs(nowNs() - t));
      }
      const r = {
        procs: target,
        hostProcs,
        table: summarize(table),
        tick: summarize(tick),
        tableAndStats: summarize(tableAndStats),
        pidusage: summarize(usage),
      };
      out.push(r);
      log(
        `  sampling tick at ${target} processes (${hostProcs} on the host): ` +
          `Sampler.sampleOnce p50 ${r.tick.p50.toFixed(1)} ms, p95 ${r.tick.p95.toFixed(1)} ms ` +
          `(table pass ${r.table.p50.toFixed(1)} ms, table + stat per member ${r.tableAndStats.p50.toFixed(1)} ms, ` +
          `pidusage ${r.pidusage.p50.toFixed(1)} ms)`,
      );
    }
  } finally {
    pidusage.clear();
    await Promise.all(pids.map((p) => Reaper.end(p, 5000)));
    reaper.killMarked(dir);
  }
  return out;
}
