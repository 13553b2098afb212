import { Counter, Gauge, type Registry } from 'prom-client';

/** Label values of one series. */
export type Labels<L extends string> = Partial<Record<L, string | number>>;

/** Sets one sample of a scrape-time metric; a null value means unknown and is skipped. */
export type Emit<L extends string> = (labels: Labels<L>, value: number | null) => void;

interface ScrapeMetric<L extends string> {
  registry: Registry;
  name: string;
  help: string;
  labelNames: readonly L[];
  /** Called on every scrape; emits the current value of each series. */
  fill: (emit: Emit<L>) => void;
}

/** The options both kinds share: every scrape resets the metric, then `put`s each known value. */
function scrapeOptions<L extends string, M extends { reset(): void }>(
  m: ScrapeMetric<L>,
  put: (metric: M, labels: Labels<L>, value: number) => void,
) {
  return {
    name: m.name,
    help: m.help,
    labelNames: m.labelNames,
    registers: [m.registry],
    collect(this: M) {
      this.reset();
      m.fill((labels, v) => {
        if (v !== null) put(this, labels, v);
      });
    },
  };
}

/**
 * A gauge whose series are rebuilt from current values on every scrape, so a
 * node that left the configuration loses its series with no bookkeeping.
 */
export function scrapeGauge<L extends string>(m: ScrapeMetric<L>): Gauge<L> {
  return new Gauge<L>(scrapeOptions(m, (g: Gauge<L>, labels, v) => g.set(labels, v)));
}

/**
 * A counter read at scrape time from a total kept elsewhere (log writer,
 * store, bus). The source only grows while it exists; it restarts from zero
 * with the manager, which Prometheus treats as a counter reset.
 */
export function scrapeCounter<L extends string>(m: ScrapeMetric<L>): Counter<L> {
  return new Counter<L>(
    scrapeOptions(m, (c: Counter<L>, labels, v) => {
      if (v >= 0) c.inc(labels, v);
    }),
  );
}

/**
 * Memoises `compute` until the current synchronous stretch of code ends. A
 * scrape calls the collect functions one after another without yielding, so
 * they share one reading of the supervisor; nothing else can run in between,
 * so the cached reading can never be stale, and the next scrape reads anew.
 */
export function perScrape<T>(compute: () => T): () => T {
  let cached: { value: T } | null = null;
  return () => {
    if (!cached) {
      cached = { value: compute() };
      queueMicrotask(() => (cached = null));
    }
    return cached.value;
  };
}
