import fs from 'node:fs';
import { readSpewCount, type SpewCount } from '../child.js';
import type { Launched, Manager } from '../managers/types.js';
import type { Workload } from '../managers/types.js';
import { CLK_TCK } from '../proc-scan.js';
import { nowNs, nsToMs, sleep, waitFor } from '../time.js';
import { checkLog, type LogCheck } from './log-check.js';

/** Scenario 4 for one manager. */
export interface LogResult {
  /** Lines the writer wrote (blocking writes: the manager's drain rate). */
  written?: number;
  writerSeconds?: number;
  /** Lines that landed (written − missing) × 100 B / (writer start → last file growth), MB/s. */
  landedMBps?: number;
  /** Writer start → the log files stopped growing (s). */
  landedSeconds?: number;
  check?: LogCheck;
  /** missingInWindow + missingAtEnd. */
  lost?: number;
  /** Manager CPU from the writer's go signal until its log settled (s). */
  cpuSeconds?: number;
  /** cpuSeconds per GB landed. */
  cpuSecondsPerGB?: number;
  errors: string[];
}

/**
 * One program writing numbered 100-byte lines flat out for `seconds`, under a
 * 10 MB × 5 size rotation; then every log file is read and checked.
 */
export async function runLogs(mgr: Manager, w: Workload, log: (msg: string) => void): Promise<LogResult> {
  const res: LogResult = { errors: [] };
  const spew = w.spew!;
  let launched: Launched | null = null;
  try {
    launched = await mgr.launch(w);
    const l = launched;
    let c0: ReturnType<Launched['cost']> = null;
    if (spew.onSignal) {
      // The writer waits for SIGUSR1: the manager's own start-up stays out of the CPU figure.
      const ready = await waitFor(
        'the log writer started',
        () => {
          l.assertRunning();
          try {
            return /^\d+ (\d+)\n$/.exec(fs.readFileSync(`${spew.countFile}.ready`, 'latin1'));
          } catch {
            return null;
          }
        },
        { timeoutMs: 60_000 },
      );
      await sleep(1000);
      c0 = l.cost();
      process.kill(Number(ready[1]), 'SIGUSR1');
    }
    const { count, lastGrowth } = await waitForWriterAndQuiet(
      () => (l.assertRunning(), readSpewCount(spew.countFile)),
      () => l.spewLogFiles(),
      { quietMs: 1500, timeoutMs: (spew.seconds + 120) * 1000 },
    );
    res.written = count.lines;
    res.writerSeconds = nsToMs(count.endNs - count.startNs) / 1000;
    res.landedSeconds = nsToMs(lastGrowth - count.startNs) / 1000;
    const c1 = l.cost();
    if (c0 && c1) res.cpuSeconds = (c1.cpuTicks - c0.cpuTicks) / CLK_TCK;
    await launched.stop();
    if (!(await launched.waitExit(60_000))) res.errors.push('the manager did not exit within 60 s');
    const files = launched.spewLogFiles();
    const check = checkLog(files, count.lines);
    res.check = check;
    res.lost = check.missingInWindow + check.missingAtEnd;
    const landed = count.lines - res.lost;
    res.landedMBps = (landed * 100) / 1e6 / res.landedSeconds;
    if (res.cpuSeconds !== undefined && landed > 0)
      res.cpuSecondsPerGB = res.cpuSeconds / ((landed * 100) / 1e9);
    log(
      `  ${mgr.label} logs: ${res.landedMBps.toFixed(1)} MB/s landed, written ${count.lines} lines, ` +
        `window ${check.minSeq}..${check.maxSeq} in ${check.files} files, lost ${res.lost}, split ${check.split}, ` +
        `malformed ${check.malformed}, duplicated ${check.duplicated}` +
        (res.cpuSecondsPerGB !== undefined
          ? `, manager CPU ${res.cpuSeconds!.toFixed(2)} s = ${res.cpuSecondsPerGB.toFixed(1)} s/GB`
          : ''),
    );
  } catch (err) {
    res.errors.push(err instanceof Error ? err.message : String(err));
    log(`  ${mgr.label} logs FAILED: ${String(err).split('\n')[0]}`);
  } finally {
    await launched?.dispose();
  }
  return res;
}

/**
 * Polls the log files' names and sizes every 50 ms from the launch on, until
 * the writer has reported its count and the files have not changed for
 * quietMs; returns the count and the time of the last change.
 */
async function waitForWriterAndQuiet(
  readCount: () => SpewCount | null,
  list: () => string[],
  opts: { quietMs: number; timeoutMs: number },
): Promise<{ count: SpewCount; lastGrowth: bigint }> {
  const signature = (): string =>
    list()
      .map((f) => {
        try {
          return `${f}:${fs.statSync(f).size}`;
        } catch {
          return `${f}:-`;
        }
      })
      .join('|');
  let last = signature();
  let changedAt = nowNs();
  const deadline = Date.now() + opts.timeoutMs;
  while (Date.now() < deadline) {
    await sleep(50);
    const s = signature();
    if (s !== last) {
      last = s;
      changedAt = nowNs();
      continue;
    }
    const count = readCount();
    if (count && nsToMs(nowNs() - changedAt) >= opts.quietMs) return { count, lastGrowth: changedAt };
  }
  throw new Error(`the writer did not finish, or its log did not settle, within ${opts.timeoutMs} ms`);
}
