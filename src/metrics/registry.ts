import { collectDefaultMetrics, Registry } from 'prom-client';
import { registerAlertMetrics, type AlertMetricsSource } from './alert-metrics.js';
import { registerManagerMetrics } from './manager-metrics.js';
import { registerNodeMetrics } from './node-metrics.js';
import { registerProbeMetrics, type ObserveProbe } from './probes.js';
import { RestartTracker } from './restarts.js';
import type { MetricsSource } from './source.js';

/** One daemon's Prometheus metrics (DESIGN §6 `GET /metrics`). */
export interface Metrics {
  /** The daemon's own registry (never prom-client's global one). */
  readonly registry: Registry;
  /** For the prober: record one probe's duration and outcome. */
  readonly observeProbe: ObserveProbe;
  /** Export the outbox backlog and delivery counters of the daemon's alerter from now on. */
  watchAlerts(alerter: AlertMetricsSource): void;
  /** Detach from the bus; idempotent. Scrapes still work, counters stop counting. */
  close(): void;
}

/**
 * Build the metrics of one daemon: per-node gauges and counters read at scrape
 * time, bus-fed counters (events by type, restarts by reason), manager health
 * and prom-client's process metrics, all prefixed `nodewarden_` and labelled
 * with the `host` of `host.name`. Bus-fed
 * counters count from this call on: call it before nodes start to miss nothing.
 */
export function createMetrics(src: MetricsSource): Metrics {
  const registry = new Registry();
  // Process metrics (CPU, memory, fds, event loop lag, GC); prom-client cannot
  // detach its GC observer later, which is harmless for one daemon per process.
  // The event loop lag is sampled every 250 ms: prom-client's default (10 ms)
  // wakes an idle manager 100 times a second, its largest idle CPU cost.
  collectDefaultMetrics({ register: registry, prefix: 'nodewarden_', eventLoopMonitoringPrecision: 250 });
  // These three are gauges named `_total`, which breaks Prometheus naming
  // (promtool rejects them); their per-type series `…_active_handles{type}` etc. stay.
  for (const name of MISNAMED_DEFAULTS) registry.removeSingleMetric(name);
  // `host` on every series (host.name), so one Prometheus tells hosts apart; a reload may rename it.
  const labelHost = (): void => registry.setDefaultLabels({ host: src.supervisor.managerConfig().host.name });
  labelHost();
  const offHost = src.bus.on('event', (e) => {
    if (e.type === 'config_reloaded') labelHost();
  });
  const restarts = new RestartTracker(
    src.bus,
    (name) => src.supervisor.runner(name)?.snapshot().restarts,
    src.supervisor.names(),
  );
  registerNodeMetrics(registry, src);
  const offManager = registerManagerMetrics(registry, src, restarts);
  const observeProbe = registerProbeMetrics(registry, (name) => src.supervisor.spec(name)?.sync.group);
  let alerter: AlertMetricsSource | null = null;
  registerAlertMetrics(registry, () => alerter);
  let closed = false;
  const metrics: Metrics = {
    registry,
    observeProbe,
    watchAlerts(a) {
      alerter = a;
    },
    close() {
      if (closed) return;
      closed = true;
      restarts.close();
      offManager();
      offHost();
    },
  };
  void src.stopped?.then(() => metrics.close());
  return metrics;
}

const MISNAMED_DEFAULTS = [
  'nodewarden_nodejs_active_handles_total',
  'nodewarden_nodejs_active_requests_total',
  'nodewarden_nodejs_active_resources_total',
];

const byDaemon = new WeakMap<MetricsSource, Metrics>();

/**
 * The metrics of a daemon, created on first use and shared by every caller
 * (the `/metrics` route, the prober's `observeProbe`).
 */
export function metricsFor(src: MetricsSource): Metrics {
  let m = byDaemon.get(src);
  if (!m) byDaemon.set(src, (m = createMetrics(src)));
  return m;
}
