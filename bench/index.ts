import fs from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { buildChild } from './child.js';
import { busyWarning, load1, machineInfo } from './machine.js';
import { NodewardenManager } from './managers/nodewarden.js';
import { Pm2Manager } from './managers/pm2.js';
import { RunitManager } from './managers/runit.js';
import { SupervisordManager } from './managers/supervisord.js';
import type { Manager } from './managers/types.js';
import { parseOptions, type BenchOptions } from './options.js';
import { Reaper } from './reaper.js';
import { renderReport } from './report/markdown.js';
import { buildRows, renderText } from './report/table.js';
import { evaluateTargets } from './report/targets.js';
import type { BenchResults, ManagerResults } from './results.js';
import { runCycle } from './scenarios/cycle.js';
import { summarizeRounds } from './scenarios/log-rounds.js';
import { runLogs, type LogResult } from './scenarios/logs.js';
import { runSampling } from './scenarios/sampling.js';
import { runStatusApi } from './scenarios/status-api.js';
import { runWriters } from './scenarios/writers.js';
import { runTargetFleet } from './scenarios/target-fleet.js';
import { NODEWARDEN_CLI } from './managers/nodewarden.js';
import { runPagePaint } from './scenarios/page-paint.js';
import { makeWorkload } from './scenarios/workload.js';
import { nowNs, nsToMs } from './time.js';

/**
 * `npm run bench`: nodewarden against runit, supervisord and PM2 on the same
 * workload, then BENCHMARKS.md with a verdict per target. Everything runs in one
 * temp directory that is removed at the end; every process started is ended
 * by pid, also on Ctrl-C and on errors.
 */
async function main(opts: BenchOptions): Promise<void> {
  const began = nowNs();
  const root = fs.mkdtempSync(path.join(os.tmpdir(), 'nwbench-'));
  const reaper = new Reaper(root);
  const cleanup = async (): Promise<void> => {
    reaper.killMarked();
    if (!opts.keep) fs.rmSync(root, { recursive: true, force: true });
  };
  reaper.install(cleanup);
  const log = (msg: string): void => console.log(msg);
  try {
    log(`bench: temp root ${root}${opts.quick ? ' (quick run)' : ''}, load average ${load1()}`);
    const child = await buildChild(root);
    if (opts.pageOnly) {
      // 5c alone, printed: a quick look at the page without a whole run
      const nw = new NodewardenManager(reaper);
      log(`  nodewarden ${await nw.prepare(root)}`);
      const pw = makeWorkload(root, 'nodewarden-page', child.path, { sleepers: opts.pageNodes });
      const page = await runPagePaint(nw, pw, opts.pageLoads, log);
      log(JSON.stringify(page, null, 1));
      return;
    }
    const all: Manager[] = [
      new NodewardenManager(reaper, opts.cpuProfDir),
      new RunitManager(reaper),
      new SupervisordManager(reaper),
      new Pm2Manager(reaper),
    ];
    const runs = (part: (typeof opts.skip)[number]): boolean => !opts.skip.includes(part);
    const managers = all.filter((m) => opts.only.includes(m.name));
    const results: BenchResults = {
      date: new Date().toISOString(),
      quick: opts.quick,
      machine: machineInfo(root),
      childLinkage: child.linkage,
      sizes: opts.sizes,
      large: runs('large') ? opts.large : 0,
      managers: [],
    };

    for (const mgr of managers) {
      const mr: ManagerResults = { name: mgr.name, label: mgr.label, notes: mgr.notes, cycles: {}, api: {} };
      results.managers.push(mr);
      log(`\n== ${mgr.label}`);
      try {
        mr.version = await mgr.prepare(root);
        log(`  version ${mr.version}`);
      } catch (err) {
        mr.error = `not available: ${err instanceof Error ? err.message : String(err)}`;
        log(`  ${mgr.label} ${mr.error}`);
        continue;
      }
      for (const n of opts.sizes) {
        if (runs('boot')) {
          const w = makeWorkload(root, `${mgr.name}-${n}`, child.path, { sleepers: n });
          mr.cycles[n] = await runCycle(mgr, w, { idleSeconds: opts.idleSeconds, kills: opts.kills, log });
        }
        if (runs('api')) {
          const w = makeWorkload(root, `${mgr.name}-${n}-api`, child.path, { sleepers: n, startPath: 'api' });
          mr.api[n] = await runCycle(mgr, w, { idleSeconds: opts.idleSeconds, kills: 0, log });
        }
      }
      // The large host: nodewarden and the C floor (supervisord and PM2 take minutes to start 1,000).
      if (results.large > 0 && (mgr.name === 'nodewarden' || mgr.name === 'runit')) {
        const n = results.large;
        for (const via of ['boot', 'api'] as const) {
          if (!runs(via)) continue;
          const w = makeWorkload(root, `${mgr.name}-${n}-${via}`, child.path, {
            sleepers: n,
            startPath: via,
          });
          const r = await runCycle(mgr, w, { idleSeconds: opts.largeIdleSeconds, kills: 0, log });
          (via === 'boot' ? mr.cycles : mr.api)[n] = r;
          if (!opts.keep) fs.rmSync(w.dir, { recursive: true, force: true });
        }
      }
    }

    // The log scenario in rounds, alternating managers, so that other load on
    // the host hits each of them alike.
    const ready = managers.filter((m) => !results.managers.find((r) => r.name === m.name)?.error);
    const rounds = new Map<Manager, LogResult[]>(ready.map((m) => [m, []]));
    for (let round = 1; runs('logs') && round <= opts.logRounds; round++) {
      log(`\n== logs, round ${round} of ${opts.logRounds}`);
      for (const mgr of ready) {
        const lw = makeWorkload(root, `${mgr.name}-logs-${round}`, child.path, {
          sleepers: 0,
          spew: { seconds: opts.logSeconds, onSignal: true },
        });
        rounds.get(mgr)!.push(await runLogs(mgr, lw, log));
        // Up to ~60 MB of log per round (more for a manager without rotation).
        if (!opts.keep) fs.rmSync(lw.dir, { recursive: true, force: true });
      }
    }
    for (const mgr of ready) {
      const mr = results.managers.find((r) => r.name === mgr.name)!;
      if (runs('logs')) mr.logs = summarizeRounds(rounds.get(mgr)!);
      // A manager that failed every launch is reported as "could not run".
      const cycles = Object.values(mr.cycles);
      if (
        cycles.length > 0 &&
        cycles.every((c) => c.startMs === undefined) &&
        mr.logs?.landedMBps === undefined
      ) {
        mr.error = `could not run: ${cycles[0]!.errors[0] ?? mr.logs?.errors[0] ?? 'unknown error'}`;
      }
    }

    // Many writers, one manager after the other.
    if (runs('writers')) {
      const wo = opts.writers;
      log(
        `\n== many writers: ${wo.count} × ${wo.bytesPerSecond / 1000} KB/s for ${wo.seconds} s, rotation ${wo.logMaxBytes} B × 5`,
      );
      for (const mgr of ready) {
        const mr = results.managers.find((r) => r.name === mgr.name)!;
        if (mr.error) continue;
        if (mgr.name === 'pm2') {
          mr.writersNa =
            'not run: PM2 rotates with the pm2-logrotate module (copy + truncate every second), which loses lines in the single-writer scenario already';
          continue;
        }
        const w = makeWorkload(root, `${mgr.name}-writers`, child.path, {
          sleepers: wo.count,
          writers: { bytesPerSecond: wo.bytesPerSecond, seconds: wo.seconds },
          logMaxBytes: wo.logMaxBytes,
        });
        mr.writers = await runWriters(mgr, w, log);
        if (!opts.keep) fs.rmSync(w.dir, { recursive: true, force: true });
      }
    }

    const nw = managers.find((m) => m.name === 'nodewarden');
    if (nw && !results.managers.find((m) => m.name === 'nodewarden')?.error) {
      log('\n== nodewarden only');
      if (runs('sampling')) {
        try {
          results.sampling = await runSampling(root, child.path, opts.samplingCounts, reaper, log);
        } catch (err) {
          results.samplingError = err instanceof Error ? err.message : String(err);
          log(`  sampling FAILED: ${results.samplingError}`);
        }
      }
      if (runs('status')) {
        const n = results.large > 0 ? results.large : Math.max(...opts.sizes);
        const w = makeWorkload(root, 'nodewarden-status', child.path, {
          sleepers: n,
          spew: { seconds: 120 },
        });
        results.status = await runStatusApi(nw, w, opts.quick ? 200 : opts.statusRequests, log);
      }
      if (runs('fleet'))
        results.targetFleet = await runTargetFleet({
          root,
          cli: NODEWARDEN_CLI,
          targets: 200,
          intervalMs: 2000,
          timeoutMs: 5000,
          seconds: opts.quick ? 30 : 120,
          log,
        });
      if (runs('page')) {
        const pw = makeWorkload(root, 'nodewarden-page', child.path, { sleepers: opts.pageNodes });
        results.page = await runPagePaint(nw, pw, opts.pageLoads, log);
      }
    }

    const done: BenchResults = { ...results, durationS: nsToMs(nowNs() - began) / 1000, loadAtEnd: load1() };
    log(`\n${renderText(buildRows(done), done.managers)}\n`);
    const busy = busyWarning(done.machine.cpus, done.machine.loadAtStart);
    if (busy) log(`WARNING: ${busy}\n`);
    for (const v of evaluateTargets(done)) log(`${v.verdict.padEnd(12)} ${v.target}: ${v.measured}`);
    fs.writeFileSync(opts.out, renderReport(done));
    log(`\nbench: wrote ${opts.out} (${Math.round(done.durationS!)} s)`);
  } finally {
    await cleanup();
    if (opts.keep) log(`bench: kept ${root}`);
  }
}

let opts: BenchOptions;
try {
  opts = parseOptions(process.argv.slice(2));
} catch (err) {
  console.error((err as Error).message);
  process.exit(2);
}
main(opts).then(
  () => process.exit(0),
  (err: unknown) => {
    console.error(`bench failed: ${err instanceof Error ? (err.stack ?? err.message) : String(err)}`);
    process.exit(1);
  },
);
