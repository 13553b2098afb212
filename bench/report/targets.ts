import type { ManagerName } from '../managers/types.js';
import type { BenchResults, ManagerResults } from '../results.js';
import type { CycleResult } from '../scenarios/cycle.js';

/** One target of the performance issue and how this run did against it. */
export interface Verdict {
  readonly target: string;
  readonly measured: string;
  readonly verdict: 'pass' | 'miss' | 'not measured';
}

/**
 * The targets, each against a fixed bound or a peer measured in the same run.
 * The 200-node targets use N = 200 when the run has it, else its largest N
 * (and say so); the 1,000-node ones use the large host's N.
 */
export function evaluateTargets(r: BenchResults): Verdict[] {
  const n = r.sizes.includes(200) ? 200 : Math.max(...r.sizes);
  const at = n === 200 ? '' : ` (measured at N=${n})`;
  const big = r.large;
  const atBig = big === 1000 || big === 0 ? '' : ` (measured at N=${big})`;
  const m = (name: ManagerName): ManagerResults | undefined =>
    r.managers.find((x) => x.name === name && !x.error);
  const nw = m('nodewarden');
  const sd = m('supervisord');
  const ru = m('runit');
  const out: Verdict[] = [];
  const push = (target: string, measured: string | null, ok: boolean | null): void => {
    out.push({
      target,
      measured: measured ?? '—',
      verdict: ok === null ? 'not measured' : ok ? 'pass' : 'miss',
    });
  };
  const ms = (v: number | undefined, d = 1): string => (v === undefined ? '—' : `${v.toFixed(d)} ms`);
  const pct = (v: number | undefined): string => (v === undefined ? '—' : `${v.toFixed(2)} %`);
  const x = (a: number, b: number | undefined): string =>
    b === undefined || b === 0 ? '' : `, ${(a / b).toFixed(2)}×`;

  // 1. Idle at 200, after both start paths.
  for (const [via, get] of [
    ['boot', (mr?: ManagerResults): CycleResult | undefined => mr?.cycles[n]],
    ['API start', (mr?: ManagerResults): CycleResult | undefined => mr?.api[n]],
  ] as const) {
    const idle = get(nw)?.idle;
    const peer = get(sd)?.idle;
    push(
      `idle at 200 after ${via}: RSS ≤ 60 MB and CPU ≤ supervisord's${at}`,
      idle
        ? `${idle.rssMb.toFixed(1)} MB, ${pct(idle.cpuPercent)} (supervisord ${pct(peer?.cpuPercent)})`
        : null,
      idle ? idle.rssMb <= 60 && (peer ? idle.cpuPercent <= peer.cpuPercent : false) : null,
    );
  }

  // 2. Logs, one writer flat out.
  {
    const l = nw?.logs;
    const peer = sd?.logs;
    const clean = l?.check
      ? l.lost === 0 && l.check.split === 0 && l.check.malformed === 0 && l.check.duplicated === 0
      : false;
    push(
      "logs MB/s ≥ 1.2 × supervisord's with 0 lost/split/duplicated",
      l?.landedMBps === undefined
        ? null
        : `${l.landedMBps.toFixed(1)} MB/s (supervisord ${peer?.landedMBps?.toFixed(1) ?? '—'}${x(l.landedMBps, peer?.landedMBps)}), ` +
            `lost ${l.lost}, split ${l.check!.split}, malformed ${l.check!.malformed}, duplicated ${l.check!.duplicated}`,
      l?.landedMBps === undefined || peer?.landedMBps === undefined
        ? null
        : clean && l.landedMBps >= 1.2 * peer.landedMBps,
    );
    const c = l?.cpuSecondsPerGB;
    const pc = peer?.cpuSecondsPerGB;
    push(
      "logs: manager CPU s per GB ≤ supervisord's",
      c === undefined ? null : `${c.toFixed(2)} s/GB (supervisord ${pc?.toFixed(2) ?? '—'} s/GB${x(c, pc)})`,
      c === undefined || pc === undefined ? null : c <= pc,
    );
  }
  // 2b. Many writers.
  {
    const w = nw?.writers;
    const pw = sd?.writers;
    const clean = w?.lost === 0 && w.split === 0 && w.malformed === 0 && w.duplicated === 0;
    push(
      "many writers: 0 lost/split/duplicated and manager CPU s per GB ≤ supervisord's",
      w?.cpuSecondsPerGB === undefined
        ? null
        : `${w.cpuSecondsPerGB.toFixed(2)} s/GB (supervisord ${pw?.cpuSecondsPerGB?.toFixed(2) ?? '—'}), ` +
            `lost ${w.lost}, split ${w.split}, malformed ${w.malformed}, duplicated ${w.duplicated}`,
      w?.cpuSecondsPerGB === undefined || pw?.cpuSecondsPerGB === undefined
        ? null
        : clean && w.cpuSecondsPerGB <= pw.cpuSecondsPerGB,
    );
  }

  // 3. Crash and start all against runit.
  {
    const p50 = nw?.cycles[n]?.crash?.p50;
    const peer = ru?.cycles[n]?.crash?.p50;
    push(
      `crash→replacement p50 ≤ 1.1 × runit's${at}`,
      p50 === undefined ? null : `${ms(p50, 2)} (runit ${ms(peer, 2)}${x(p50, peer)})`,
      p50 === undefined || peer === undefined ? null : p50 <= 1.1 * peer,
    );
  }
  {
    const s = nw?.api[n]?.startMs;
    const peer = ru?.api[n]?.startMs;
    push(
      `start all 200 through the API ≤ runit's${at}`,
      s === undefined ? null : `${ms(s)} (runit ${ms(peer)}${x(s, peer)})`,
      s === undefined || peer === undefined ? null : s <= peer,
    );
  }

  // 4. The large host.
  if (big > 0) {
    const boot = nw?.cycles[big];
    const api = nw?.api[big];
    for (const [via, c] of [
      ['boot', boot],
      ['API', api],
    ] as const) {
      push(
        `1,000 nodes: start all (${via}) ≤ 5 s${atBig}`,
        c?.startMs === undefined
          ? null
          : `${ms(c.startMs)} (runit ${ms((via === 'boot' ? ru?.cycles[big] : ru?.api[big])?.startMs)})`,
        c?.startMs === undefined ? null : c.startMs <= 5000,
      );
    }
    for (const [via, c] of [
      ['boot', boot],
      ['API start', api],
    ] as const) {
      push(
        `1,000 nodes: idle CPU ≤ 1 % and RSS ≤ 120 MB after ${via}${atBig}`,
        c?.idle ? `${pct(c.idle.cpuPercent)}, ${c.idle.rssMb.toFixed(1)} MB` : null,
        c?.idle ? c.idle.cpuPercent <= 1 && c.idle.rssMb <= 120 : null,
      );
    }
    const s = r.sampling?.find((v) => v.procs === big);
    push(
      `1,000 nodes: sampling tick p95 ≤ 30 ms${atBig}`,
      s ? `p50 ${ms(s.tick.p50)}, p95 ${ms(s.tick.p95)}, max ${ms(s.tick.max)}` : null,
      s ? s.tick.p95 <= 30 : null,
    );
    const st = r.status;
    const p99 = st?.latency?.p99;
    push(
      `1,000 nodes: status p99 ≤ 20 ms while one node logs flat out${atBig}`,
      p99 === undefined
        ? (st?.na ?? null)
        : `p50 ${ms(st!.latency!.p50, 2)}, p99 ${ms(p99, 2)} (${st!.underLoad} of ${st!.latency!.n} requests under load)`,
      p99 === undefined ? null : p99 <= 20,
    );
    const ev = [boot, api].filter((c): c is CycleResult => c?.startMs !== undefined);
    push(
      `1,000 nodes: no event lost (\`started\` events in the store = N after start all)${atBig}`,
      ev.length === 0
        ? null
        : ev
            .map(
              (c) =>
                `${c.path}: ${c.startedEvents ?? '—'} of ${c.n}` +
                (c.startedEventsAfterIdle !== undefined
                  ? ` (${c.startedEventsAfterIdle} after the idle window)`
                  : ''),
            )
            .join(', '),
      ev.length === 0 ? null : ev.every((c) => c.startedEvents === c.n),
    );
  }
  return out;
}
