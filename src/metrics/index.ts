/** Prometheus metrics of a daemon: build them, share them, feed probe timings. */
export { createMetrics, metricsFor, type Metrics } from './registry.js';
export type { ObserveProbe } from './probes.js';
export type { MetricsSource, MetricObservation } from './source.js';
export type { AlertMetricsSource } from './alert-metrics.js';
