import type { FastifyInstance } from 'fastify';
import type { EventType, NodewardenEvent } from '../events/types.js';
import { PROTOCOL_HEADER, PROTOCOL_VERSION } from '../protocol/types.js';
import { SSE_HEADERS, SSE_HEARTBEAT, SseClient, sseFrame } from '../web/sse.js';
import type { ApiContext } from './context.js';
import { handleEvents, parseTypes, type EventsInput } from './handlers/events.js';
import { nodeTest } from './handlers/node-filter.js';
import * as s from './schemas.js';

/** A follower further behind than this is cut off (it sees its stream end). */
const MAX_BUFFERED_BYTES = 4 * 1024 * 1024;
/** A comment frame this often keeps an idle stream from being taken for dead. */
const HEARTBEAT_MS = 15_000;

/**
 * `GET /api/events/stream` (`nodewarden events -f`): Server-Sent Events. First
 * one `events` frame with the stored events the query selects (exactly what
 * `GET /api/events` answers: newest first), then one `event` frame per event
 * recorded from then on that passes the same `node` / `type` filters (a
 * glob in `node`: the first frame has the configured nodes it matches, and
 * one that matches none is E_NODE_NOT_FOUND), until the client goes or the
 * daemon stops.
 *
 * Nothing is lost or shown twice at the seam: the bus subscription and the
 * store read happen in one synchronous turn of the daemon's event loop, and
 * the read flushes the store's pending writes, so every event is either in
 * the first frame (already stored) or arrives on the bus afterwards. Live
 * events are the bus's: a crash loop's repeats, which the store folds into
 * one row, each come as they happen (without a stored `id`).
 */
export function registerEventsStream(app: FastifyInstance, ctx: ApiContext): void {
  app.get<{ Querystring: EventsInput }>(
    '/api/events/stream',
    { schema: { querystring: s.eventsQuery } },
    (req, reply) => {
      const q = req.query;
      const types: ReadonlySet<EventType> | null = q.type === undefined ? null : new Set(parseTypes(q.type));
      const { signal } = ctx.lifecycle;
      if (signal.aborted) throw new Error('the daemon is shutting down');
      const ofNode = nodeTest(q.node);
      const matches = (e: NodewardenEvent): boolean =>
        ofNode(e.node) && (types === null || types.has(e.type));

      // The stored events, then the subscription, in one synchronous turn: nothing can come between.
      const { events } = handleEvents(ctx, q);
      const pending: NodewardenEvent[] = [];
      let client: SseClient | null = null;
      const off = ctx.daemon.bus.on('event', (e) => {
        if (!matches(e)) return;
        if (client) client.write(sseFrame('event', e));
        else pending.push(e);
      });

      // Everything that can fail is done above: from here on the response is ours.
      reply.hijack();
      const res = reply.raw;
      res.writeHead(200, { ...SSE_HEADERS, [PROTOCOL_HEADER]: String(PROTOCOL_VERSION) });
      res.socket?.setNoDelay(true);
      const sse = new SseClient(res, 0, MAX_BUFFERED_BYTES);
      sse.write(sseFrame('events', { events }));
      for (const e of pending) sse.write(sseFrame('event', e));
      client = sse;

      const { clock } = ctx.daemon;
      let heartbeat = clock.setTimer(HEARTBEAT_MS, function beat() {
        sse.write(SSE_HEARTBEAT);
        heartbeat = clock.setTimer(HEARTBEAT_MS, beat);
      });
      const end = (): void => {
        off();
        clock.clearTimer(heartbeat);
        signal.removeEventListener('abort', end);
        sse.end();
      };
      signal.addEventListener('abort', end);
      req.raw.on('close', end);
      res.on('close', end);
    },
  );
}
