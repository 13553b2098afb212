import type Database from 'better-sqlite3';
import { queryProbeStats, type ProbeStats } from './probes.js';
import type { RankQuery, RankRow } from './types.js';
import { computeUptime, readIntervals, type Interval } from './uptime.js';

/** States only a watch-only target is recorded in. */
const TARGET_STATES: ReadonlySet<string> = new Set(['up', 'down']);

/**
 * The ranking of `uptime --rank` (pure): every name with state intervals or
 * probe runs in the window, best first. Order: uptime % descending, compared
 * as shown (3 decimals, so figures that print equal are equal); names with no
 * observed time last. Then median probe latency ascending (names with no
 * successful probe run after those with one), then name. Uptime is
 * `computeUptime`'s (time in any state but `running`/`up` counts against,
 * time before a name was first seen does not count); `intervals` is how many
 * state intervals overlap the window. A name with a row in the `nodes`
 * table, or recorded in a lifecycle state, is a `node`; else a `target`.
 */
export function computeRanking(
  intervals: readonly Interval[],
  firstSeen: ReadonlyMap<string, number>,
  probes: ReadonlyMap<string, ProbeStats>,
  nodeNames: ReadonlySet<string>,
  q: RankQuery,
  now: number,
): RankRow[] {
  const until = Math.min(q.untilMs ?? now, now);
  const window = { sinceMs: q.sinceMs, untilMs: until };
  const inWindow = intervals.filter((iv) => iv.start < until && (iv.end ?? now) > q.sinceMs);
  const counts = new Map<string, number>();
  const lifecycle = new Set<string>();
  for (const iv of inWindow) {
    counts.set(iv.node, (counts.get(iv.node) ?? 0) + 1);
    if (!TARGET_STATES.has(iv.state)) lifecycle.add(iv.node);
  }
  const names = new Set([...counts.keys(), ...probes.keys()]);
  const uptime = new Map(
    computeUptime(inWindow, firstSeen, { ...window, nodes: [...names] }, now).map((u) => [u.node, u]),
  );
  const rows = [...names].map((name): Omit<RankRow, 'rank'> => {
    const u = uptime.get(name)!;
    const p = probes.get(name);
    return {
      name,
      kind: nodeNames.has(name) || lifecycle.has(name) ? 'node' : 'target',
      uptimePercent: u.uptimePercent,
      upSeconds: u.upSeconds,
      observedSeconds: u.observedSeconds,
      intervals: counts.get(name) ?? 0,
      medianLatencyMs: p?.medianMs ?? null,
      probeSamples: p?.samples ?? 0,
      failedProbes: p?.failed ?? 0,
      latencySource: p?.source ?? null,
    };
  });
  rows.sort(
    (a, b) =>
      shown(b.uptimePercent) - shown(a.uptimePercent) ||
      (a.medianLatencyMs ?? Infinity) - (b.medianLatencyMs ?? Infinity) ||
      (a.name < b.name ? -1 : a.name > b.name ? 1 : 0),
  );
  return rows.map((r, i) => ({ rank: i + 1, ...r }));
}

// Uptime as shown (3 decimals); no observed time sorts below 0 %.
function shown(pct: number | null): number {
  return pct === null ? -1 : Math.round(pct * 1000) / 1000;
}

/** Read what the ranking needs over the window (intervals, probe runs, node names), then rank. */
export function queryRanking(db: Database.Database, q: RankQuery, now: number): RankRow[] {
  const until = Math.min(q.untilMs ?? now, now);
  const { intervals, firstSeen } = readIntervals(db, { sinceMs: q.sinceMs, untilMs: until }, now);
  const probes = queryProbeStats(db, q.sinceMs, until, now);
  // Names with probe runs but no interval in the window still need their first-seen time.
  const first = db.prepare('SELECT min(start_ts) AS t FROM state_intervals WHERE node = ?');
  for (const name of probes.keys()) {
    if (firstSeen.has(name)) continue;
    const row = first.get(name) as { t: number | null };
    if (row.t !== null) firstSeen.set(name, row.t);
  }
  const nodeNames = new Set(db.prepare('SELECT name FROM nodes').pluck().all() as string[]);
  return computeRanking(intervals, firstSeen, probes, nodeNames, q, now);
}
