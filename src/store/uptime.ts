import type Database from 'better-sqlite3';
import type { UptimeQuery, UptimeRow } from './types.js';

/** One stored state interval, as uptime needs it (`end` null while open). */
export interface Interval {
  readonly node: string;
  readonly state: string;
  readonly start: number;
  readonly end: number | null;
}

/**
 * Per-node uptime over [since, until] from state intervals (pure).
 * A node's window starts when it was first seen (no penalty for the time
 * before it existed) and ends at min(until, now) (the future is not counted).
 * Up = union of its `running` (a target's `up`) intervals inside the window, so overlapping
 * rows cannot count twice and the share stays within [0, 100]. Time with no
 * interval at all (the manager away, the node not re-adopted) is down.
 * Nodes listed in `q.nodes` but never seen get `uptimePercent: null`.
 * Sorted by uptime ascending (worst first), no-data rows last.
 */
export function computeUptime(
  intervals: readonly Interval[],
  firstSeen: ReadonlyMap<string, number>,
  q: UptimeQuery,
  now: number,
): UptimeRow[] {
  const until = Math.min(q.untilMs ?? now, now);
  const byNode = new Map<string, Interval[]>();
  for (const name of q.nodes ?? []) byNode.set(name, []);
  for (const iv of intervals) {
    const end = iv.end ?? now;
    if (iv.start >= until || end <= q.sinceMs) continue;
    if (q.nodes && !byNode.has(iv.node)) continue;
    let list = byNode.get(iv.node);
    if (!list) byNode.set(iv.node, (list = []));
    list.push(iv);
  }
  const rows: UptimeRow[] = [];
  for (const [node, list] of byNode) {
    const first = firstSeen.get(node);
    const from = first === undefined ? q.sinceMs : Math.max(q.sinceMs, first);
    const observedMs = first === undefined ? 0 : Math.max(0, until - from);
    const upMs = Math.min(observedMs, unionMs(list, from, until, now));
    rows.push({
      node,
      upSeconds: upMs / 1000,
      observedSeconds: observedMs / 1000,
      uptimePercent: observedMs > 0 ? Math.min(100, Math.max(0, (100 * upMs) / observedMs)) : null,
      fromMs: from,
      toMs: Math.max(from, until),
    });
  }
  return rows.sort(
    (a, b) =>
      (a.uptimePercent ?? Infinity) - (b.uptimePercent ?? Infinity) ||
      (a.node < b.node ? -1 : a.node > b.node ? 1 : 0),
  );
}

/** States that count as up: a node's `running`, a watch-only target's `up` (its `down` is failure time). */
export const UP_STATES: ReadonlySet<string> = new Set(['running', 'up']);

// Length of the union of the up intervals clipped to [from, to].
function unionMs(list: readonly Interval[], from: number, to: number, now: number): number {
  const spans = list
    .filter((iv) => UP_STATES.has(iv.state))
    .map((iv) => [Math.max(from, iv.start), Math.min(to, iv.end ?? now)] as const)
    .filter(([s, e]) => e > s)
    .sort((a, b) => a[0] - b[0]);
  let total = 0;
  let curS = -Infinity;
  let curE = -Infinity;
  for (const [s, e] of spans) {
    if (s > curE) {
      if (curE > curS) total += curE - curS;
      curS = s;
      curE = e;
    } else if (e > curE) curE = e;
  }
  if (curE > curS) total += curE - curS;
  return total;
}

/** Read the intervals overlapping the query window and every node's first-seen time, then compute. */
export function queryUptime(db: Database.Database, q: UptimeQuery, now: number): UptimeRow[] {
  const { intervals, firstSeen } = readIntervals(db, q, now);
  return computeUptime(intervals, firstSeen, q, now);
}

/** The intervals overlapping the query window, and the first-seen time of each node among them (or named in `q.nodes`). */
export function readIntervals(
  db: Database.Database,
  q: UptimeQuery,
  now: number,
): { intervals: Interval[]; firstSeen: Map<string, number> } {
  const until = Math.min(q.untilMs ?? now, now);
  const nodes = q.nodes ? JSON.stringify(q.nodes) : null;
  const nodeFilter = nodes === null ? '' : ' AND node IN (SELECT value FROM json_each(@nodes))';
  const intervals = db
    .prepare(
      `SELECT node, state, start_ts AS start, end_ts AS end FROM state_intervals
       WHERE start_ts < @until AND (end_ts IS NULL OR end_ts > @since)${nodeFilter}`,
    )
    .all({ until, since: q.sinceMs, ...(nodes === null ? {} : { nodes }) }) as Interval[];
  const seen = new Set(intervals.map((iv) => iv.node));
  for (const n of q.nodes ?? []) seen.add(n);
  const firstSeen = new Map<string, number>();
  const first = db.prepare('SELECT min(start_ts) AS t FROM state_intervals WHERE node = ?');
  for (const node of seen) {
    const row = first.get(node) as { t: number | null };
    if (row.t !== null) firstSeen.set(node, row.t);
  }
  return { intervals, firstSeen };
}
