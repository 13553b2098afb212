import { Counter, Histogram, type Registry } from 'prom-client';

/** Records one finished probe: its duration, and whether it succeeded. */
export type ObserveProbe = (node: string, probe: string, seconds: number, ok: boolean) => void;

/** Probe buckets: loopback RPCs take milliseconds, remote explorers seconds, timeouts cap it. */
export const PROBE_BUCKETS = [0.005, 0.01, 0.025, 0.05, 0.1, 0.25, 0.5, 1, 2.5, 5, 10, 30];

/**
 * The probe duration histogram and failure counter, fed by the prober through
 * `observeProbe`, labelled with the node's sync group (`groupOf`). Series of
 * nodes that left the configuration, or whose group changed, are dropped at
 * scrape time.
 */
export function registerProbeMetrics(
  registry: Registry,
  groupOf: (name: string) => string | undefined,
): ObserveProbe {
  const seen = new Map<string, { node: string; group: string; probe: string }>();
  const prune = (): void => {
    for (const [key, labels] of seen) {
      if (groupOf(labels.node) === labels.group) continue;
      seen.delete(key);
      duration.remove(labels);
      failures.remove(labels);
    }
  };
  const duration = new Histogram({
    name: 'nodewarden_probe_duration_seconds',
    help: 'Duration of node probes (failures and timeouts included), in seconds.',
    labelNames: ['node', 'group', 'probe'],
    buckets: PROBE_BUCKETS,
    registers: [registry],
    collect: prune,
  });
  const failures = new Counter({
    name: 'nodewarden_probe_failures_total',
    help: 'Probes that failed or timed out.',
    labelNames: ['node', 'group', 'probe'],
    registers: [registry],
  });
  return (node, probe, seconds, ok) => {
    const group = groupOf(node);
    if (!Number.isFinite(seconds) || seconds < 0 || group === undefined) return;
    const labels = { node, group, probe };
    const key = `${node}\u0000${group}\u0000${probe}`;
    if (!seen.has(key)) {
      seen.set(key, labels);
      failures.inc(labels, 0);
    }
    duration.observe(labels, seconds);
    if (!ok) failures.inc(labels);
  };
}
