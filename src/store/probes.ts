import type Database from 'better-sqlite3';
import type { WriteQueue } from './write-queue.js';

const HOUR = 3_600_000;
const DAY = 86_400_000;

/**
 * Latency histogram buckets of `probe_hour`: bucket b holds the runs that
 * took [FLOOR·RATIO^b, FLOOR·RATIO^(b+1)) ms (bucket 0 also everything
 * shorter), and stands for the geometric middle FLOOR·RATIO^(b+½). A median
 * read from the buckets is thus within ±5 % (√1.1 − 1) of the exact one.
 */
export const LATENCY_BUCKET_RATIO = 1.1;
/** Lower bound of bucket 0, in ms. */
export const LATENCY_BUCKET_FLOOR_MS = 0.01;
/** How long every single probe run is kept (as samples_raw). */
export const PROBE_RAW_KEEP_MS = DAY;
/** Windows up to this long (within the last day) get the exact median of every run. */
export const EXACT_WINDOW_MS = HOUR;

/** The histogram bucket of a run that took `ms`. */
export function latencyBucket(ms: number): number {
  if (!(ms > LATENCY_BUCKET_FLOOR_MS)) return 0;
  return Math.max(0, Math.floor(Math.log(ms / LATENCY_BUCKET_FLOOR_MS) / Math.log(LATENCY_BUCKET_RATIO)));
}

/** The latency (ms) bucket `b` stands for: its geometric middle. */
export function bucketLatencyMs(b: number): number {
  return LATENCY_BUCKET_FLOOR_MS * LATENCY_BUCKET_RATIO ** (b + 0.5);
}

/** One probe run of a node or target, as the store records it. */
export interface ProbeRun {
  /** Node or target name. */
  readonly name: string;
  /** The probe's name (`height`, …). */
  readonly probe: string;
  /** Wall-clock epoch ms when it finished. */
  readonly ts: number;
  /** How long it took. */
  readonly seconds: number;
  /** Whether it answered with a usable value. */
  readonly ok: boolean;
}

/** Probe latency of one name over a window (see `queryProbeStats`). */
export interface ProbeStats {
  /** Median latency of the successful runs in ms, or null with none. */
  readonly medianMs: number | null;
  /** Probe runs in the window (successful and failed). */
  readonly samples: number;
  /** Failed runs among them. */
  readonly failed: number;
  /** `raw`: exact, from every run; `histogram`: from the hourly histograms (median ±5 %). */
  readonly source: 'raw' | 'histogram';
}

/**
 * Probe latency records: every run lands in `probe_samples` (kept one day,
 * pruned with samples_raw) and is counted into its name-hour histogram
 * bucket in `probe_hour` (kept `retention.samplesDays`) in the same write.
 * Writes go through the write queue: the runs of one tick share a transaction.
 */
export class ProbeSampleStore {
  private readonly insertRaw: Database.Statement;
  private readonly upsertHour: Database.Statement;

  constructor(
    db: Database.Database,
    private readonly queue: WriteQueue,
  ) {
    this.insertRaw = db.prepare(
      'INSERT INTO probe_samples (name, ts, probe, seconds, ok) VALUES (@name, @ts, @probe, @seconds, @ok)',
    );
    this.upsertHour = db.prepare(
      `INSERT INTO probe_hour (hour_ts, name, ok, bucket, n) VALUES (@hour, @name, @ok, @bucket, 1)
       ON CONFLICT (hour_ts, name, ok, bucket) DO UPDATE SET n = n + 1`,
    );
  }

  /** Buffer one probe run (written with the rest of this tick's writes). A run without a finite duration is ignored. */
  record(run: ProbeRun): void {
    if (!Number.isFinite(run.seconds) || !Number.isFinite(run.ts)) return;
    const seconds = Math.max(0, run.seconds);
    const ts = Math.round(run.ts);
    const row = { name: run.name, ts, probe: run.probe, seconds, ok: run.ok ? 1 : 0 };
    const hour = {
      hour: Math.floor(ts / HOUR) * HOUR,
      name: run.name,
      ok: row.ok,
      bucket: latencyBucket(seconds * 1000),
    };
    this.queue.enqueue({
      what: `probe ${run.name}`,
      important: false,
      run: () => {
        this.insertRaw.run(row);
        this.upsertHour.run(hour);
      },
    });
  }
}

/** Counts of one name: successful runs per histogram bucket, and failed runs. */
interface Tally {
  readonly ok: Map<number, number>;
  failed: number;
}

/**
 * Probe latency per name over [sinceMs, untilMs): run counts and the median
 * latency of the successful runs. A window of at most an hour
 * (`EXACT_WINDOW_MS`) that starts within the last day is read from every run:
 * the exact median (the middle run, or the mean of the two middle ones).
 * A longer one adds up the hourly histograms of the whole hours in it and,
 * for the part before its first whole hour, the runs themselves (when that
 * part is older than a day, which the runs are no longer kept for, the
 * histogram of its whole hour); the median is the middle run's bucket (±5 %).
 */
export function queryProbeStats(
  db: Database.Database,
  sinceMs: number,
  untilMs: number,
  now: number,
): Map<string, ProbeStats> {
  const rawKept = sinceMs >= now - PROBE_RAW_KEEP_MS;
  if (rawKept && untilMs - sinceMs <= EXACT_WINDOW_MS) return rawStats(db, sinceMs, untilMs);
  const firstHour = Math.ceil(sinceMs / HOUR) * HOUR;
  const tallies = new Map<string, Tally>();
  const tally = (name: string): Tally => {
    let t = tallies.get(name);
    if (!t) tallies.set(name, (t = { ok: new Map(), failed: 0 }));
    return t;
  };
  const fromHour = rawKept ? firstHour : Math.floor(sinceMs / HOUR) * HOUR;
  const hours = db
    .prepare(
      `SELECT name, ok, bucket, sum(n) AS n FROM probe_hour
       WHERE hour_ts >= @from AND hour_ts < @until GROUP BY name, ok, bucket`,
    )
    .all({ from: fromHour, until: untilMs }) as Array<{
    name: string;
    ok: number;
    bucket: number;
    n: number;
  }>;
  for (const h of hours) {
    const t = tally(h.name);
    if (h.ok === 1) t.ok.set(h.bucket, (t.ok.get(h.bucket) ?? 0) + h.n);
    else t.failed += h.n;
  }
  if (rawKept && firstHour > sinceMs) {
    const runs = db
      .prepare('SELECT name, seconds, ok FROM probe_samples WHERE ts >= @since AND ts < @until')
      .all({ since: sinceMs, until: Math.min(firstHour, untilMs) }) as Array<{
      name: string;
      seconds: number;
      ok: number;
    }>;
    for (const r of runs) {
      const t = tally(r.name);
      if (r.ok === 1) {
        const b = latencyBucket(r.seconds * 1000);
        t.ok.set(b, (t.ok.get(b) ?? 0) + 1);
      } else t.failed++;
    }
  }
  const out = new Map<string, ProbeStats>();
  for (const [name, t] of tallies) {
    const buckets = [...t.ok.entries()].sort((a, b) => a[0] - b[0]);
    const okCount = buckets.reduce((sum, [, n]) => sum + n, 0);
    out.set(name, {
      medianMs: okCount === 0 ? null : histogramMedian(buckets, okCount),
      samples: okCount + t.failed,
      failed: t.failed,
      source: 'histogram',
    });
  }
  return out;
}

function rawStats(db: Database.Database, since: number, until: number): Map<string, ProbeStats> {
  const out = new Map<string, ProbeStats>();
  const counts = db
    .prepare(
      `SELECT name, count(*) AS samples, sum(ok = 0) AS failed FROM probe_samples
       WHERE ts >= @since AND ts < @until GROUP BY name`,
    )
    .all({ since, until }) as Array<{ name: string; samples: number; failed: number }>;
  // The middle row (odd count) or the two middle rows (even count) of each name's successful runs.
  const medians = db
    .prepare(
      `SELECT name, avg(seconds) AS median FROM (
         SELECT name, seconds,
                row_number() OVER (PARTITION BY name ORDER BY seconds) AS rn,
                count(*) OVER (PARTITION BY name) AS c
         FROM probe_samples WHERE ok = 1 AND ts >= @since AND ts < @until)
       WHERE rn IN ((c + 1) / 2, (c + 2) / 2) GROUP BY name`,
    )
    .all({ since, until }) as Array<{ name: string; median: number }>;
  const median = new Map(medians.map((m) => [m.name, m.median * 1000]));
  for (const c of counts) {
    out.set(c.name, {
      medianMs: median.get(c.name) ?? null,
      samples: c.samples,
      failed: c.failed,
      source: 'raw',
    });
  }
  return out;
}

// The bucket holding the lower middle run (buckets in ascending order).
function histogramMedian(buckets: ReadonlyArray<readonly [number, number]>, total: number): number {
  const middle = Math.ceil(total / 2);
  let seen = 0;
  for (const [bucket, n] of buckets) {
    seen += n;
    if (seen >= middle) return bucketLatencyMs(bucket);
  }
  return bucketLatencyMs(buckets[buckets.length - 1]![0]);
}
