import type { ManagerName } from '../managers/types.js';
import type { BenchResults, ManagerResults } from '../results.js';

/** One target of the "Benchmark" issue and how this run did against it. */
export interface Verdict {
  readonly target: string;
  readonly measured: string;
  readonly verdict: 'pass' | 'miss' | 'not measured';
}

/**
 * The issue's targets. They are stated at N = 200; a quick run (N = 50 only)
 * evaluates them at the largest N it has and says so.
 */
export function evaluateTargets(r: BenchResults): Verdict[] {
  const n = Math.max(...r.sizes);
  const at = n === 200 ? '' : ` (measured at N=${n})`;
  const m = (name: ManagerName): ManagerResults | undefined => r.managers.find((x) => x.name === name && !x.error);
  const nw = m('nodewarden');
  const pm2 = m('pm2');
  const sd = m('supervisord');
  const out: Verdict[] = [];
  const push = (target: string, measured: string | null, ok: boolean | null): void => {
    out.push({ target, measured: measured ?? '—', verdict: ok === null ? 'not measured' : ok ? 'pass' : 'miss' });
  };
  const ms = (v: number | undefined, d = 1): string => (v === undefined ? '—' : `${v.toFixed(d)} ms`);

  const c = nw?.cycles[n];
  const pc = pm2?.cycles[n];
  {
    const p50 = c?.crash?.p50;
    const peer = pc?.crash?.p50;
    push(
      `crash→replacement p50 ≤ 5 ms and below PM2's${at}`,
      p50 === undefined ? null : `${ms(p50, 2)} (PM2 ${ms(peer, 2)})`,
      p50 === undefined ? null : p50 <= 5 && (peer === undefined ? true : p50 < peer),
    );
  }
  push(`start all 200 ≤ 1 s${at}`, c?.startMs === undefined ? null : ms(c.startMs), c?.startMs === undefined ? null : c.startMs <= 1000);
  push(`stop all 200 ≤ 0.3 s${at}`, c?.stopMs === undefined ? null : ms(c.stopMs), c?.stopMs === undefined ? null : c.stopMs <= 300);
  {
    const idle = c?.idle;
    const peer = pc?.idle;
    push(
      `idle at 200: RSS ≤ 80 MB and CPU ≤ PM2's${at}`,
      idle ? `${idle.rssMb.toFixed(1)} MB, ${idle.cpuPercent.toFixed(2)} % (PM2 ${peer ? `${peer.cpuPercent.toFixed(2)} %` : '—'})` : null,
      idle ? idle.rssMb <= 80 && (peer ? idle.cpuPercent <= peer.cpuPercent : true) : null,
    );
  }
  {
    const l = nw?.logs;
    const peer = sd?.logs;
    const clean = l?.check ? l.lost === 0 && l.check.split === 0 && l.check.malformed === 0 && l.check.duplicated === 0 : false;
    push(
      "logs MB/s ≥ supervisord's with 0 lost/split/duplicated",
      l?.landedMBps === undefined
        ? null
        : `${l.landedMBps.toFixed(1)} MB/s (supervisord ${peer?.landedMBps?.toFixed(1) ?? '—'}), ` +
            `lost ${l.lost}, split ${l.check!.split}, malformed ${l.check!.malformed}, duplicated ${l.check!.duplicated}`,
      l?.landedMBps === undefined ? null : clean && (peer?.landedMBps === undefined || l.landedMBps >= peer.landedMBps),
    );
  }
  {
    const s = r.sampling?.find((x) => x.procs === 500);
    push(
      'sampling tick at 500 < 100 ms (judged on p95)',
      s ? `p50 ${ms(s.tick.p50)}, p95 ${ms(s.tick.p95)}, max ${ms(s.tick.max)}` : null,
      s ? s.tick.p95 < 100 : null,
    );
  }
  {
    const s = r.status;
    const p99 = s?.latency?.p99;
    push(
      'status p99 < 50 ms under log load',
      p99 === undefined ? (s?.na ?? null) : `${ms(p99, 2)} (${s!.underLoad} of ${s!.latency!.n} requests under load)`,
      p99 === undefined ? null : p99 < 50,
    );
  }
  return out;
}
