import Fastify, { type FastifyInstance } from 'fastify';
import { NodewardenError } from '../errors.js';
import { PROTOCOL_HEADER, PROTOCOL_VERSION } from '../protocol/types.js';
import { registerWebRoutes } from '../web/routes.js';
import { requireAllowedHost, requireBearer, type HostPolicy } from './auth.js';
import { Lifecycle, type ApiContext, type ControlHost } from './context.js';
import { formatSchemaErrors, toErrorReply, type SchemaFailure } from './errors.js';
import { registerEventsStream } from './events-stream.js';
import { registerApiRoutes } from './routes.js';

export interface AppOptions {
  /** Require `Authorization: Bearer <token>` on every route (the TCP listener). */
  token?: string | null;
  /** Answer only requests for these hosts and refuse foreign origins (the TCP listener; checked before the token). */
  hosts?: HostPolicy;
  /** Shared by the apps of one control server, so closing aborts the waits of both. */
  lifecycle?: Lifecycle;
}

/**
 * The control API as a fastify app, not yet listening: the daemon's routes
 * (routes.ts), the web routes (/metrics, /), one error shape, the protocol
 * header on every reply, and, for TCP, the Host/Origin guard and the
 * bearer check (the Unix socket needs neither: its file mode decides). Tests
 * drive it in process with `app.inject`.
 */
export function buildApp(daemon: ControlHost, opts: AppOptions = {}): FastifyInstance {
  const app = Fastify({
    logger: false,
    bodyLimit: 256 * 1024,
    // `--wait` requests have been answered by the time we close (lifecycle); what is left is idle or live views.
    forceCloseConnections: true,
    ajv: { customOptions: { removeAdditional: false, allErrors: true, coerceTypes: true, verbose: true } },
    schemaErrorFormatter: (errors, dataVar) => formatSchemaErrors(errors as SchemaFailure[], dataVar),
  });
  const lifecycle = opts.lifecycle ?? new Lifecycle();
  const ctx: ApiContext = { daemon, lifecycle };

  if (opts.hosts) requireAllowedHost(app, opts.hosts);
  if (opts.token) requireBearer(app, opts.token);
  app.addHook('onRequest', async (req) => {
    const theirs = req.headers[PROTOCOL_HEADER];
    if (theirs !== undefined && String(theirs) !== String(PROTOCOL_VERSION)) {
      throw new NodewardenError(
        'E_PROTOCOL_MISMATCH',
        `the daemon speaks protocol v${PROTOCOL_VERSION}, the client v${String(theirs)}`,
        { hint: 'restart the daemon after upgrading nodewarden, or use the cli of the same version' },
      );
    }
  });
  app.addHook('onSend', async (_req, reply, payload) => {
    reply.header(PROTOCOL_HEADER, String(PROTOCOL_VERSION));
    return payload;
  });
  app.setErrorHandler((err, _req, reply) => {
    const { status, body } = toErrorReply(err);
    if (status >= 500) daemon.logger.error(`control API: ${body.error.message}`);
    return reply.code(status).send(body);
  });
  app.setNotFoundHandler((req, reply) =>
    reply.code(404).send({ error: { code: 'E_BAD_REQUEST', message: `no route ${req.method} ${req.url}` } }),
  );
  app.addHook('preClose', async () => lifecycle.close());

  registerApiRoutes(app, ctx);
  registerEventsStream(app, ctx);
  registerWebRoutes(app, daemon);
  return app;
}
