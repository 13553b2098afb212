import type { Registry } from 'prom-client';
import { scrapeCounter, scrapeGauge } from './collectors.js';

/** What the alert metrics read from the daemon's alerter (a structural subset of `Alerter`). */
export interface AlertMetricsSource {
  backlog(): ReadonlyArray<{ channel: string; pending: number; oldestCreatedTs: number | null }>;
  stats(): { readonly sent: number; readonly failed: number };
}

/**
 * The alert outbox as Prometheus sees it: alerts waiting per channel kind and
 * the age of the oldest (an outbox backing up means mail or webhooks are not
 * getting through), plus alerts sent and given up. `alerts()` is read on every
 * scrape; nothing is exported before an alerter is attached.
 */
export function registerAlertMetrics(registry: Registry, alerts: () => AlertMetricsSource | null): void {
  scrapeGauge({
    registry,
    name: 'nodewarden_alert_outbox_pending',
    help: 'Alerts waiting in the outbox to be sent (retried with backoff), by channel kind (email, webhook).',
    labelNames: ['channel'],
    fill: (emit) => {
      for (const b of alerts()?.backlog() ?? []) emit({ channel: b.channel }, b.pending);
    },
  });
  scrapeGauge({
    registry,
    name: 'nodewarden_alert_outbox_oldest_pending_timestamp_seconds',
    help: 'Creation time of the oldest alert waiting in the outbox, seconds since the epoch; absent when none waits.',
    labelNames: ['channel'],
    fill: (emit) => {
      for (const b of alerts()?.backlog() ?? [])
        emit({ channel: b.channel }, b.oldestCreatedTs === null ? null : b.oldestCreatedTs / 1000);
    },
  });
  scrapeCounter({
    registry,
    name: 'nodewarden_alerts_sent_total',
    help: 'Alerts delivered (a mail or webhook POST per channel) since nodewarden started.',
    labelNames: [],
    fill: (emit) => emit({}, alerts()?.stats().sent ?? null),
  });
  scrapeCounter({
    registry,
    name: 'nodewarden_alerts_failed_total',
    help: 'Alerts given up after their retries (each also recorded as an alert_failed event).',
    labelNames: [],
    fill: (emit) => emit({}, alerts()?.stats().failed ?? null),
  });
}
