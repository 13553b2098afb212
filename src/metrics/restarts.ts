import type { EventBus } from '../events/bus.js';

/**
 * Counts each node's restarts by reason for `nodewarden_node_restarts_total`.
 * The runner's own restart count (the snapshot's `restarts`) is the truth for
 * *how many*; bus events tell *why*: a `restarting` event names its reason,
 * and a retry out of `backoff` (which has no `restarting` event of its own)
 * takes the reason of the `backoff` event before it (`crash`, `failed_start`).
 * So the sum over reasons always equals what `status` shows as restarts,
 * counted from the moment the tracker was attached.
 */
export class RestartTracker {
  private readonly counts = new Map<string, Map<string, number>>();
  private readonly lastSeen = new Map<string, number>();
  private readonly pendingReason = new Map<string, string>();
  private readonly backoffReason = new Map<string, string>();
  /** Nodes that went to `starting` and whose step has not been settled yet. */
  private readonly unsettled = new Map<string, { from: string }>();
  private readonly offs: Array<() => void>;

  /** `restartsOf(node)` reads the runner's restart count, undefined for an unknown node. */
  constructor(
    bus: EventBus,
    private readonly restartsOf: (node: string) => number | undefined,
    nodes: readonly string[],
  ) {
    for (const n of nodes) this.lastSeen.set(n, restartsOf(n) ?? 0);
    this.offs = [
      bus.on('event', (e) => {
        if (e.node === null) return;
        if (e.type === 'restarting') this.pendingReason.set(e.node, e.reason ?? 'unknown');
        else if (e.type === 'backoff') this.backoffReason.set(e.node, e.reason ?? 'crash');
      }),
      bus.on('state', (s) => {
        // A new change means the node's previous step is complete.
        this.settle(s.node);
        if (s.to === 'stopped') this.pendingReason.delete(s.node);
        if (s.to !== 'starting') return;
        // The state change is told before the runner performs the spawn (which
        // counts the restart) and before the `restarting` event of the same
        // step: settle once that step is done (its end, or the node's next change).
        const mark = { from: s.from };
        this.unsettled.set(s.node, mark);
        queueMicrotask(() => {
          if (this.unsettled.get(s.node) === mark) this.settle(s.node);
        });
      }),
    ];
  }

  /** Every (node, reason, count) seen so far. */
  *entries(): Generator<[node: string, reason: string, count: number]> {
    for (const [node, byReason] of this.counts) for (const [reason, n] of byReason) yield [node, reason, n];
  }

  /** Drop a node that left the configuration. */
  forget(node: string): void {
    this.counts.delete(node);
    this.lastSeen.delete(node);
    this.pendingReason.delete(node);
    this.backoffReason.delete(node);
    this.unsettled.delete(node);
  }

  close(): void {
    for (const off of this.offs) off();
  }

  private settle(node: string): void {
    const mark = this.unsettled.get(node);
    if (!mark) return;
    this.unsettled.delete(node);
    const from = mark.from;
    const now = this.restartsOf(node);
    if (now === undefined) return;
    const prev = this.lastSeen.get(node) ?? 0;
    this.lastSeen.set(node, now);
    const reason = this.pendingReason.get(node);
    this.pendingReason.delete(node);
    // delta <= 0: a plain start (or a fresh runner after a reload re-added the node)
    const delta = now - prev;
    if (delta <= 0) return;
    const why = reason ?? (from === 'backoff' ? (this.backoffReason.get(node) ?? 'crash') : 'unknown');
    let byReason = this.counts.get(node);
    if (!byReason) this.counts.set(node, (byReason = new Map()));
    byReason.set(why, (byReason.get(why) ?? 0) + delta);
  }
}
