import { Counter, Gauge, type Registry } from 'prom-client';
import { EVENT_TYPES, type RestartReason } from '../events/types.js';
import { VERSION } from '../version.js';
import { scrapeCounter, scrapeGauge } from './collectors.js';
import type { RestartTracker } from './restarts.js';
import type { MetricsSource } from './source.js';

/** Reasons of `nodewarden_node_restarts_total`: those of `restarting` events, and a retry after a failed start. */
export const RESTART_REASONS: readonly (RestartReason | 'failed_start')[] = [
  'crash',
  'failed_start',
  'out_of_sync',
  'unreachable',
  'resource',
  'manual',
  'config',
  'upgrade',
];

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
      const counts = new Map<string, Map<string, number>>();
      for (const [node, reason, n] of restarts.entries()) {
        if (!src.supervisor.has(node)) restarts.forget(node);
        else counts.set(node, (counts.get(node) ?? new Map<string, number>()).set(reason, n));
      }
      // Every known reason starts at 0, so that increase() sees a node's first restarts.
      for (const node of src.supervisor.names()) {
        const group = src.supervisor.spec(node)?.sync.group ?? node;
        const byReason = counts.get(node) ?? new Map<string, number>();
        for (const reason of RESTART_REASONS) if (!byReason.has(reason)) byReason.set(reason, 0);
        for (const [reason, n] of byReason) emit({ node, group, reason }, n);
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
