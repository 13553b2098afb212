/**
 * Restart pacing after repeated failures (DESIGN §1 `restart.*`). Pure: the
 * machine asks it for a delay, the runner sets the timer.
 */

/** The `restart.*` settings backoff reads. */
export interface BackoffSettings {
  readonly backoffMs: number;
  readonly backoffMaxMs: number;
}

/** Relative jitter applied to every delay (±20 %), so a fleet that failed together does not retry together. */
export const BACKOFF_JITTER = 0.2;

/** Never two spawns of one node closer than this after a quick failure (s6's one-second floor). */
export const MIN_SPAWN_INTERVAL_MS = 1000;

/**
 * Delay before retry number `attempt` (1 = after the first failure):
 * `backoffMs · 2^(attempt-1)`, jittered by ±20 % with `random` (uniform in
 * [0, 1)), never above `backoffMaxMs`. Whole milliseconds.
 */
export function backoffDelay(
  attempt: number,
  settings: BackoffSettings,
  random: () => number = Math.random,
): number {
  const n = Math.max(1, Math.floor(attempt));
  const max = Math.max(0, settings.backoffMaxMs);
  // 2 ** n overflows to Infinity for huge n; min() still yields the cap.
  const base = Math.min(Math.max(0, settings.backoffMs) * 2 ** (n - 1), max);
  const r = Math.min(Math.max(random(), 0), 1);
  const jittered = base * (1 + BACKOFF_JITTER * (2 * r - 1));
  return Math.round(Math.min(jittered, max));
}

/**
 * When a retry may spawn: after the backoff delay and never sooner than
 * MIN_SPAWN_INTERVAL_MS after the previous spawn (`lastSpawnAt`).
 */
export function retryTime(now: number, delayMs: number, lastSpawnAt: number): number {
  return Math.max(now + delayMs, lastSpawnAt + MIN_SPAWN_INTERVAL_MS);
}
