import { buildStatus, type ObservationSource } from '../api/status.js';
import type { Redact } from '../config/redact.js';
import type { EventBus } from '../events/bus.js';
import type { NodewardenEvent } from '../events/types.js';
import type { NodeStatus, TargetStatus } from '../protocol/types.js';
import type { Clock } from '../supervisor/clock.js';
import { STATUS_STATES, type StatusState } from '../supervisor/states.js';
import type { Supervisor } from '../supervisor/supervisor.js';
import type { EventQuery, StoredEvent } from '../store/index.js';
import { VERSION } from '../version.js';

/** What the status page is built from: a structural subset of `Daemon`. */
export interface PageSource {
  readonly supervisor: Supervisor;
  readonly store: { queryEvents(q?: EventQuery): StoredEvent[] };
  readonly bus: EventBus;
  readonly clock: Clock;
  observe: ObservationSource;
  readonly stopped?: Promise<void>;
  /** Masks secrets in what the page shows (the nodes' figures; events arrive masked already: bus and store redact them). */
  readonly redaction?: Redact;
  /** The watch-only targets' rows (absent: none). */
  readonly targetStatus?: () => TargetStatus[];
}

/** SSE `status` message: the whole fleet, as `GET /api/status` shows it, plus the header's facts. */
export interface StatusMessage {
  host: string;
  version: string;
  /** Wall-clock ms when the snapshot was taken. */
  ts: number;
  /** Nodes per state (`queued` included), every state present (0 when none). */
  counts: Record<StatusState, number>;
  nodes: NodeStatus[];
  /** The watch-only targets, as `GET /api/targets` shows them. */
  targets: TargetStatus[];
}

/** SSE `events` message: events oldest first (on connect, the most recent ones from the store). */
export interface EventsMessage {
  events: NodewardenEvent[];
}

/** Take one snapshot of the fleet for the page (probe answers such as `version` redacted). */
export function buildStatusMessage(src: PageSource): StatusMessage {
  const ts = src.clock.wallNow();
  const raw = buildStatus(src.supervisor, src.observe, ts);
  const nodes = src.redaction ? src.redaction.value(raw) : raw;
  const counts = Object.fromEntries(STATUS_STATES.map((s) => [s, 0])) as Record<StatusState, number>;
  for (const n of nodes) if (n.state in counts) counts[n.state as StatusState]++;
  const rawTargets = src.targetStatus?.() ?? [];
  const targets = src.redaction ? src.redaction.value(rawTargets) : rawTargets;
  return { host: src.supervisor.managerConfig().host.name, version: VERSION, ts, counts, nodes, targets };
}

/** The last `limit` stored events, oldest first; empty if the store cannot be read (closing). */
export function recentEvents(src: PageSource, limit: number): NodewardenEvent[] {
  try {
    // Masked already: the store redacts every event it reads (Store.redactReads).
    return src.store.queryEvents({ limit, order: 'desc' }).reverse();
  } catch {
    return [];
  }
}
