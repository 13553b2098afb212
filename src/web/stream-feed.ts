import type { IncomingMessage, ServerResponse } from 'node:http';
import type { NodewardenEvent } from '../events/types.js';
import type { TimerHandle } from '../supervisor/clock.js';
import { buildStatusMessage, recentEvents, type PageSource } from './snapshot.js';
import { SSE_HEADERS, SSE_HEARTBEAT, SseClient, sseFrame } from './sse.js';

export interface StreamFeedOptions {
  /** At most one update per this many ms, however busy the bus (default 250: ~4/s). */
  minIntervalMs?: number;
  /** Re-send the status this often even without bus traffic: samples and probes are not events (default 5000). */
  refreshMs?: number;
  /** Comment frame this often (default 15000). */
  heartbeatMs?: number;
  /** Stored events sent on connect (default 50). */
  recentEvents?: number;
  /** A reader further behind than this is disconnected (default 1 MiB). */
  maxBufferedBytes?: number;
}

/**
 * `GET /api/stream`: the status page's live feed over Server-Sent Events.
 * On connect a reader gets `status` (the whole fleet) and `events` (recent
 * stored events); afterwards every bus `state`, `event`, `intent` or `target` change
 * marks the feed dirty and one coalesced update (`status`, then `events` with
 * only the new events) goes to every reader. Subscribed to the bus only while
 * someone is reading.
 */
export class StreamFeed {
  private readonly clients = new Set<SseClient>();
  private readonly opts: Required<StreamFeedOptions>;
  private offs: Array<() => void> = [];
  private pending: Array<{ seq: number; event: NodewardenEvent }> = [];
  private seq = 0;
  private flushTimer: TimerHandle | null = null;
  private refreshTimer: TimerHandle | null = null;
  private heartbeatTimer: TimerHandle | null = null;
  private lastFlush = -Infinity;
  private closed = false;

  constructor(
    private readonly src: PageSource,
    opts: StreamFeedOptions = {},
  ) {
    this.opts = {
      minIntervalMs: opts.minIntervalMs ?? 250,
      refreshMs: opts.refreshMs ?? 5000,
      heartbeatMs: opts.heartbeatMs ?? 15_000,
      recentEvents: opts.recentEvents ?? 50,
      maxBufferedBytes: opts.maxBufferedBytes ?? 1024 * 1024,
    };
  }

  /** Readers connected now. */
  get size(): number {
    return this.clients.size;
  }

  /** Take over a request's raw response (the route has hijacked it) and start streaming. */
  attach(req: IncomingMessage, res: ServerResponse): void {
    if (this.closed) {
      res
        .writeHead(503, { 'content-type': 'text/plain; charset=utf-8' })
        .end('nodewarden is shutting down\n');
      return;
    }
    res.writeHead(200, SSE_HEADERS);
    res.socket?.setNoDelay(true);
    if (this.clients.size === 0) this.subscribe();
    const client = new SseClient(res, this.seq, this.opts.maxBufferedBytes);
    this.clients.add(client);
    const drop = (): void => this.detach(client);
    req.on('close', drop);
    res.on('close', drop);
    client.write('retry: 3000\n\n');
    client.write(sseFrame('status', buildStatusMessage(this.src)));
    client.write(sseFrame('events', { events: recentEvents(this.src, this.opts.recentEvents) }));
  }

  /** End every stream and stop listening; later connections get 503. Idempotent. */
  close(): void {
    if (this.closed) return;
    this.closed = true;
    for (const c of this.clients) c.end();
    this.clients.clear();
    this.unsubscribe();
  }

  private detach(client: SseClient): void {
    if (!this.clients.delete(client)) return;
    client.end();
    if (this.clients.size === 0) this.unsubscribe();
  }

  private subscribe(): void {
    const { bus } = this.src;
    this.offs = [
      bus.on('state', () => this.markDirty()),
      bus.on('intent', () => this.markDirty()),
      bus.on('target', () => this.markDirty()),
      bus.on('event', (event) => {
        this.pending.push({ seq: ++this.seq, event });
        // a reader that never catches up must not make us hold events forever
        if (this.pending.length > 500) this.pending.splice(0, this.pending.length - 500);
        this.markDirty();
      }),
    ];
    this.armRefresh();
    this.armHeartbeat();
  }

  private unsubscribe(): void {
    for (const off of this.offs) off();
    this.offs = [];
    this.pending = [];
    const { clock } = this.src;
    for (const t of [this.flushTimer, this.refreshTimer, this.heartbeatTimer]) if (t) clock.clearTimer(t);
    this.flushTimer = this.refreshTimer = this.heartbeatTimer = null;
  }

  private markDirty(): void {
    if (this.flushTimer || this.clients.size === 0) return;
    const delay = Math.max(0, this.lastFlush + this.opts.minIntervalMs - this.src.clock.now());
    this.flushTimer = this.src.clock.setTimer(delay, () => {
      this.flushTimer = null;
      this.flush();
    });
  }

  private flush(): void {
    this.lastFlush = this.src.clock.now();
    const status = sseFrame('status', buildStatusMessage(this.src));
    const pending = this.pending;
    this.pending = [];
    const all = pending.length > 0 ? sseFrame('events', { events: pending.map((p) => p.event) }) : '';
    for (const c of this.clients) {
      c.write(status);
      if (pending.length === 0) continue;
      if (c.joinedSeq < pending[0]!.seq) c.write(all);
      else {
        // joined mid-batch: its first snapshot already had the older ones
        const fresh = pending.filter((p) => p.seq > c.joinedSeq).map((p) => p.event);
        if (fresh.length > 0) c.write(sseFrame('events', { events: fresh }));
      }
    }
  }

  private armRefresh(): void {
    this.refreshTimer = this.src.clock.setTimer(this.opts.refreshMs, () => {
      this.markDirty();
      this.armRefresh();
    });
  }

  private armHeartbeat(): void {
    this.heartbeatTimer = this.src.clock.setTimer(this.opts.heartbeatMs, () => {
      for (const c of this.clients) c.write(SSE_HEARTBEAT);
      this.armHeartbeat();
    });
  }
}
