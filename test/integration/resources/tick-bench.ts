/**
 * Cost of one sampler tick as the number of node processes grows (run by hand:
 * `node dist/test/integration/resources/tick-bench.js [50 200 500]`). Spawns N
 * `sleep` processes, samples them as N one-process nodes, prints the median and
 * worst tick of 30, then kills every sleep by pid. Not a test: numbers only.
 */
import { spawn } from 'node:child_process';
import { ProcHostReader } from '../../../src/monitoring/host.js';
import { Sampler } from '../../../src/monitoring/sampler.js';
import { processTable } from '../../../src/supervisor/proc.js';

async function measure(n: number): Promise<void> {
  const pids: number[] = [];
  for (let i = 0; i < n; i++) {
    const c = spawn('sleep', ['600'], { stdio: 'ignore' });
    if (c.pid === undefined) throw new Error('spawn failed');
    pids.push(c.pid);
  }
  try {
    const sampler = new Sampler();
    const roots = pids.map((pid, i) => ({ node: `n${i}`, pid }));
    const host = new ProcHostReader();
    sampler.sampleOnce(roots); // warm-up (and the getconf lookups)
    const ticks: number[] = [];
    const hostMs: number[] = [];
    let seen = 0;
    let hostProcs = 0;
    for (let i = 0; i < 30; i++) {
      const r = sampler.sampleOnce(roots);
      ticks.push(r.durationMs);
      hostProcs = r.hostProcesses;
      seen = r.nodes.filter((u) => u.processes === 1).length;
      const t = performance.now();
      host.read(['/tmp']);
      hostMs.push(performance.now() - t);
    }
    const t0 = performance.now();
    processTable();
    const tableMs = performance.now() - t0;
    ticks.sort((a, b) => a - b);
    hostMs.sort((a, b) => a - b);
    const med = (xs: number[]): string => xs[Math.floor(xs.length / 2)]!.toFixed(1);
    console.log(
      `${String(n).padStart(4)} nodes (${seen} seen, ${hostProcs} processes on the host): ` +
        `tick median ${med(ticks)} ms, max ${ticks.at(-1)!.toFixed(1)} ms; /proc pass alone ${tableMs.toFixed(1)} ms; host read median ${med(hostMs)} ms`,
    );
  } finally {
    for (const pid of pids) {
      try {
        process.kill(pid, 'SIGKILL');
      } catch {
        // already gone
      }
    }
  }
}

const sizes = process.argv.slice(2).map(Number);
for (const n of sizes.length > 0 ? sizes : [50, 200, 500]) await measure(n);
