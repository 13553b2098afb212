import type Database from 'better-sqlite3';
import type { HistoryField, HistoryResponse, SeriesPoint, StateCounts, Timeline } from '../protocol/types.js';
import { bucketStep, downsample, type Keep, type Point } from './downsample.js';

const SECOND = 1000;
const MINUTE = 60_000;

/** Windows up to this long are drawn from raw samples; longer ones from the per-minute aggregates. */
export const RAW_WINDOW_MS = 6 * 3_600_000;
/** Raw samples are kept one day: a window reaching further back reads the per-minute aggregates. */
const RAW_KEPT_MS = 86_400_000;

/** What a bucket keeps of each series: heights their latest value, the rest their peak. */
const KEEP: Readonly<Record<HistoryField, Keep>> = {
  height: 'last',
  reference: 'last',
  lag: 'max',
  cpu: 'max',
  rss: 'max',
};

/** One node's history request, already validated. */
export interface HistoryQuery {
  node: string;
  sinceMs: number;
  untilMs: number;
  fields: readonly HistoryField[];
  /** Most points per series. */
  points: number;
}

/** Which table a window reads, given the time it is asked at. */
export function historySource(sinceMs: number, untilMs: number, now: number): 'raw' | 'minute' {
  return untilMs - sinceMs <= RAW_WINDOW_MS && sinceMs >= now - RAW_KEPT_MS ? 'raw' : 'minute';
}

interface Row {
  ts: number;
  cpu: number | null;
  rss: number | null;
  height: number | null;
  lag: number | null;
}

/**
 * A node's series over [since, until], at most `points` per series. Raw
 * windows keep real samples; long windows read the per-minute rows (CPU and
 * memory are the minute's maxima, height its last value, lag its maximum).
 * `reference` is height + lag: the group's reference while the node is
 * behind, its own height when it is level or ahead (lag is never negative).
 */
export function selectHistory(db: Database.Database, q: HistoryQuery, now: number): HistoryResponse {
  const source = historySource(q.sinceMs, q.untilMs, now);
  const sql =
    source === 'raw'
      ? `SELECT ts, cpu, rss, height, lag FROM samples_raw
         WHERE node = @node AND ts >= @since AND ts <= @until ORDER BY ts`
      : `SELECT minute_ts AS ts, cpu_max AS cpu, rss_max AS rss, height_last AS height, lag_max AS lag
         FROM samples_minute WHERE node = @node AND minute_ts >= @since AND minute_ts <= @until ORDER BY minute_ts`;
  const rows = db.prepare(sql).all({ node: q.node, since: q.sinceMs, until: q.untilMs }) as Row[];
  // Buckets cover what was recorded: a node younger than the window gets its full resolution.
  const older = db
    .prepare(
      `SELECT 1 FROM ${source === 'raw' ? 'samples_raw WHERE node = ? AND ts < ?' : 'samples_minute WHERE node = ? AND minute_ts < ?'} LIMIT 1`,
    )
    .get(q.node, q.sinceMs);
  const fromMs = rows.length > 0 && older === undefined ? Math.min(q.untilMs, rows[0]!.ts) : q.sinceMs;
  const step = bucketStep(fromMs, q.untilMs, q.points, source === 'raw' ? SECOND : MINUTE);
  const series: HistoryResponse['series'] = {};
  for (const field of q.fields) {
    const points: Point[] = [];
    for (const r of rows) {
      const v = valueOf(r, field);
      if (v !== null) points.push([r.ts, v]);
    }
    series[field] = downsample(points, fromMs, q.untilMs, step, KEEP[field]) as SeriesPoint[];
  }
  return { node: q.node, sinceMs: q.sinceMs, untilMs: q.untilMs, fromMs, step, source, series };
}

function valueOf(r: Row, field: HistoryField): number | null {
  switch (field) {
    case 'height':
      return r.height;
    case 'reference':
      return r.height === null || r.lag === null ? null : r.height + r.lag;
    case 'lag':
      return r.lag;
    case 'cpu':
      return r.cpu;
    case 'rss':
      return r.rss;
  }
}

/** Timelines of the nodes of an uptime answer, and the fleet's state counts. */
export interface TimelineQuery {
  sinceMs: number;
  untilMs: number;
  nodes: readonly string[];
  /** Most segments and restart ticks per node, and most points of the state counts. */
  points: number;
}

/**
 * Each node's state timeline over [since, min(until, now)] from the state
 * intervals, and how many nodes were in each state over time. More than
 * `points` segments are folded into buckets (each the state that filled most
 * of it); more than `points` ticks are counted per bucket.
 */
export function selectTimelines(
  db: Database.Database,
  q: TimelineQuery,
  now: number,
): { timelines: Map<string, Timeline>; states: StateCounts } {
  const until = Math.min(q.untilMs, now);
  const nodes = JSON.stringify(q.nodes);
  const intervals = db
    .prepare(
      `SELECT node, state, start_ts AS start, end_ts AS end FROM state_intervals
       WHERE start_ts < @until AND (end_ts IS NULL OR end_ts > @since)
         AND node IN (SELECT value FROM json_each(@nodes))
       ORDER BY node, start_ts, id`,
    )
    .all({ since: q.sinceMs, until, nodes }) as Array<{
    node: string;
    state: string;
    start: number;
    end: number | null;
  }>;
  // A restart is a start that follows a run, a crash or a backoff (not one after a stop; a start
  // is recorded twice, before and after its spawn).
  const ticks = db
    .prepare(
      `SELECT node, ts FROM (
         SELECT node, state, start_ts AS ts, lag(state) OVER (PARTITION BY node ORDER BY start_ts, id) AS prev
         FROM state_intervals WHERE node IN (SELECT value FROM json_each(@nodes)))
       WHERE state = 'starting' AND prev IS NOT NULL AND prev NOT IN ('stopped', 'starting') AND ts >= @since AND ts <= @until
       ORDER BY node, ts`,
    )
    .all({ since: q.sinceMs, until, nodes }) as Array<{ node: string; ts: number }>;

  const full = new Map<string, Array<[number, number, string]>>(q.nodes.map((n) => [n, []]));
  for (const iv of intervals) {
    const s = Math.max(q.sinceMs, iv.start);
    const e = Math.min(until, iv.end ?? now);
    if (e <= s) continue;
    const list = full.get(iv.node)!;
    const prev = list[list.length - 1];
    if (prev && prev[2] === iv.state && s <= prev[1]) prev[1] = Math.max(prev[1], e);
    else if (prev && s < prev[1]) {
      // overlapping rows (a manager that was killed): the later one wins from its start
      prev[1] = s;
      list.push([s, e, iv.state]);
    } else list.push([s, e, iv.state]);
  }
  const step = bucketStep(q.sinceMs, until, q.points, SECOND);
  const timelines = new Map<string, Timeline>();
  for (const [node, segments] of full) {
    const nodeTicks = ticks.filter((t) => t.node === node).map((t) => t.ts);
    timelines.set(node, {
      segments:
        segments.length > q.points ? foldSegments(segments, q.sinceMs, step) : segments.map((x) => [...x]),
      restarts: foldTicks(nodeTicks, q.sinceMs, step, q.points),
    });
  }
  return { timelines, states: countStates(full, q.sinceMs, until, step) };
}

function foldTicks(
  ts: readonly number[],
  since: number,
  step: number,
  points: number,
): Array<[number, number]> {
  if (ts.length <= points) return ts.map((t) => [t, 1]);
  const out: Array<[number, number]> = [];
  let bucket = -1;
  for (const t of ts) {
    const b = Math.floor((t - since) / step);
    if (b === bucket) out[out.length - 1]![1]++;
    else {
      out.push([t, 1]);
      bucket = b;
    }
  }
  return out;
}

// Each bucket becomes the state that filled most of it; equal neighbours merge.
function foldSegments(
  segments: ReadonlyArray<[number, number, string]>,
  since: number,
  step: number,
): Array<[number, number, string]> {
  const out: Array<[number, number, string]> = [];
  const end = segments[segments.length - 1]![1];
  let i = 0;
  for (let b0 = since; b0 < end; b0 += step) {
    const b1 = Math.min(end, b0 + step);
    const filled = new Map<string, number>();
    while (i < segments.length && segments[i]![1] <= b0) i++;
    for (let j = i; j < segments.length && segments[j]![0] < b1; j++) {
      const [s, e, state] = segments[j]!;
      filled.set(state, (filled.get(state) ?? 0) + Math.min(e, b1) - Math.max(s, b0));
    }
    let best: string | null = null;
    for (const [state, ms] of filled) if (best === null || ms > filled.get(best)!) best = state;
    if (best === null) continue;
    const prev = out[out.length - 1];
    if (prev && prev[2] === best && prev[1] === b0) prev[1] = b1;
    else out.push([b0, b1, best]);
  }
  return out;
}

// The state of every node at the end of each bucket.
function countStates(
  full: ReadonlyMap<string, ReadonlyArray<[number, number, string]>>,
  since: number,
  until: number,
  step: number,
): StateCounts {
  const ts: number[] = [];
  for (let t = since + step; t < until + step; t += step) ts.push(Math.min(t, until));
  const counts: Record<string, number[]> = {};
  for (const segments of full.values()) {
    let i = 0;
    ts.forEach((t, k) => {
      while (i < segments.length && segments[i]![1] < t) i++;
      const seg = segments[i];
      if (!seg || seg[0] > t) return;
      const row = (counts[seg[2]] ??= new Array<number>(ts.length).fill(0));
      row[k] = row[k]! + 1;
    });
  }
  return { step, ts, counts };
}
