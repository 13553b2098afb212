/** Longest stretch, in ms, that paced work holds the event loop before letting other requests in. */
const SLICE_MS = 2;

/**
 * Drive stepwise work (a generator that yields between small steps) to its
 * result without holding the event loop for more than about `sliceMs` at a
 * time: once a slice is used up, the rest waits for the next turn of the
 * loop, so status requests, supervision and timers keep their pace while a
 * large request is worked through.
 */
export async function runPaced<T>(steps: Generator<void, T, void>, sliceMs = SLICE_MS): Promise<T> {
  let sliceStart = performance.now();
  for (;;) {
    const r = steps.next();
    if (r.done) return r.value;
    if (performance.now() - sliceStart >= sliceMs) {
      await new Promise<void>((resolve) => setImmediate(resolve));
      sliceStart = performance.now();
    }
  }
}
