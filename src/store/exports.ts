import { toCsv, toJson, type Column } from './csv.js';
import type {
  EventQuery,
  MinuteSample,
  RankRow,
  RawSample,
  SampleQuery,
  StoredEvent,
  StoreReader,
  UptimeQuery,
  UptimeRow,
} from './types.js';

/**
 * `nodewarden export`: events, uptime and samples as CSV (RFC 4180, header
 * row, CRLF) or JSON (an array of objects with the same names as the CSV
 * header). Times are given twice: `time` (ISO 8601, UTC) for people and
 * spreadsheets, `ts` (epoch milliseconds) for programs. Empty CSV field =
 * null. The columns are documented in src/store/EXPORTS.md; renaming one
 * breaks the tools that read them.
 *
 * - events: `id, time, ts, node, type, severity, reason, details`
 *   (`details` is a JSON object; JSON text in CSV). Oldest first.
 * - uptime: `node, uptimePercent, upSeconds, observedSeconds, from, to,
 *   rank, kind, intervals, medianLatencyMs, probeSamples, failedProbes,
 *   latencySource` (`uptimePercent` empty/null when nothing was observed;
 *   the ranking columns are `uptime --rank`'s). Worst first.
 * - samples, raw: `node, time, ts, cpuPercent, rssBytes, height, lag, health`.
 * - samples, minute: `node, time, ts, samples, cpuAvg, cpuMax, rssMax, height, lagMax, health`
 *   (`ts` is the minute's start). Oldest first.
 */
export type ExportFormat = 'csv' | 'json';

const iso = (ms: number): string => new Date(ms).toISOString();

/** Columns of the events export. */
export const EVENT_COLUMNS: readonly Column<StoredEvent>[] = [
  { name: 'id', get: (e) => e.id },
  { name: 'time', get: (e) => iso(e.ts) },
  { name: 'ts', get: (e) => e.ts },
  { name: 'node', get: (e) => e.node },
  { name: 'type', get: (e) => e.type },
  { name: 'severity', get: (e) => e.severity },
  { name: 'reason', get: (e) => e.reason },
  { name: 'details', get: (e) => e.details },
];

/** A row of the uptime export: the name's uptime and, when it has one, its place in the ranking. */
export type UptimeExportRow = UptimeRow & { readonly ranked: RankRow | null };

/** Columns of the uptime export. */
export const UPTIME_COLUMNS: readonly Column<UptimeExportRow>[] = [
  { name: 'node', get: (u) => u.node },
  { name: 'uptimePercent', get: (u) => (u.uptimePercent === null ? null : round(u.uptimePercent, 3)) },
  { name: 'upSeconds', get: (u) => round(u.upSeconds, 3) },
  { name: 'observedSeconds', get: (u) => round(u.observedSeconds, 3) },
  { name: 'from', get: (u) => iso(u.fromMs) },
  { name: 'to', get: (u) => iso(u.toMs) },
  { name: 'rank', get: (u) => u.ranked?.rank ?? null },
  { name: 'kind', get: (u) => u.ranked?.kind ?? null },
  { name: 'intervals', get: (u) => u.ranked?.intervals ?? 0 },
  {
    name: 'medianLatencyMs',
    get: (u) => (u.ranked?.medianLatencyMs == null ? null : round(u.ranked.medianLatencyMs, 3)),
  },
  { name: 'probeSamples', get: (u) => u.ranked?.probeSamples ?? 0 },
  { name: 'failedProbes', get: (u) => u.ranked?.failedProbes ?? 0 },
  { name: 'latencySource', get: (u) => u.ranked?.latencySource ?? null },
];

/** Columns of the raw samples export. */
export const RAW_SAMPLE_COLUMNS: readonly Column<RawSample>[] = [
  { name: 'node', get: (s) => s.node },
  { name: 'time', get: (s) => iso(s.ts) },
  { name: 'ts', get: (s) => s.ts },
  { name: 'cpuPercent', get: (s) => s.cpuPercent },
  { name: 'rssBytes', get: (s) => s.rssBytes },
  { name: 'height', get: (s) => s.height },
  { name: 'lag', get: (s) => s.lag },
  { name: 'health', get: (s) => s.health },
];

/** Columns of the per-minute samples export. */
export const MINUTE_SAMPLE_COLUMNS: readonly Column<MinuteSample>[] = [
  { name: 'node', get: (s) => s.node },
  { name: 'time', get: (s) => iso(s.ts) },
  { name: 'ts', get: (s) => s.ts },
  { name: 'samples', get: (s) => s.samples },
  { name: 'cpuAvg', get: (s) => s.cpuAvg },
  { name: 'cpuMax', get: (s) => s.cpuMax },
  { name: 'rssMax', get: (s) => s.rssMax },
  { name: 'height', get: (s) => s.height },
  { name: 'lagMax', get: (s) => s.lagMax },
  { name: 'health', get: (s) => s.health },
];

/** Events matching `q` (all of them unless `q.limit`), oldest first. */
export function exportEvents(store: StoreReader, q: EventQuery, format: ExportFormat): string {
  const rows = store.queryEvents({ order: 'asc', ...q, limit: q.limit ?? Number.MAX_SAFE_INTEGER });
  return render(EVENT_COLUMNS, rows, format);
}

/**
 * Per-node uptime over the window, worst first, with each name's place in
 * the ranking of every node and target over the same window (`rank` is its
 * position in the whole fleet, also when `q.nodes` narrows the rows).
 */
export function exportUptime(store: StoreReader, q: UptimeQuery, format: ExportFormat): string {
  const rows = store.uptime(q);
  const window = { sinceMs: q.sinceMs, ...(q.untilMs !== undefined ? { untilMs: q.untilMs } : {}) };
  const ranked = new Map(store.rank(window).map((r) => [r.name, r]));
  return render(
    UPTIME_COLUMNS,
    rows.map((u) => ({ ...u, ranked: ranked.get(u.node) ?? null })),
    format,
  );
}

/** Samples at the asked resolution, oldest first. */
export function exportSamples(store: StoreReader, q: SampleQuery, format: ExportFormat): string {
  return q.resolution === 'raw'
    ? render(RAW_SAMPLE_COLUMNS, store.querySamples(q) as RawSample[], format)
    : render(MINUTE_SAMPLE_COLUMNS, store.querySamples(q) as MinuteSample[], format);
}

function render<R>(columns: readonly Column<R>[], rows: readonly R[], format: ExportFormat): string {
  return format === 'csv' ? toCsv(columns, rows) : toJson(columns, rows);
}

function round(v: number, digits: number): number {
  const f = 10 ** digits;
  return Math.round(v * f) / f;
}
