import { Counter, Gauge, type Registry } from 'prom-client';
import { EVENT_TYPES } from '../events/types.js';
import { VERSION } from '../version.js';
import { scrapeCounter, scrapeGauge } from './collectors.js';
import type { RestartTracker } from './restarts.js';
import type { MetricsSource } from './source.js';

/**
 * Manager-wide metrics and the bus-fed counters: events by type, restarts by
 * node and reason, store and bus health, build info. Returns the unsubscribe
 * function of its bus listener.
 */
export function registerManagerMetrics(
  registry: Registry,
  src: MetricsSource,
  restarts: RestartTracker,
): () => void {
  const events = new Counter({
    name: 'nodewarden_events_total',
    help: 'Events emitted by type since nodewarden started (DESIGN §4 event types).',
    labelNames: ['type'],
    registers: [registry],
  });
  // Known types start at 0 so that rate() sees the first one.
  for (const type of EVENT_TYPES) events.inc({ type }, 0);
  const off = src.bus.on('event', (e) => events.inc({ type: e.type }));

  scrapeCounter({
    registry,
    name: 'nodewarden_node_restarts_total',
    help: 'Restarts of the node since nodewarden started, by reason (restarting event reason, or the backoff reason for a retry).',
    labelNames: ['node', 'group', 'reason'],
    fill: (emit) => {
      for (const [node, reason, n] of restarts.entries()) {
        const spec = src.supervisor.spec(node);
        if (spec) emit({ node, group: spec.sync.group, reason }, n);
        else restarts.forget(node);
      }
    },
  });
  scrapeCounter({
    registry,
    name: 'nodewarden_store_write_errors_total',
    help: 'Failed write transactions to the state database.',
    labelNames: [],
    fill: (emit) => emit({}, src.store.stats().writeErrors),
  });
  scrapeCounter({
    registry,
    name: 'nodewarden_store_dropped_writes_total',
    help: 'Writes the state database never accepted (backlog overflow, refused rows).',
    labelNames: [],
    fill: (emit) => emit({}, src.store.stats().dropped),
  });
  scrapeGauge({
    registry,
    name: 'nodewarden_store_pending_writes',
    help: 'Writes waiting in memory for the state database to accept them.',
    labelNames: [],
    fill: (emit) => emit({}, src.store.stats().backlog),
  });
  scrapeCounter({
    registry,
    name: 'nodewarden_bus_consumer_errors_total',
    help: 'Exceptions thrown by event bus subscribers (caught and logged).',
    labelNames: [],
    fill: (emit) => emit({}, src.bus.consumerErrors),
  });
  new Gauge({
    name: 'nodewarden_build_info',
    help: 'nodewarden build information (value always 1).',
    labelNames: ['version'],
    registers: [registry],
  }).set({ version: VERSION }, 1);
  const c = src.containment;
  if (c) {
    new Gauge({
      name: 'nodewarden_containment_info',
      help: 'How node process trees are contained (value always 1): mode "cgroup" (one cgroup per node, below the cgroup named in the cgroup label) or "sweep" (process group + session sweep).',
      labelNames: ['mode', 'cgroup'],
      registers: [registry],
    }).set({ mode: c.mode, cgroup: c.mode === 'cgroup' ? c.cgroup : '' }, 1);
  }
  return off;
}
