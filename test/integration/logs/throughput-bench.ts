/**
 * Measures the node log pipeline end to end (not a test; nothing asserts a time):
 * line-writer fixture → FIFO → LogCapture → LogWriter → rotated files, then
 * verifies every line arrived once, whole and in order.
 *   node dist/test/integration/logs/throughput-bench.js [totalMB=300] [lineSize=100] [stamped]
 * `stamped`: the writer puts its arrival stamp in front of each line (`logs.timestamps`).
 */
import fs from 'node:fs';
import path from 'node:path';
import { ensureFifos, fifoPath } from '../../../src/logs/fifo.js';
import { NodeLog } from '../../../src/logs/node-log.js';
import { ExecDriver } from '../../../src/supervisor/exec-driver.js';
import { fixture, makeSpec, tmpDir } from '../driver/support.js';
import { checkLog } from './log-check.js';

const totalMb = Number(process.argv[2] ?? 300);
const size = Number(process.argv[3] ?? 100);
const lines = Math.floor((totalMb * 1e6) / size);
const stamped = process.argv[4] === 'stamped';
const driver = new ExecDriver();

/** backups = null: enough to keep everything (all lines verified); else only the kept tail is verified. */
async function run(
  maxBytes: number,
  compress: boolean,
  rate: number,
  backups: number | null = null,
): Promise<void> {
  const dir = tmpDir();
  try {
    const logs = { maxBytes, backups: backups ?? Math.ceil((lines * size) / maxBytes) + 2, compress };
    const spec = makeSpec(dir, {
      name: 'bench',
      binary: process.execPath,
      args: [fixture('line-writer'), `lines=${lines}`, `size=${size}`, `rate=${rate}`],
      logs,
    });
    const fifo = fifoPath(path.join(dir, 'state'), spec.name);
    await ensureFifos([fifo]);
    const log = await NodeLog.open({
      fifoPath: fifo,
      logDir: path.join(dir, 'logs'),
      name: spec.name,
      logs,
      timestamps: stamped,
    });
    const t0 = performance.now();
    const p = await driver.spawn({ spec, outputFd: log.outputFd() });
    const exit = await p.exited;
    while (log.bytesRead() < lines * size) await new Promise((r) => setTimeout(r, 5));
    await log.close();
    const ms = performance.now() - t0;
    const s = log.stats();
    const mb = (lines * size) / 1e6;
    const head = `${stamped ? 'stamped, ' : ''}offered ${rate ? `${rate} MB/s` : 'flat out'}, maxBytes=${maxBytes} backups=${logs.backups} compress=${compress}: ${mb.toFixed(0)} MB in ${ms.toFixed(0)} ms = ${((mb * 1000) / ms).toFixed(0)} MB/s, rotations=${s.rotations}, exit=${exit.code}`;
    if (s.droppedLines > 0) {
      console.log(
        `${head}; DROPPED ${s.droppedLines} lines (${((s.droppedLines / lines) * 100).toFixed(1)}%): the disk did not keep up`,
      );
      return;
    }
    const tailOnly = backups !== null;
    checkLog(path.join(dir, 'logs'), spec.name, { lines, size, maxBytes, tailOnly, stamped });
    console.log(
      `${head}; ${tailOnly ? '0 dropped; kept files verified whole and contiguous up to the last line' : 'verified: every line once, whole, in order'}`,
    );
  } finally {
    fs.rmSync(dir, { recursive: true, force: true });
  }
}

/** The fixture alone, writing into /dev/null: the upper bound of what it can produce. */
async function baseline(): Promise<void> {
  const dir = tmpDir();
  const fd = fs.openSync('/dev/null', 'w');
  const t0 = performance.now();
  const p = await driver.spawn({
    spec: makeSpec(dir, {
      name: 'base',
      binary: process.execPath,
      args: [fixture('line-writer'), `lines=${lines}`, `size=${size}`],
    }),
    outputFd: fd,
  });
  await p.exited;
  const ms = performance.now() - t0;
  console.log(`fixture alone into /dev/null: ${((((lines * size) / 1e6) * 1000) / ms).toFixed(0)} MB/s`);
  fs.closeSync(fd);
  fs.rmSync(dir, { recursive: true, force: true });
}

const MiB = 1024 * 1024;
await baseline();
for (const rate of [100, 200, 400, 0]) await run(20 * MiB, false, rate);
await run(MiB, false, 100, 10);
await run(64 * 1024, false, 100, 10);
await run(20 * MiB, true, 100);
