/**
 * Polls an external fact (a pid gone, a file grown) until it is truthy. Only
 * for facts no event announces; `timeoutMs` is a failure bound, never a pass
 * condition.
 */
export async function waitUntil<T>(
  fact: () => T | Promise<T>,
  what: string,
  timeoutMs = 10_000,
  everyMs = 25,
): Promise<NonNullable<T>> {
  const deadline = Date.now() + timeoutMs;
  for (;;) {
    const v = await fact();
    if (v) return v as NonNullable<T>;
    if (Date.now() > deadline) throw new Error(`timed out after ${timeoutMs} ms waiting until ${what}`);
    await new Promise((r) => setTimeout(r, everyMs));
  }
}
