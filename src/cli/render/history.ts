import type {
  HistoryField,
  HistoryResponse,
  SeriesPoint,
  Timeline,
  UptimeRow,
} from '../../protocol/types.js';
import { formatBytes, formatDuration, formatPercent, formatTime, NONE } from './format.js';

/** Columns of a sparkline row. */
export const SPARK_WIDTH = 60;

const BLOCKS = '▁▂▃▄▅▆▇█';

/** One character per state in the timeline row; time with nothing recorded is blank. */
export const STATE_CHARS: Readonly<Record<string, string>> = {
  running: '█',
  starting: '▓',
  stopping: '▓',
  backoff: '▒',
  exited: '▒',
  fatal: 'X',
  paused: '░',
  stopped: '_',
};

const LABELS: Readonly<Record<HistoryField, string>> = {
  height: 'height',
  reference: 'reference',
  lag: 'lag',
  cpu: 'cpu',
  rss: 'memory',
};

/**
 * Sparkline of `points` over [since, until] in `width` columns: each column
 * shows the highest point that falls in it, scaled from the series' lowest
 * (▁) to its highest (█); a column without a point is blank (nothing
 * recorded: the node was down or the manager away).
 */
export function sparkline(
  points: readonly SeriesPoint[],
  sinceMs: number,
  untilMs: number,
  width = SPARK_WIDTH,
): string {
  const cols: Array<number | null> = new Array<number | null>(width).fill(null);
  const span = Math.max(1, untilMs - sinceMs);
  for (const [ts, v] of points) {
    const c = Math.min(width - 1, Math.max(0, Math.floor(((ts - sinceMs) / span) * width)));
    cols[c] = cols[c] === null ? v : Math.max(cols[c]!, v);
  }
  const values = points.map((p) => p[1]);
  const lo = Math.min(...values);
  const hi = Math.max(...values);
  return cols
    .map((v) => {
      if (v === null) return ' ';
      if (hi === lo) return BLOCKS[0]!;
      return BLOCKS[Math.min(BLOCKS.length - 1, Math.floor(((v - lo) / (hi - lo)) * BLOCKS.length))]!;
    })
    .join('');
}

/** The state row: each column the state at its middle. */
export function timelineRow(t: Timeline, sinceMs: number, untilMs: number, width = SPARK_WIDTH): string {
  const span = Math.max(1, untilMs - sinceMs);
  let out = '';
  let i = 0;
  for (let c = 0; c < width; c++) {
    const at = sinceMs + ((c + 0.5) / width) * span;
    while (i < t.segments.length && t.segments[i]![1] <= at) i++;
    const seg = t.segments[i];
    out += seg && seg[0] <= at ? (STATE_CHARS[seg[2]] ?? '?') : ' ';
  }
  return out;
}

/** The restarts row: `|` in each column with a crash or restart, `2`…`9`/`+` where several fall. */
export function ticksRow(t: Timeline, sinceMs: number, untilMs: number, width = SPARK_WIDTH): string {
  const counts = new Array<number>(width).fill(0);
  const span = Math.max(1, untilMs - sinceMs);
  for (const [ts, n] of t.restarts) {
    const c = Math.min(width - 1, Math.max(0, Math.floor(((ts - sinceMs) / span) * width)));
    counts[c] = counts[c]! + n;
  }
  return counts.map((n) => (n === 0 ? ' ' : n === 1 ? '|' : n < 10 ? String(n) : '+')).join('');
}

function figure(field: HistoryField, v: number | undefined): string {
  if (v === undefined) return NONE;
  if (field === 'cpu') return formatPercent(v);
  if (field === 'rss') return formatBytes(v);
  return v.toLocaleString('en-US');
}

/**
 * `status <node> --history`: a heading, one sparkline row per series with its
 * last value and range, then the state timeline and restart ticks of the
 * timeline window with the uptime.
 */
export function renderHistory(
  h: HistoryResponse,
  up: UptimeRow | undefined,
  timelineSinceMs: number,
  timelineUntilMs: number,
): string[] {
  const young = h.fromMs > h.sinceMs ? `, recorded from ${formatTime(h.fromMs)} on` : '';
  const lines = [
    `${h.node}: last ${formatDuration((h.untilMs - h.sinceMs) / 1000)} (${h.source === 'raw' ? 'samples' : 'per-minute figures'}, one point per ${h.step < 1000 ? `${h.step}ms` : formatDuration(h.step / 1000)} at most${young})`,
  ];
  for (const [field, points] of Object.entries(h.series) as Array<[HistoryField, SeriesPoint[]]>) {
    const label = LABELS[field].padEnd(9);
    if (points.length === 0) {
      lines.push(`  ${label} ${' '.repeat(SPARK_WIDTH)}  no data`);
      continue;
    }
    const values = points.map((p) => p[1]);
    const range = `min ${figure(field, Math.min(...values))}, max ${figure(field, Math.max(...values))}`;
    lines.push(
      `  ${label} ${sparkline(points, h.fromMs, h.untilMs)}  ${figure(field, values.at(-1))} (${range})`,
    );
  }
  if (up?.timeline) {
    // from the node's first recorded state on: a young node fills the row
    const first = up.timeline.segments[0]?.[0] ?? timelineSinceMs;
    const from = Math.max(timelineSinceMs, Math.min(first, timelineUntilMs - 1000));
    const window = formatDuration((timelineUntilMs - from) / 1000);
    const restarts = up.timeline.restarts.reduce((a, r) => a + r[1], 0);
    const last = up.timeline.segments.at(-1)?.[2] ?? NONE;
    lines.push(
      `  ${'state'.padEnd(9)} ${timelineRow(up.timeline, from, timelineUntilMs)}  ${last}, ${formatPercent(up.uptimePercent, 2)} up over ${window}`,
      `  ${'restarts'.padEnd(9)} ${ticksRow(up.timeline, from, timelineUntilMs)}  ${restarts}`,
      `  ${''.padEnd(9)} ${legend()}`,
    );
  }
  return lines;
}

/** `█ running  ▓ starting/stopping  …`: each character once, with the states it stands for. */
function legend(): string {
  const by = new Map<string, string[]>();
  for (const [state, c] of Object.entries(STATE_CHARS)) by.set(c, [...(by.get(c) ?? []), state]);
  return [...by].map(([c, states]) => `${c} ${states.join('/')}`).join('  ');
}
