/**
 * Downsampling of the history the status page and `status --history` draw
 * (pure). A window is cut into buckets of `step` ms; each series keeps at
 * most one point per bucket, and every point kept is a real input point (its
 * own time and value), so a chart never shows a figure that was not recorded.
 */

/** `[epoch ms, value]`, oldest first. */
export type Point = [number, number];

/** What a bucket keeps: its latest point (heights), or its highest (CPU, memory, lag peaks). */
export type Keep = 'last' | 'max';

/** Default and upper bound of points per series. */
export const DEFAULT_POINTS = 300;
export const MAX_POINTS = 1000;

/**
 * The bucket width for at most `points` buckets over [since, until], in whole
 * ms; from `unit` ms up (1 s for raw samples, 1 min for the per-minute
 * aggregates) a whole number of units, so neighbouring requests share their
 * bucket edges.
 */
export function bucketStep(sinceMs: number, untilMs: number, points: number, unit: number): number {
  const span = Math.max(1, untilMs - sinceMs);
  const step = Math.ceil(span / Math.max(1, points));
  return step < unit && unit <= 1000 ? step : Math.max(unit, Math.ceil(step / unit) * unit);
}

/**
 * Keep one point per bucket of `step` ms counted from `sinceMs`: the bucket's
 * last point, or its highest (the earliest of equal highs). Input oldest
 * first; points outside [since, until] are dropped.
 */
export function downsample(
  points: readonly Point[],
  sinceMs: number,
  untilMs: number,
  step: number,
  keep: Keep,
): Point[] {
  const out: Point[] = [];
  // [since, until] holds ceil(span / step) buckets; a point exactly at `until` joins the last one.
  const lastBucket = Math.max(0, Math.ceil((untilMs - sinceMs) / step) - 1);
  let bucket = -1;
  for (const p of points) {
    if (p[0] < sinceMs || p[0] > untilMs || !Number.isFinite(p[1])) continue;
    const b = Math.min(lastBucket, Math.floor((p[0] - sinceMs) / step));
    if (b !== bucket) {
      out.push(p);
      bucket = b;
    } else if (keep === 'last' || p[1] > out[out.length - 1]![1]) {
      out[out.length - 1] = p;
    }
  }
  return out;
}
