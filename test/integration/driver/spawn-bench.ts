/**
 * Measures spawn latency of the ExecDriver (spawn() call → identity read from
 * /proc, the child running), the crash → replacement path in both containment
 * modes (a SIGKILLed node: its exit reported, then the replacement forked) and
 * the cost of one /proc process-table pass with ~500 extra processes. Not a
 * test; nothing asserts a time.
 *   node dist/test/integration/driver/spawn-bench.js
 */
import fs from 'node:fs';
import { spawn } from 'node:child_process';
import { ExecDriver, type ContainmentChoice } from '../../../src/supervisor/exec-driver.js';
import { descendants, processTable } from '../../../src/supervisor/proc.js';
import { makeSpec, SLEEP, tmpDir } from './support.js';

const stats = (xs: number[]) => {
  const s = [...xs].sort((a, b) => a - b);
  const q = (p: number) => s[Math.min(s.length - 1, Math.floor(p * s.length))]!.toFixed(2);
  return `median ${q(0.5)} ms, p95 ${q(0.95)} ms, max ${s[s.length - 1]!.toFixed(2)} ms`;
};

const dir = tmpDir();
const out = fs.openSync('/dev/null', 'w');
const driver = new ExecDriver();
for (const nofile of [null, 4096]) {
  const times: number[] = [];
  for (let i = 0; i < 60; i++) {
    const spec = makeSpec(dir, {
      name: `n${i}`,
      binary: SLEEP,
      args: ['1000'],
      dataDir: `${dir}/d${i}`,
      limits: { nofile, maxRssMb: null, maxCpuPercent: null, forSamples: 3 },
    });
    const t0 = performance.now();
    const p = await driver.spawn({ spec, outputFd: out });
    times.push(performance.now() - t0);
    await driver.killTree(p.pid, p.pgid);
    await p.exited;
  }
  console.log(
    `spawn latency (${nofile === null ? 'plain' : 'via prlimit'}), 60 spawns after warm-up of 1: ${stats(times.slice(1))}`,
  );
}

// Crash → replacement: the two containment modes interleaved, so that load hits both alike.
const drivers: Record<ContainmentChoice, ExecDriver> = {
  auto: new ExecDriver({ stateDir: `${dir}/state`, containment: 'auto' }),
  sweep: new ExecDriver({ stateDir: `${dir}/state-sweep`, containment: 'sweep' }),
};
const crash: Record<ContainmentChoice, { reported: number[]; forked: number[] }> = {
  auto: { reported: [], forked: [] },
  sweep: { reported: [], forked: [] },
};
for (let i = 0; i < 61; i++) {
  for (const mode of ['auto', 'sweep'] as const) {
    const spec = makeSpec(dir, {
      name: `crash-${mode}`,
      binary: SLEEP,
      args: ['1000'],
      dataDir: `${dir}/c-${mode}`,
    });
    const p = await drivers[mode].spawn({ spec, outputFd: out });
    const t0 = performance.now();
    process.kill(p.pid, 'SIGKILL');
    await p.exited;
    const t1 = performance.now();
    const next = await drivers[mode].spawn({ spec, outputFd: out });
    const t2 = performance.now();
    if (i > 0) {
      crash[mode].reported.push(t1 - t0);
      crash[mode].forked.push(t2 - t1);
    }
    await drivers[mode].killTree(next.pid, next.pgid);
    await next.exited;
  }
}
for (const mode of ['auto', 'sweep'] as const) {
  const label = mode === 'auto' ? drivers.auto.describeContainment() : 'containment: sweep (forced)';
  console.log(`crash → exit reported [${label}]: ${stats(crash[mode].reported)}`);
  console.log(`exit reported → replacement forked [${label}]: ${stats(crash[mode].forked)}`);
}

const extra = Array.from({ length: 500 }, () => spawn(SLEEP, ['1000'], { stdio: 'ignore' }));
await new Promise((r) => setTimeout(r, 300));
const times: number[] = [];
let count = 0;
for (let i = 0; i < 30; i++) {
  const t0 = performance.now();
  const table = processTable();
  descendants(process.pid, table);
  times.push(performance.now() - t0);
  count = table.procs.size;
}
console.log(`processTable + descendants over ${count} processes: ${stats(times)}`);
for (const c of extra) c.kill('SIGKILL');
fs.closeSync(out);
fs.rmSync(dir, { recursive: true, force: true });
