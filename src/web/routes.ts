import type { FastifyInstance } from 'fastify';
import type { ControlHost } from '../api/context.js';
import { metricsFor } from '../metrics/registry.js';
import { PAGE_HEADERS, PAGE_HTML } from './page.js';
import { StreamFeed, type StreamFeedOptions } from './stream-feed.js';

/**
 * The browser- and Prometheus-facing routes of the control server (DESIGN §6):
 * `GET /metrics` (Prometheus text format), `GET /` (the status page) and
 * `GET /api/stream` (its Server-Sent Events feed). Authentication is the
 * server's business; see auth.ts for the `?token=` these routes need over TCP.
 * Registering creates the daemon's metrics (counting starts now) and one feed
 * per server, ended by the server's `preClose` and by the daemon's stop.
 */
export function registerWebRoutes(
  app: FastifyInstance,
  daemon: ControlHost,
  opts: { stream?: StreamFeedOptions } = {},
): void {
  const metrics = metricsFor(daemon);
  const feed = new StreamFeed(daemon, opts.stream);
  app.addHook('preClose', (done) => {
    feed.close();
    done();
  });
  void daemon.stopped.then(() => feed.close());

  app.get('/metrics', async (_req, reply) => {
    const body = await metrics.registry.metrics();
    return reply.header('content-type', metrics.registry.contentType).send(body);
  });

  app.get('/', async (_req, reply) => reply.headers(PAGE_HEADERS).send(PAGE_HTML));

  app.get('/api/stream', (req, reply) => {
    // The stream outlives this handler: fastify hands the raw response over to the feed.
    reply.hijack();
    feed.attach(req.raw, reply.raw);
  });
}
