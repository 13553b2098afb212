import type { NodeObservation, ObservationSource } from '../api/status.js';
import type { EventBus } from '../events/bus.js';
import type { StoreStats } from '../store/index.js';
import type { Containment } from '../supervisor/driver.js';
import type { Supervisor } from '../supervisor/supervisor.js';

/**
 * The part of a running daemon that metrics read. A structural subset of
 * `Daemon`, so the daemon itself is passed in production and tests may pass
 * less. `observe` is read on every scrape (watchers may replace it).
 */
export interface MetricsSource {
  readonly bus: EventBus;
  readonly supervisor: Supervisor;
  readonly store: { stats(): StoreStats };
  observe: ObservationSource;
  /** How nodes are contained (exported as nodewarden_containment_info); absent or null = not exported. */
  readonly containment?: Containment | null;
  /** When given, metrics detach from the bus once it resolves. */
  readonly stopped?: Promise<void>;
}

/**
 * An observation as metrics read it; `cpuSecondsTotal` (the node tree's
 * cumulative CPU time, kept by the sampler) absent or null = not exported.
 */
export type MetricObservation = NodeObservation;

/** A finite number, or null for anything unknown (undefined, null, NaN, ±Infinity, a string). */
export function known(v: unknown): number | null {
  return typeof v === 'number' && Number.isFinite(v) ? v : null;
}
