import type { Registry } from 'prom-client';
import type { NodeLogStats } from '../supervisor/supervisor.js';
import type { NodeSnapshot } from '../supervisor/runner.js';
import { NODE_STATES, type Health } from '../supervisor/states.js';
import { liveObservation } from '../api/status.js';
import { scrapeCounter, scrapeGauge, perScrape } from './collectors.js';
import { known, type MetricObservation, type MetricsSource } from './source.js';

/** Every health value (DESIGN §2), each exported as its own 0/1 series. */
export const HEALTHS: readonly Health[] = ['unknown', 'syncing', 'in_sync', 'out_of_sync', 'unreachable'];

/** What one scrape knows of one node. */
interface NodeRow {
  readonly node: string;
  readonly group: string;
  readonly snap: NodeSnapshot;
  readonly obs: MetricObservation;
  readonly log: NodeLogStats | undefined;
}

/**
 * Per-node gauges and counters, all read at scrape time from the supervisor's
 * snapshots, the watchers' observations and the log writers. A value nobody
 * knows yet (no sampler, no height probe) is left out, never exported as 0.
 * Every series names its `node` and the node's `group` (`sync.group`), so one
 * Prometheus can tell chains apart; the registry adds `host`.
 */
export function registerNodeMetrics(registry: Registry, src: MetricsSource): void {
  const rows = perScrape((): NodeRow[] =>
    src.supervisor.snapshots().map((snap) => ({
      node: snap.name,
      group: src.supervisor.spec(snap.name)?.sync.group ?? snap.name,
      snap,
      // Like status: no CPU, memory or height of a process that is gone.
      obs: liveObservation(snap.state, src.observe(snap.name)) as MetricObservation,
      log: src.supervisor.logStats(snap.name),
    })),
  );
  const each = (fn: (r: NodeRow) => void): void => rows().forEach(fn);

  scrapeGauge({
    registry,
    name: 'nodewarden_node_state',
    help: 'Lifecycle state of the node: 1 for the current state, 0 for the others.',
    labelNames: ['node', 'group', 'state'],
    fill: (emit) =>
      each((r) =>
        NODE_STATES.forEach((state) =>
          emit({ node: r.node, group: r.group, state }, r.snap.state === state ? 1 : 0),
        ),
      ),
  });
  scrapeGauge({
    registry,
    name: 'nodewarden_node_health',
    help: 'Sync health of the node: 1 for the current health, 0 for the others.',
    labelNames: ['node', 'group', 'health'],
    fill: (emit) =>
      each((r) => {
        const current = r.obs.health ?? 'unknown';
        HEALTHS.forEach((health) =>
          emit({ node: r.node, group: r.group, health }, current === health ? 1 : 0),
        );
      }),
  });
  scrapeGauge({
    registry,
    name: 'nodewarden_node_up',
    help: 'Whether the node is in state running (started and past restart.startSeconds).',
    labelNames: ['node', 'group'],
    fill: (emit) => each((r) => emit({ node: r.node, group: r.group }, r.snap.state === 'running' ? 1 : 0)),
  });
  scrapeGauge({
    registry,
    name: 'nodewarden_node_held',
    help: 'Whether automatic actions on the node are suspended by `hold`.',
    labelNames: ['node', 'group'],
    fill: (emit) => each((r) => emit(nodeLabels(r), r.snap.held ? 1 : 0)),
  });
  scrapeGauge({
    registry,
    name: 'nodewarden_node_queued',
    help: 'Whether the node waits in the start queue (startup.concurrency / startup.intervalMs); status shows it `queued`.',
    labelNames: ['node', 'group'],
    fill: (emit) => each((r) => emit(nodeLabels(r), src.supervisor.isQueued(r.node) ? 1 : 0)),
  });
  scrapeGauge({
    registry,
    name: 'nodewarden_node_start_time_seconds',
    help: 'Start time of the node process (a re-adopted survivor: its real start), seconds since the epoch; absent without a process.',
    labelNames: ['node', 'group'],
    fill: (emit) =>
      each((r) => emit(nodeLabels(r), r.snap.startedAt === null ? null : r.snap.startedAt / 1000)),
  });
  scrapeGauge({
    registry,
    name: 'nodewarden_node_info',
    help: 'Node metadata from its probes (value always 1); empty labels are unknown.',
    labelNames: ['node', 'group', 'version', 'peer_id'],
    fill: (emit) =>
      each((r) =>
        emit({ node: r.node, group: r.group, version: r.obs.version ?? '', peer_id: r.obs.peerId ?? '' }, 1),
      ),
  });
  scrapeGauge({
    registry,
    name: 'nodewarden_node_peers',
    help: 'Peers the node is connected to (its `peers` probe); absent when unknown or without a process.',
    labelNames: ['node'],
    fill: (emit) => each((r) => emit({ node: r.node }, known(r.obs.peers))),
  });
  registerResourceMetrics(registry, each);
  registerSyncMetrics(registry, each);
  registerLogMetrics(registry, each);
}

type Each = (fn: (r: NodeRow) => void) => void;

/** The labels of a per-node series: the node and its sync group (`sync.group`, default the node's name). */
function nodeLabels(r: NodeRow): { node: string; group: string } {
  return { node: r.node, group: r.group };
}

function registerResourceMetrics(registry: Registry, each: Each): void {
  scrapeCounter({
    registry,
    name: 'nodewarden_node_cpu_seconds_total',
    help: 'CPU time used by the node process tree, in seconds (from the sampler).',
    labelNames: ['node', 'group'],
    fill: (emit) => each((r) => emit(nodeLabels(r), known(r.obs.cpuSecondsTotal))),
  });
  scrapeGauge({
    registry,
    name: 'nodewarden_node_cpu_usage_ratio',
    help: 'CPU use of the node process tree at the last sample (1 = one core).',
    labelNames: ['node', 'group'],
    fill: (emit) =>
      each((r) => {
        const pct = known(r.obs.cpuPercent);
        emit(nodeLabels(r), pct === null ? null : pct / 100);
      }),
  });
  scrapeGauge({
    registry,
    name: 'nodewarden_node_resident_memory_bytes',
    help: 'Resident memory of the node process tree at the last sample, in bytes.',
    labelNames: ['node', 'group'],
    fill: (emit) => each((r) => emit(nodeLabels(r), known(r.obs.rssBytes))),
  });
}

function registerSyncMetrics(registry: Registry, each: Each): void {
  const sync = (name: string, help: string, pick: (o: MetricObservation) => unknown): void => {
    scrapeGauge({
      registry,
      name,
      help,
      labelNames: ['node', 'group'],
      fill: (emit) => each((r) => emit({ node: r.node, group: r.group }, known(pick(r.obs)))),
    });
  };
  sync('nodewarden_node_height', 'Chain height reported by the node (its `height` probe).', (o) => o.height);
  sync(
    'nodewarden_node_reference_height',
    "Reference height of the node's sync group (best in-sync member, or the quorum of its reference probes when higher).",
    (o) => o.referenceHeight,
  );
  sync(
    'nodewarden_node_lag_blocks',
    'Blocks the node is behind its reference height (0 when ahead).',
    (o) => o.lag,
  );
}

function registerLogMetrics(registry: Registry, each: Each): void {
  const counter = (name: string, help: string, pick: (s: NodeLogStats) => number): void => {
    scrapeCounter({
      registry,
      name,
      help,
      labelNames: ['node', 'group'],
      fill: (emit) => each((r) => emit(nodeLabels(r), r.log ? known(pick(r.log)) : null)),
    });
  };
  counter(
    'nodewarden_node_log_written_bytes_total',
    'Bytes of node output written to its log.',
    (s) => s.writtenBytes,
  );
  counter(
    'nodewarden_node_log_dropped_bytes_total',
    'Bytes of node output dropped because the log disk was full or slow.',
    (s) => s.droppedBytes,
  );
  counter(
    'nodewarden_node_log_dropped_lines_total',
    'Lines of node output dropped because the log disk was full or slow.',
    (s) => s.droppedLines,
  );
  counter('nodewarden_node_log_rotations_total', 'Rotations of the node log.', (s) => s.rotations);
  counter(
    'nodewarden_node_log_reopens_total',
    'Times the node log was found deleted or moved away and opened anew.',
    (s) => s.reopens ?? 0,
  );
}
