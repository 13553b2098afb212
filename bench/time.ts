/**
 * Time helpers of the benchmark. `nowNs()` is CLOCK_MONOTONIC (libuv's
 * hrtime), the same clock the supervised C program stamps its exec and exit
 * times with, so the bench can subtract the two.
 */

/** CLOCK_MONOTONIC in nanoseconds. */
export const nowNs = (): bigint => process.hrtime.bigint();

/** A nanosecond difference in milliseconds. */
export const nsToMs = (ns: bigint): number => Number(ns) / 1e6;

export const sleep = (ms: number): Promise<void> => new Promise((r) => setTimeout(r, ms));

/**
 * Polls `probe` every `intervalMs` until it returns something other than
 * null/undefined/false; throws naming `what` after `timeoutMs`.
 */
export async function waitFor<T>(
  what: string,
  probe: () => T | null | undefined | false | Promise<T | null | undefined | false>,
  opts: { timeoutMs: number; intervalMs?: number },
): Promise<T> {
  const deadline = Date.now() + opts.timeoutMs;
  for (;;) {
    const v = await probe();
    if (v !== null && v !== undefined && v !== false) return v;
    if (Date.now() > deadline) throw new Error(`timed out after ${opts.timeoutMs} ms waiting for ${what}`);
    await sleep(opts.intervalMs ?? 20);
  }
}
