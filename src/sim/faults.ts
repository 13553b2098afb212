/**
 * Resource faults a sim node can be told to have: a memory leak that really
 * touches its pages (so RSS grows, not just virtual size) and CPU burn on worker
 * threads (so the HTTP API on the main thread keeps answering while it burns).
 */
import { Worker } from 'node:worker_threads';

const MB = 1024 * 1024;
const LEAK_TICK_MS = 100;

/** Grows RSS by `mbPerS` MB/s, up to `maxMb` in total when given. */
export function startLeak(mbPerS: number, maxMb: number | null): void {
  const kept: Buffer[] = [];
  let total = 0;
  const perTick = Math.max(1, Math.round((mbPerS * MB * LEAK_TICK_MS) / 1000));
  const cap = maxMb === null ? Infinity : maxMb * MB;
  const timer = setInterval(() => {
    const n = Math.min(perTick, cap - total);
    if (n <= 0) {
      clearInterval(timer);
      return;
    }
    // allocUnsafeSlow + fill: a zero-filled allocation could stay untouched
    // (lazily mapped) pages that never count toward RSS.
    const b = Buffer.allocUnsafeSlow(n);
    b.fill(0x5a);
    kept.push(b);
    total += n;
  }, LEAK_TICK_MS);
}

// Runs in a worker: busy for `busyMs` of every 100 ms slice, asleep for the rest.
const BURNER = `
const { workerData } = require('node:worker_threads');
const busy = workerData.busyMs, idle = 100 - busy;
const cell = new Int32Array(new SharedArrayBuffer(4));
for (;;) {
  const t = Date.now();
  while (Date.now() - t < busy) {}
  if (idle > 0) Atomics.wait(cell, 0, 0, idle);
}`;

/** Keeps about `percent`% of a CPU busy (over 100 = several cores), off the main thread. */
export function startBurn(percent: number): void {
  if (percent <= 0) return;
  const workers = Math.ceil(percent / 100);
  const busyMs = Math.min(100, Math.round(percent / workers));
  for (let i = 0; i < workers; i++) {
    const w = new Worker(BURNER, { eval: true, workerData: { busyMs } });
    w.unref();
  }
}
