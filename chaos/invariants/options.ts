/** Tunables of the invariants; the defaults suit a loaded 2-core machine. */
export interface InvariantOptions {
  /** Poll period while an end-of-run check waits for the world to settle. */
  pollMs: number;
  /** Added to a grace counted from a manager's start: it boots before it can act. */
  bootSlackMs: number;
  /** After a kill -9 of a node, how long a manager must stay alive for its crash to be owed as an event. */
  crashNoticeMs: number;
  /** How long the end-of-run log check waits for lines still in flight to reach the files. */
  logSettleMs: number;
  /** How long the outbox may take to drain at the end. */
  alertDrainMs: number;
  /** RSS: absolute cap (MiB). */
  rssCapMb: number;
  /** RSS: most a sample may be, as a multiple of the manager's first steady sample. */
  rssFactor: number;
  /** RSS: a sample is steady once its manager has run this long. */
  rssSteadyMs: number;
  /** RSS: the most growth per minute allowed across the run's second half when it only ever grows (MiB/min). */
  rssSlopeMbPerMin: number;
  /**
   * RSS: growth across the second half below this is never a leak (MiB): a
   * manager's heap settles upwards for its first minutes, which in a short run
   * is the whole second half.
   */
  rssGrowthMinMb: number;
}

export const DEFAULT_OPTIONS: InvariantOptions = {
  pollMs: 500,
  bootSlackMs: 15_000,
  crashNoticeMs: 5_000,
  logSettleMs: 20_000,
  alertDrainMs: 60_000,
  rssCapMb: 400,
  rssFactor: 3,
  rssSteadyMs: 10_000,
  rssSlopeMbPerMin: 4,
  rssGrowthMinMb: 32,
};

export function sleep(ms: number): Promise<void> {
  return new Promise((r) => setTimeout(r, ms));
}
