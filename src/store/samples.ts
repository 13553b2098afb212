import type Database from 'better-sqlite3';
import type { WriteQueue } from './write-queue.js';
import type { MinuteSample, RawSample, SampleInput, SampleQuery } from './types.js';

const MINUTE = 60_000;

/**
 * Resource and height samples: every sample lands in `samples_raw` (kept one
 * day) and is folded into its node-minute row in `samples_minute` (kept
 * `retention.samplesDays`) in the same write, so minute data is always current.
 */
export class SampleStore {
  private readonly insertRaw: Database.Statement;
  private readonly upsertMinute: Database.Statement;

  constructor(
    private readonly db: Database.Database,
    private readonly queue: WriteQueue,
  ) {
    this.insertRaw = db.prepare(
      'INSERT INTO samples_raw (node, ts, cpu, rss, height, lag, health) VALUES (@node, @ts, @cpu, @rss, @height, @lag, @health)',
    );
    // max() of SQLite returns NULL if any argument is NULL: coalesce both ways to ignore missing values.
    this.upsertMinute = db.prepare(
      `INSERT INTO samples_minute
         (node, minute_ts, n, cpu_n, cpu_sum, cpu_max, rss_max, height_last, lag_max, health_last, last_ts)
       VALUES (@node, @minute, 1, @cpuN, @cpu, @cpu, @rss, @height, @lag, @health, @ts)
       ON CONFLICT (node, minute_ts) DO UPDATE SET
         n = n + 1,
         cpu_n = cpu_n + excluded.cpu_n,
         cpu_sum = CASE WHEN excluded.cpu_sum IS NULL THEN cpu_sum ELSE coalesce(cpu_sum, 0) + excluded.cpu_sum END,
         cpu_max = max(coalesce(cpu_max, excluded.cpu_max), coalesce(excluded.cpu_max, cpu_max)),
         rss_max = max(coalesce(rss_max, excluded.rss_max), coalesce(excluded.rss_max, rss_max)),
         lag_max = max(coalesce(lag_max, excluded.lag_max), coalesce(excluded.lag_max, lag_max)),
         height_last = CASE WHEN excluded.height_last IS NOT NULL AND excluded.last_ts >= last_ts
                            THEN excluded.height_last ELSE coalesce(height_last, excluded.height_last) END,
         health_last = CASE WHEN excluded.health_last IS NOT NULL AND excluded.last_ts >= last_ts
                            THEN excluded.health_last ELSE coalesce(health_last, excluded.health_last) END,
         last_ts = max(last_ts, excluded.last_ts)`,
    );
  }

  /** Buffer one sample (written with the rest of this tick's writes). */
  record(s: SampleInput): void {
    const row = {
      node: s.node,
      ts: Math.round(s.ts),
      cpu: finiteOrNull(s.cpuPercent),
      rss: intOrNull(s.rssBytes),
      height: intOrNull(s.height),
      lag: intOrNull(s.lag),
      health: s.health,
    };
    const minute = { ...row, minute: Math.floor(row.ts / MINUTE) * MINUTE, cpuN: row.cpu === null ? 0 : 1 };
    this.queue.enqueue({
      what: `sample ${s.node}`,
      important: false,
      run: () => {
        this.insertRaw.run(row);
        this.upsertMinute.run(minute);
      },
    });
  }

  /** Samples in [sinceMs, untilMs), oldest first. */
  query(q: SampleQuery): RawSample[] | MinuteSample[] {
    return selectSamples(this.db, q);
  }
}

/** Samples in [sinceMs, untilMs), oldest first (the API's and the offline CLI's query). */
export function selectSamples(db: Database.Database, q: SampleQuery): RawSample[] | MinuteSample[] {
  const raw = q.resolution === 'raw';
  const tsCol = raw ? 'ts' : 'minute_ts';
  const where = [`${tsCol} >= @since`];
  if (q.untilMs !== undefined) where.push(`${tsCol} < @until`);
  if (typeof q.node === 'string') where.push('node = @node');
  else if (q.node !== undefined) where.push('node IN (SELECT value FROM json_each(@node))');
  const cols = raw
    ? 'node, ts, cpu AS cpuPercent, rss AS rssBytes, height, lag, health'
    : `node, minute_ts AS ts, n AS samples, CASE WHEN cpu_n > 0 THEN cpu_sum / cpu_n END AS cpuAvg,
       cpu_max AS cpuMax, rss_max AS rssMax, height_last AS height, lag_max AS lagMax, health_last AS health`;
  const sql =
    `SELECT ${cols} FROM ${raw ? 'samples_raw' : 'samples_minute'} WHERE ${where.join(' AND ')}` +
    ` ORDER BY ${tsCol}, node LIMIT @limit`;
  return db.prepare(sql).all({
    since: q.sinceMs,
    until: q.untilMs ?? null,
    node: q.node === undefined || typeof q.node === 'string' ? (q.node ?? null) : JSON.stringify(q.node),
    limit: q.limit === undefined ? -1 : Math.max(0, Math.floor(q.limit)),
  }) as RawSample[] | MinuteSample[];
}

function finiteOrNull(v: number | null): number | null {
  return v === null || !Number.isFinite(v) ? null : v;
}

function intOrNull(v: number | null): number | null {
  return v === null || !Number.isFinite(v) ? null : Math.round(v);
}
