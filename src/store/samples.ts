import type Database from 'better-sqlite3';
import type { WriteOp, WriteQueue } from './write-queue.js';
import type { MinuteSample, RawSample, SampleInput, SampleQuery } from './types.js';

const MINUTE = 60_000;
/** Most raw samples held in memory before they go to the database anyway. */
const MAX_HELD = 20_000;
/** Most rows written in one turn of the event loop. */
const SLICE = 500;

/** One raw row as written to `samples_raw`. */
interface RawRow {
  readonly node: string;
  readonly ts: number;
  readonly cpu: number | null;
  readonly rss: number | null;
  readonly height: number | null;
  readonly lag: number | null;
  readonly health: string | null;
}

/** One node-minute folded in memory, as the `samples_minute` upsert folds it row by row. */
interface MinuteRow {
  node: string;
  minute: number;
  n: number;
  cpuN: number;
  cpuSum: number | null;
  cpuMax: number | null;
  rssMax: number | null;
  height: number | null;
  lagMax: number | null;
  health: string | null;
  lastTs: number;
}

/**
 * Resource and height samples: every sample lands in `samples_raw` (kept one
 * day) and is folded into its node-minute row in `samples_minute` (kept
 * `retention.samplesDays`).
 *
 * Samples are held in memory, folded per node-minute, and handed to the write
 * queue once a minute (when a sample of another minute comes, or a reader or
 * the store's flush or close asks: `release`), so each node costs one raw
 * insert per sample and one minute upsert per minute instead of a write per
 * sample. Readers see every sample (the store releases before reading); a
 * manager killed with SIGKILL loses the samples of its last minute at most.
 */
export class SampleStore {
  private readonly insertRaw: Database.Statement;
  private readonly upsertMinute: Database.Statement;
  private heldRaw: RawRow[] = [];
  private heldMinutes = new Map<string, MinuteRow>();
  /** The minute of the samples held (null: none held). */
  private heldMinute: number | null = null;
  /** Released samples not yet handed to the queue, in write order. */
  private readonly slices: WriteOp[] = [];

  constructor(
    private readonly db: Database.Database,
    private readonly queue: WriteQueue,
  ) {
    this.insertRaw = db.prepare(
      'INSERT INTO samples_raw (node, ts, cpu, rss, height, lag, health) VALUES (@node, @ts, @cpu, @rss, @height, @lag, @health)',
    );
    // max() of SQLite returns NULL if any argument is NULL: coalesce both ways to ignore missing values.
    // The same fold as `foldSample`, applied to a row already written in this minute.
    this.upsertMinute = db.prepare(
      `INSERT INTO samples_minute
         (node, minute_ts, n, cpu_n, cpu_sum, cpu_max, rss_max, height_last, lag_max, health_last, last_ts)
       VALUES (@node, @minute, @n, @cpuN, @cpuSum, @cpuMax, @rssMax, @height, @lagMax, @health, @lastTs)
       ON CONFLICT (node, minute_ts) DO UPDATE SET
         n = n + excluded.n,
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

  /** Hold one sample until its minute is over (see the class comment). */
  record(s: SampleInput): void {
    const row: RawRow = {
      node: s.node,
      ts: Math.round(s.ts),
      cpu: finiteOrNull(s.cpuPercent),
      rss: intOrNull(s.rssBytes),
      height: intOrNull(s.height),
      lag: intOrNull(s.lag),
      health: s.health,
    };
    const minute = Math.floor(row.ts / MINUTE) * MINUTE;
    if (this.heldMinute !== null && minute !== this.heldMinute) this.releaseBySlices();
    this.heldMinute = minute;
    this.heldRaw.push(row);
    const key = `${minute} ${row.node}`;
    const m = this.heldMinutes.get(key);
    if (m) foldSample(m, row);
    else this.heldMinutes.set(key, firstOfMinute(row, minute));
    if (this.heldRaw.length >= MAX_HELD) this.releaseBySlices();
  }

  /**
   * Hand every sample held to the write queue now (written with the rest of
   * this tick's writes): before a read, a flush or the close.
   */
  release(): void {
    this.slice();
    while (this.slices.length > 0) this.queue.enqueue(this.slices.shift()!);
  }

  /**
   * A minute of a thousand nodes is thousands of rows: they go to the queue a
   * slice per turn of the event loop, so that writing them never holds up
   * the sockets, pipes and timers for long.
   */
  private releaseBySlices(): void {
    this.slice();
    this.drip();
  }

  private drip(): void {
    const next = this.slices.shift();
    if (!next) return;
    this.queue.enqueue(next);
    if (this.slices.length > 0) setImmediate(() => this.drip());
  }

  /** Cut what is held into write ops of at most SLICE rows, in order (raw rows, then minutes). */
  private slice(): void {
    if (this.heldRaw.length === 0) return;
    const rows: Array<RawRow | MinuteRow> = this.heldRaw;
    for (const m of this.heldMinutes.values()) rows.push(m);
    this.heldRaw = [];
    this.heldMinutes = new Map();
    this.heldMinute = null;
    for (let i = 0; i < rows.length; i += SLICE) {
      const part = rows.slice(i, i + SLICE);
      this.slices.push({
        what: `${part.length} samples`,
        important: false,
        run: () => {
          for (const r of part) ('minute' in r ? this.upsertMinute : this.insertRaw).run(r);
        },
      });
    }
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

function firstOfMinute(r: RawRow, minute: number): MinuteRow {
  return {
    node: r.node,
    minute,
    n: 1,
    cpuN: r.cpu === null ? 0 : 1,
    cpuSum: r.cpu,
    cpuMax: r.cpu,
    rssMax: r.rss,
    height: r.height,
    lagMax: r.lag,
    health: r.health,
    lastTs: r.ts,
  };
}

/** Fold one more sample into its node-minute, as the upsert does in SQL. */
function foldSample(m: MinuteRow, r: RawRow): void {
  m.n++;
  if (r.cpu !== null) {
    m.cpuN++;
    m.cpuSum = (m.cpuSum ?? 0) + r.cpu;
  }
  m.cpuMax = maxOf(m.cpuMax, r.cpu);
  m.rssMax = maxOf(m.rssMax, r.rss);
  m.lagMax = maxOf(m.lagMax, r.lag);
  const later = r.ts >= m.lastTs;
  m.height = r.height !== null && later ? r.height : (m.height ?? r.height);
  m.health = r.health !== null && later ? r.health : (m.health ?? r.health);
  m.lastTs = Math.max(m.lastTs, r.ts);
}

function maxOf(a: number | null, b: number | null): number | null {
  if (a === null) return b;
  if (b === null) return a;
  return Math.max(a, b);
}
