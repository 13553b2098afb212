import fs from 'node:fs';
import path from 'node:path';
import { countStamps, readSpewCount, readStamps } from '../child.js';
import type { Launched, Manager, Workload } from '../managers/types.js';
import { CLK_TCK } from '../proc-scan.js';
import { nowNs, nsToMs, sleep, waitFor } from '../time.js';
import { checkLog } from './log-check.js';

/** The many-writers scenario for one manager. */
export interface WritersResult {
  readonly writers: number;
  readonly bytesPerSecond: number;
  readonly seconds: number;
  /** Size rotation of each writer's log (bytes, 5 kept). */
  readonly rotateBytes: number;
  /** Lines all writers wrote. */
  written?: number;
  /** Bytes that landed in the log files (all writers, lines × 100). */
  landedBytes?: number;
  /** Manager CPU from the go signal to the logs settling (s). */
  cpuSeconds?: number;
  /** Of that window, as a share of one core. */
  cpuPercent?: number;
  cpuSecondsPerGB?: number;
  lost?: number;
  split?: number;
  malformed?: number;
  duplicated?: number;
  /** Log files per writer at the end (more than 1 = rotation happened). */
  filesPerWriter?: number;
  errors: string[];
}

/**
 * N writers (`nwb-child write`), each writing numbered 100-byte lines at a
 * steady rate, with a small size rotation so that every writer's log rotates.
 * The writers wait for SIGUSR1 once started, so the measured window begins
 * after every start and holds only the logging: manager CPU from the signal
 * until every writer has reported its count and the log files stopped
 * growing; then every file of every writer is checked.
 */
export async function runWriters(
  mgr: Manager,
  w: Workload,
  log: (msg: string) => void,
): Promise<WritersResult> {
  const mode = w.writers!;
  const res: WritersResult = {
    writers: w.sleepers,
    bytesPerSecond: mode.bytesPerSecond,
    seconds: mode.seconds,
    rotateBytes: w.logMaxBytes ?? 10 * 1024 * 1024,
    errors: [],
  };
  let launched: Launched | null = null;
  try {
    launched = await mgr.launch(w);
    const l = launched;
    await waitFor(
      `${w.sleepers} writers started`,
      () => (l.assertRunning(), countStamps(w.stampDir, 'start') >= w.sleepers),
      {
        timeoutMs: 180_000,
        intervalMs: 20,
      },
    );
    await sleep(2000); // past the managers' own start-up work
    const c0 = l.cost();
    if (!c0) throw new Error('the manager is gone');
    const t0 = nowNs();
    for (const [, pid] of readStampPids(w.stampDir)) process.kill(pid, 'SIGUSR1');
    const countFile = (id: number): string => path.join(w.stampDir, `${id}.count`);
    const allCounted = (): boolean => {
      for (let i = 1; i <= w.sleepers; i++) if (!fs.existsSync(countFile(i))) return false;
      return true;
    };
    const sizes = (): string =>
      Array.from({ length: w.sleepers }, (_, i) =>
        l
          .logFiles(`sleeper-${i + 1}`)
          .map((f) => {
            try {
              return fs.statSync(f).size;
            } catch {
              return -1;
            }
          })
          .join(','),
      ).join('|');
    await waitFor('every writer done', () => (l.assertRunning(), allCounted()), {
      timeoutMs: (mode.seconds + 120) * 1000,
      intervalMs: 250,
    });
    let last = sizes();
    await waitFor(
      'the log files settled',
      async () => {
        await sleep(1000);
        const s = sizes();
        const same = s === last;
        last = s;
        return same;
      },
      { timeoutMs: 120_000, intervalMs: 0 },
    );
    const c1 = l.cost();
    if (!c1) throw new Error('the manager died during the scenario');
    const windowS = nsToMs(nowNs() - t0) / 1000;
    res.cpuSeconds = (c1.cpuTicks - c0.cpuTicks) / CLK_TCK;
    res.cpuPercent = (res.cpuSeconds / windowS) * 100;
    await l.stop();
    if (!(await l.waitExit(60_000))) res.errors.push('the manager did not exit within 60 s');
    let written = 0;
    let lost = 0;
    let split = 0;
    let malformed = 0;
    let duplicated = 0;
    let files = 0;
    for (let i = 1; i <= w.sleepers; i++) {
      const count = readSpewCount(countFile(i));
      if (!count) throw new Error(`writer ${i} left no count`);
      const logFiles = l.logFiles(`sleeper-${i}`);
      const check = checkLog(logFiles, count.lines);
      written += count.lines;
      files += logFiles.length;
      // The rotation keeps 5 old files; a writer's whole output fits, so anything missing is lost.
      lost +=
        check.missingInWindow +
        check.missingAtEnd +
        (check.maxSeq < 0 ? count.lines : Math.max(0, check.minSeq));
      split += check.split;
      malformed += check.malformed;
      duplicated += check.duplicated;
    }
    res.written = written;
    res.landedBytes = (written - lost) * 100;
    res.cpuSecondsPerGB = res.cpuSeconds / (res.landedBytes / 1e9);
    res.lost = lost;
    res.split = split;
    res.malformed = malformed;
    res.duplicated = duplicated;
    res.filesPerWriter = files / w.sleepers;
    log(
      `  ${mgr.label} many writers: ${w.sleepers} × ${mode.bytesPerSecond / 1000} KB/s for ${mode.seconds} s: ` +
        `manager CPU ${res.cpuSeconds.toFixed(2)} s (${res.cpuPercent.toFixed(1)} %), ${res.cpuSecondsPerGB.toFixed(1)} s/GB, ` +
        `lost ${lost}, split ${split}, malformed ${malformed}, duplicated ${duplicated}, ${res.filesPerWriter.toFixed(1)} files per writer`,
    );
  } catch (err) {
    res.errors.push(err instanceof Error ? err.message : String(err));
    log(`  ${mgr.label} many writers FAILED: ${String(err).split('\n')[0]}`);
  } finally {
    await launched?.dispose();
  }
  return res;
}

/** The writers' pids from their start stamps. */
function readStampPids(stampDir: string): Map<string, number> {
  const out = new Map<string, number>();
  for (const id of readStamps(stampDir, 'start').keys()) {
    const m = /^\d+ (\d+)\n$/.exec(fs.readFileSync(path.join(stampDir, `${id}.start`), 'latin1'));
    if (m) out.set(id, Number(m[1]));
  }
  return out;
}
