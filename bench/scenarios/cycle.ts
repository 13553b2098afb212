import { CHILD_COMM, countStamps, readStamps, readStart } from '../child.js';
import type { Launched, Manager, StartPath, Workload } from '../managers/types.js';
import { CLK_TCK, countLive, countUnder, isLive } from '../proc-scan.js';
import { summarize, type Summary } from '../stats.js';
import { nowNs, nsToMs, sleep, waitFor } from '../time.js';

/** Scenarios 1-3 for one manager and one N, on one launch. */
export interface CycleResult {
  readonly n: number;
  /** boot: the manager started cold with autostart; api: already running, then its start-all command. */
  readonly path?: StartPath;
  /** Start command → the last of the N children exec'ed (ms). */
  startMs?: number;
  /** Of the API path: launch → the manager ready for the command (ms, not part of startMs). */
  readyMs?: number;
  /** `started` events in the manager's store once all N ran (nodewarden; N = none lost). */
  startedEvents?: number;
  /** When fewer than N were there: the count again after the idle window (events late, not lost, if N). */
  startedEventsAfterIdle?: number;
  /** Of startMs: launch → the manager said it was ready to spawn (nodewarden only). */
  bootMs?: number;
  /** Of startMs: the first → the last child exec'ed (ms). */
  spreadMs?: number;
  /** Stop command → the last of the N children exited on SIGTERM (ms). */
  stopMs?: number;
  /** Stop command → the last child gone from /proc, as polled every 20 ms (ms). */
  stopSeenMs?: number;
  idle?: { windowS: number; cpuPercent: number; cpuSeconds: number; rssMb: number; rssMaxMb: number };
  crash?: Summary & { timeouts: number };
  errors: string[];
}

export interface CycleOptions {
  readonly idleSeconds: number;
  /** 0: no crash step. */
  readonly kills: number;
  readonly log: (msg: string) => void;
}

/**
 * Launch the manager with N sleepers and measure, in order: start all, idle
 * cost, crash → replacement (kill -9 of `kills` different children), stop all.
 * A failing step is recorded and the later steps still run where they can.
 */
export async function runCycle(mgr: Manager, w: Workload, opts: CycleOptions): Promise<CycleResult> {
  const n = w.sleepers;
  const via = w.startPath ?? 'boot';
  const res: CycleResult = { n, path: via, errors: [] };
  const tag = `${mgr.label} N=${n} (${via})`;
  const fail = (step: string, err: unknown): void => {
    res.errors.push(`${step}: ${err instanceof Error ? err.message : String(err)}`);
    opts.log(`  ${tag} ${step} FAILED: ${String(err).split('\n')[0]}`);
  };
  let launched: Launched | null = null;
  try {
    let t0 = nowNs();
    launched = await mgr.launch(w);
    const pid = await launched.managerPid();
    const l = launched;
    if (via === 'api') {
      await l.ready(180_000);
      res.readyMs = nsToMs(nowNs() - t0);
      if (countStamps(w.stampDir, 'start') > 0)
        throw new Error('programs started before the start-all command');
      t0 = nowNs();
      await l.startAll();
    }
    await waitFor(`${n} children started`, () => (l.assertRunning(), countStamps(w.stampDir, 'start') >= n), {
      timeoutMs: Math.max(180_000, n * 300), // 1,000 nodes on a busy host take minutes
      intervalMs: 10,
    });
    const starts = [...readStamps(w.stampDir, 'start').values()];
    const last = starts.reduce((a, b) => (b > a ? b : a));
    const first = starts.reduce((a, b) => (b < a ? b : a));
    res.startMs = nsToMs(last - t0);
    res.spreadMs = nsToMs(last - first);
    const boot = via === 'boot' ? (launched.bootMs?.() ?? null) : null;
    if (boot !== null) res.bootMs = boot;
    // The exec stamps say when; /proc says they are really the manager's and still up.
    await waitFor(
      `${n} live children under the manager (pid ${pid})`,
      () => countUnder(pid, CHILD_COMM, w.dir) === n,
      {
        timeoutMs: 30_000,
      },
    );
    opts.log(
      `  ${tag}: start all ${res.startMs.toFixed(1)} ms (first → last exec ${res.spreadMs.toFixed(1)} ms` +
        `${res.bootMs !== undefined ? `, manager ready after ${res.bootMs} ms` : ''}` +
        `${res.readyMs !== undefined ? `, after ${res.readyMs.toFixed(0)} ms until the manager took commands` : ''})`,
    );
    if (l.countEvents) {
      // The store is written behind the bus: wait a little for the last of them.
      const got = await waitFor(
        `${n} started events`,
        () => ((l.countEvents!('started') ?? -1) >= n ? true : null),
        {
          timeoutMs: 15_000,
          intervalMs: 250,
        },
      ).catch(() => null);
      res.startedEvents = l.countEvents('started') ?? undefined;
      if (!got)
        res.errors.push(`events: ${res.startedEvents ?? 0} started events in the store for ${n} starts`);
      opts.log(`  ${tag}: ${res.startedEvents ?? '?'} started events in the store`);
    }

    try {
      res.idle = await measureIdle(l, opts.idleSeconds);
      opts.log(`  ${tag}: idle ${res.idle.cpuPercent.toFixed(2)} % CPU, ${res.idle.rssMb.toFixed(1)} MB RSS`);
    } catch (err) {
      fail('idle', err);
    }
    if (l.countEvents && res.startedEvents !== undefined && res.startedEvents < n) {
      res.startedEventsAfterIdle = l.countEvents('started') ?? undefined;
      opts.log(
        `  ${tag}: ${res.startedEventsAfterIdle ?? '?'} started events in the store after the idle window`,
      );
    }
    if (opts.kills > 0) {
      try {
        res.crash = await measureCrash(w, Math.min(opts.kills, n));
        opts.log(
          `  ${tag}: crash→replacement p50 ${res.crash.p50.toFixed(2)} ms, max ${res.crash.max.toFixed(2)} ms`,
        );
      } catch (err) {
        fail('crash', err);
      }
      // Let replacements settle so every child is an ordinary running one again.
      await sleep(1500);
    }
    const t1 = nowNs();
    await launched.stop();
    await waitFor('every child gone', () => countLive(CHILD_COMM, w.dir) === 0, { timeoutMs: 120_000 });
    res.stopSeenMs = nsToMs(nowNs() - t1);
    const stops = [...readStamps(w.stampDir, 'stop').values()];
    if (stops.length === n) res.stopMs = nsToMs(stops.reduce((a, b) => (b > a ? b : a)) - t1);
    else res.errors.push(`stop: only ${stops.length} of ${n} children exited through SIGTERM`);
    opts.log(
      `  ${tag}: stop all ${res.stopMs?.toFixed(1) ?? '?'} ms (gone from /proc after ${res.stopSeenMs.toFixed(0)} ms)`,
    );
    if (!(await launched.waitExit(60_000))) res.errors.push('stop: the manager did not exit within 60 s');
  } catch (err) {
    fail('cycle', err);
  } finally {
    await launched?.dispose();
  }
  return res;
}

/** Manager CPU (utime+stime delta) and RSS over a window, RSS sampled every second. */
async function measureIdle(l: Launched, seconds: number): Promise<NonNullable<CycleResult['idle']>> {
  await sleep(2000); // past startSeconds: every node counts as running
  const u0 = l.cost();
  if (!u0) throw new Error('the manager is gone');
  const t0 = nowNs();
  let rssMax = u0.rssBytes;
  let last = u0;
  for (let i = 0; i < seconds; i++) {
    await sleep(1000);
    const u = l.cost();
    if (!u) throw new Error('the manager died during the idle window');
    rssMax = Math.max(rssMax, u.rssBytes);
    last = u;
  }
  const elapsedS = nsToMs(nowNs() - t0) / 1000;
  return {
    windowS: elapsedS,
    cpuPercent: ((last.cpuTicks - u0.cpuTicks) / CLK_TCK / elapsedS) * 100,
    cpuSeconds: (last.cpuTicks - u0.cpuTicks) / CLK_TCK,
    rssMb: last.rssBytes / 1e6,
    rssMaxMb: rssMax / 1e6,
  };
}

/**
 * kill -9 of `kills` different children, one at a time; latency = kill time →
 * the replacement's own exec stamp (both CLOCK_MONOTONIC), so the 1 ms poll of
 * the stamp file only decides when we move on, not what is measured.
 */
async function measureCrash(w: Workload, kills: number): Promise<Summary & { timeouts: number }> {
  const lat: number[] = [];
  let timeouts = 0;
  const step = Math.max(1, Math.floor(w.sleepers / kills));
  for (let k = 0; k < kills; k++) {
    const id = 1 + ((k * step) % w.sleepers);
    const before = readStart(w.stampDir, id);
    if (!before || !isLive(before.pid)) throw new Error(`child ${id} is not running before its kill`);
    const t = nowNs();
    process.kill(before.pid, 'SIGKILL');
    const after = await waitFor(
      `replacement of child ${id}`,
      () => {
        const s = readStart(w.stampDir, id);
        return s && s.pid !== before.pid ? s : null;
      },
      { timeoutMs: 15_000, intervalMs: 1 },
    ).catch(() => null);
    if (after) lat.push(nsToMs(after.ns - t));
    else timeouts++;
    await sleep(300);
  }
  if (lat.length === 0) throw new Error(`no replacement appeared within 15 s after any of ${kills} kills`);
  return { ...summarize(lat), timeouts };
}
