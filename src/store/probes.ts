import type Database from 'better-sqlite3';
import type { WriteQueue } from './write-queue.js';

const MINUTE = 60_000;
const DAY = 86_400_000;

/**
 * Latency histogram buckets of `probe_minute`: bucket b holds the runs that
 * took [FLOOR·RATIO^b, FLOOR·RATIO^(b+1)) ms (bucket 0 also everything
 * shorter), and stands for the geometric middle FLOOR·RATIO^(b+½). A median
 * read from the buckets is thus within ±5 % (√1.1 − 1) of the exact one.
 */
export const LATENCY_BUCKET_RATIO = 1.1;
/** Lower bound of bucket 0, in ms. */
export const LATENCY_BUCKET_FLOOR_MS = 0.01;
/** How long every single probe run is kept (as samples_raw): a window inside it has an exact median. */
export const PROBE_RAW_KEEP_MS = DAY;

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
  /** `raw`: exact, from every run; `minute`: from the per-minute histograms (±5 %, whole minutes). */
  readonly source: 'raw' | 'minute';
}

/**
 * Probe latency records: every run lands in `probe_samples` (kept one day,
 * pruned with samples_raw) and is counted into its name-minute histogram
 * bucket in `probe_minute` (kept `retention.samplesDays`) in the same write.
 * Writes go through the write queue: the runs of one tick share a transaction.
 */
export class ProbeSampleStore {
  private readonly insertRaw: Database.Statement;
  private readonly upsertMinute: Database.Statement;

  constructor(
    db: Database.Database,
    private readonly queue: WriteQueue,
  ) {
    this.insertRaw = db.prepare(
      'INSERT INTO probe_samples (name, ts, probe, seconds, ok) VALUES (@name, @ts, @probe, @seconds, @ok)',
    );
    this.upsertMinute = db.prepare(
      `INSERT INTO probe_minute (name, minute_ts, ok, bucket, n) VALUES (@name, @minute, @ok, @bucket, 1)
       ON CONFLICT (name, minute_ts, ok, bucket) DO UPDATE SET n = n + 1`,
    );
  }

  /** Buffer one probe run (written with the rest of this tick's writes). A run without a finite duration is ignored. */
  record(run: ProbeRun): void {
    if (!Number.isFinite(run.seconds) || !Number.isFinite(run.ts)) return;
    const seconds = Math.max(0, run.seconds);
    const ts = Math.round(run.ts);
    const row = { name: run.name, ts, probe: run.probe, seconds, ok: run.ok ? 1 : 0 };
    const minute = {
      name: run.name,
      minute: Math.floor(ts / MINUTE) * MINUTE,
      ok: row.ok,
      bucket: latencyBucket(seconds * 1000),
    };
    this.queue.enqueue({
      what: `probe ${run.name}`,
      important: false,
      run: () => {
        this.insertRaw.run(row);
        this.upsertMinute.run(minute);
      },
    });
  }
}

/**
 * Probe latency per name over [sinceMs, untilMs): run counts and the median
 * latency of the successful runs. A window that starts within the last day
 * (`PROBE_RAW_KEEP_MS` before `now`) is read from every run (exact median:
 * the middle one, or the mean of the two middle ones). An older start reads
 * the per-minute histograms of every minute overlapping the window: counts
 * are whole minutes' and the median is its bucket's middle (±5 %).
 */
export function queryProbeStats(
  db: Database.Database,
  sinceMs: number,
  untilMs: number,
  now: number,
): Map<string, ProbeStats> {
  return sinceMs >= now - PROBE_RAW_KEEP_MS
    ? rawStats(db, sinceMs, untilMs)
    : minuteStats(db, sinceMs, untilMs);
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

function minuteStats(db: Database.Database, since: number, until: number): Map<string, ProbeStats> {
  const rows = db
    .prepare(
      `SELECT name, ok, bucket, sum(n) AS n FROM probe_minute
       WHERE minute_ts > @from AND minute_ts < @until
       GROUP BY name, ok, bucket ORDER BY name, bucket`,
    )
    .all({ from: since - MINUTE, until }) as Array<{ name: string; ok: number; bucket: number; n: number }>;
  const byName = new Map<string, Array<{ ok: number; bucket: number; n: number }>>();
  for (const r of rows) {
    let list = byName.get(r.name);
    if (!list) byName.set(r.name, (list = []));
    list.push(r);
  }
  const out = new Map<string, ProbeStats>();
  for (const [name, list] of byName) {
    const good = list.filter((r) => r.ok === 1);
    const okCount = good.reduce((s, r) => s + r.n, 0);
    const failed = list.reduce((s, r) => s + (r.ok === 1 ? 0 : r.n), 0);
    out.set(name, {
      medianMs: okCount === 0 ? null : histogramMedian(good, okCount),
      samples: okCount + failed,
      failed,
      source: 'minute',
    });
  }
  return out;
}

// The bucket holding the lower middle run (buckets in ascending order).
function histogramMedian(buckets: ReadonlyArray<{ bucket: number; n: number }>, total: number): number {
  const middle = Math.ceil(total / 2);
  let seen = 0;
  for (const b of buckets) {
    seen += b.n;
    if (seen >= middle) return bucketLatencyMs(b.bucket);
  }
  return bucketLatencyMs(buckets[buckets.length - 1]!.bucket);
}
