import type { Registry } from 'prom-client';
import type { TargetStatus } from '../protocol/types.js';
import { perScrape, scrapeCounter, scrapeGauge } from './collectors.js';

/** What one scrape reads of one watch-only target. */
export interface TargetMetricRow {
  readonly row: TargetStatus;
  /** Probe runs and failures since the manager started. */
  readonly runs: number;
  readonly failed: number;
}

/**
 * Watch-only targets' series, read at scrape time from the target watcher:
 * `nodewarden_target_up{target}` (1 up, 0 down; left out while unknown),
 * the latest probe's duration, and probe runs / failures. A target that left
 * the configuration loses its series.
 */
export function registerTargetMetrics(registry: Registry, read: () => TargetMetricRow[]): void {
  const rows = perScrape(read);
  scrapeGauge({
    registry,
    name: 'nodewarden_target_up',
    help: 'Watch-only target: 1 while up, 0 while down (no series before its first verdict).',
    labelNames: ['target'],
    fill: (emit) =>
      rows().forEach(({ row }) =>
        emit({ target: row.name }, row.state === 'up' ? 1 : row.state === 'down' ? 0 : null),
      ),
  });
  scrapeGauge({
    registry,
    name: 'nodewarden_target_probe_duration_seconds',
    help: "Duration of the watch-only target's latest probe (failures and timeouts included), in seconds.",
    labelNames: ['target'],
    fill: (emit) => rows().forEach(({ row }) => emit({ target: row.name }, row.latencySeconds)),
  });
  scrapeCounter({
    registry,
    name: 'nodewarden_target_probes_total',
    help: 'Probes run against the watch-only target.',
    labelNames: ['target'],
    fill: (emit) => rows().forEach(({ row, runs }) => emit({ target: row.name }, runs)),
  });
  scrapeCounter({
    registry,
    name: 'nodewarden_target_probe_failures_total',
    help: 'Probes of the watch-only target that failed or timed out.',
    labelNames: ['target'],
    fill: (emit) => rows().forEach(({ row, failed }) => emit({ target: row.name }, failed)),
  });
}
