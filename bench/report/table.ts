import type { ManagerName } from '../managers/types.js';
import type { BenchResults, ManagerResults } from '../results.js';
import type { CycleResult } from '../scenarios/cycle.js';

/** One line of the comparison table: a metric, its value per manager, and nodewarden / peer. */
export interface Row {
  readonly scenario: string;
  readonly values: Partial<Record<ManagerName, string>>;
  /** nodewarden / peer, where both are numbers. */
  readonly ratios: Partial<Record<Peer, string>>;
}

type Peer = 'runit' | 'supervisord' | 'pm2';
export const PEERS: readonly Peer[] = ['runit', 'supervisord', 'pm2'];

export function fmt(v: number | undefined, digits = 1): string | undefined {
  if (v === undefined || !Number.isFinite(v)) return undefined;
  return v.toFixed(digits);
}

function ratio(a: number | undefined, b: number | undefined): string | undefined {
  if (a === undefined || b === undefined || !Number.isFinite(a) || !Number.isFinite(b)) return undefined;
  if (b === 0) return a === 0 ? '1.0' : '∞';
  const r = a / b;
  // Two significant digits: 0.0048 stays readable instead of rounding to 0.00.
  return r >= 10 ? r.toFixed(0) : r.toPrecision(2);
}

/** Builds the table rows: one per metric and N, then the log rows, then nodewarden-only rows. */
export function buildRows(r: BenchResults): Row[] {
  const rows: Row[] = [];
  const numeric = (scenario: string, get: (m: ManagerResults) => number | undefined, digits = 1): void => {
    const values: Partial<Record<ManagerName, string>> = {};
    const nums: Partial<Record<ManagerName, number>> = {};
    for (const m of r.managers) {
      const v = m.error ? undefined : get(m);
      nums[m.name] = v;
      values[m.name] = m.error ? 'failed' : (fmt(v, digits) ?? '—');
    }
    const nw = nums.nodewarden;
    const ratios: Partial<Record<Peer, string>> = {};
    for (const p of PEERS) {
      const v = ratio(nw, nums[p]);
      if (v !== undefined) ratios[p] = v;
    }
    rows.push({ scenario, values, ratios });
  };
  const text = (scenario: string, get: (m: ManagerResults) => string | undefined): void => {
    const values: Partial<Record<ManagerName, string>> = {};
    for (const m of r.managers) values[m.name] = m.error ? 'failed' : (get(m) ?? '—');
    rows.push({ scenario, values, ratios: {} });
  };
  const sizes = [...r.sizes, ...(r.large > 0 && !r.sizes.includes(r.large) ? [r.large] : [])];
  for (const n of sizes) {
    const boot = (m: ManagerResults): CycleResult | undefined => m.cycles[n];
    const api = (m: ManagerResults): CycleResult | undefined => m.api[n];
    numeric(`1. start all (boot), N=${n} (ms)`, (m) => boot(m)?.startMs);
    numeric(`1. … launch → manager ready (manager_started), N=${n} (ms)`, (m) => boot(m)?.bootMs, 0);
    numeric(`1. … first → last child exec (boot), N=${n} (ms)`, (m) => boot(m)?.spreadMs);
    numeric(`1. start all (API), N=${n} (ms)`, (m) => api(m)?.startMs);
    numeric(`1. … first → last child exec (API), N=${n} (ms)`, (m) => api(m)?.spreadMs);
    numeric(`1. stop all (boot run), N=${n} (ms)`, (m) => boot(m)?.stopMs);
    numeric(`2. idle RSS after boot, N=${n} (MB)`, (m) => boot(m)?.idle?.rssMb);
    numeric(`2. idle CPU after boot, N=${n} (% of a core)`, (m) => boot(m)?.idle?.cpuPercent, 2);
    numeric(`2. idle RSS after API start, N=${n} (MB)`, (m) => api(m)?.idle?.rssMb);
    numeric(`2. idle CPU after API start, N=${n} (% of a core)`, (m) => api(m)?.idle?.cpuPercent, 2);
    if (r.managers.some((m) => boot(m)?.crash)) {
      numeric(`3. crash→replacement p50, N=${n} (ms)`, (m) => boot(m)?.crash?.p50, 2);
      numeric(`3. crash→replacement p95, N=${n} (ms)`, (m) => boot(m)?.crash?.p95, 2);
      numeric(`3. crash→replacement max, N=${n} (ms)`, (m) => boot(m)?.crash?.max, 2);
    }
    if (r.managers.some((m) => boot(m)?.startedEvents !== undefined || api(m)?.startedEvents !== undefined)) {
      text(`1. started events in the store after start all, N=${n} (boot / API)`, (m) =>
        boot(m)?.startedEvents === undefined && api(m)?.startedEvents === undefined
          ? undefined
          : `${boot(m)?.startedEvents ?? '—'} / ${api(m)?.startedEvents ?? '—'}`,
      );
    }
  }
  const rounds = Math.max(0, ...r.managers.map((m) => m.logs?.rounds.length ?? 0));
  if (rounds > 0) {
    numeric(
      `4. logs landed (MB/s${rounds > 1 ? `, median of ${rounds} rounds` : ''})`,
      (m) => m.logs?.landedMBps,
    );
    numeric('4. logs: manager CPU per GB landed (s)', (m) => m.logs?.cpuSecondsPerGB, 2);
    text(
      `4. logs lost / split / malformed / duplicated (lines${rounds > 1 ? `, all ${rounds} rounds` : ''})`,
      (m) => {
        const c = m.logs?.check;
        return c ? `${m.logs!.lost} / ${c.split} / ${c.malformed} / ${c.duplicated}` : undefined;
      },
    );
  }
  const wr = r.managers.find((m) => m.writers)?.writers;
  if (wr) {
    const head = `4w. ${wr.writers} writers × ${wr.bytesPerSecond / 1000} KB/s for ${wr.seconds} s`;
    numeric(`${head}: manager CPU (s)`, (m) => m.writers?.cpuSeconds, 2);
    numeric(`${head}: manager CPU per GB (s)`, (m) => m.writers?.cpuSecondsPerGB, 2);
    text(`${head}: lost / split / malformed / duplicated (lines)`, (m) =>
      m.writersNa
        ? '—'
        : m.writers?.lost === undefined
          ? undefined
          : `${m.writers.lost} / ${m.writers.split} / ${m.writers.malformed} / ${m.writers.duplicated}`,
    );
  }

  const nwOnly = (scenario: string, v: string): void => {
    rows.push({ scenario, values: { nodewarden: v }, ratios: {} });
  };
  if (r.sampling) {
    for (const s of r.sampling) {
      nwOnly(
        `5a. sampling tick, ${s.procs} processes (ms, p50 / p95 / max)`,
        `${s.tick.p50.toFixed(1)} / ${s.tick.p95.toFixed(1)} / ${s.tick.max.toFixed(1)}`,
      );
    }
  } else if (r.samplingError) nwOnly('5a. sampling tick (ms)', 'failed');
  if (r.status) {
    const s = r.status;
    nwOnly(
      `5b. status API p50 / p99, ${s.nodes ?? '?'} nodes, one logging flat out (ms)`,
      s.na ?? (s.latency ? `${s.latency.p50.toFixed(2)} / ${s.latency.p99.toFixed(2)}` : 'failed'),
    );
  }
  if (r.page) {
    const p = r.page;
    nwOnly(
      `5c. status page, ${p.nodes ?? '?'} nodes: first paint / table filled / charts on screen (ms, p50)`,
      p.na ??
        (p.firstPaint && p.tableFilled && p.chartsOnScreen
          ? `${p.firstPaint.p50.toFixed(0)} / ${p.tableFilled.p50.toFixed(0)} / ${p.chartsOnScreen.p50.toFixed(0)}`
          : 'failed'),
    );
  }
  return rows;
}

/** The rows as aligned plain text (console). */
export function renderText(rows: readonly Row[], managers: readonly ManagerResults[]): string {
  const head = ['scenario', ...managers.map((m) => m.label), ...ratioHeads(managers)];
  const body = rows.map((row) => [
    row.scenario,
    ...managers.map((m) => row.values[m.name] ?? ''),
    ...ratioCells(row, managers),
  ]);
  const widths = head.map((h, i) => Math.max(h.length, ...body.map((b) => b[i]!.length)));
  const line = (cells: string[]): string =>
    cells.map((c, i) => (i === 0 ? c.padEnd(widths[i]!) : c.padStart(widths[i]!))).join('  ');
  return [line(head), widths.map((w) => '-'.repeat(w)).join('  '), ...body.map(line)].join('\n');
}

/** The rows as a Markdown table. */
export function renderMarkdown(rows: readonly Row[], managers: readonly ManagerResults[]): string {
  const head = ['scenario', ...managers.map((m) => m.label), ...ratioHeads(managers)];
  const out = [`| ${head.join(' | ')} |`, `|${head.map((_, i) => (i === 0 ? '---' : '---:')).join('|')}|`];
  for (const row of rows) {
    out.push(
      `| ${[row.scenario, ...managers.map((m) => row.values[m.name] ?? ''), ...ratioCells(row, managers)].join(' | ')} |`,
    );
  }
  return out.join('\n');
}

function peersIn(managers: readonly ManagerResults[]): ManagerResults[] {
  return managers.some((m) => m.name === 'nodewarden')
    ? managers.filter((m) => (PEERS as readonly string[]).includes(m.name))
    : [];
}

function ratioHeads(managers: readonly ManagerResults[]): string[] {
  return peersIn(managers).map((m) => `nw/${m.label}`);
}

function ratioCells(row: Row, managers: readonly ManagerResults[]): string[] {
  return peersIn(managers).map((m) => row.ratios[m.name as Peer] ?? '');
}
