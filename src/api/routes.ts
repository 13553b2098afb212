import type { FastifyInstance, FastifyRequest } from 'fastify';
import { compileGlob, isGlob } from '../protocol/targets.js';
import type { ActionRequest, ActionVerb, ExportKind, ShutdownRequest } from '../protocol/types.js';
import type { ApiContext } from './context.js';
import { noSuchNode } from './errors.js';
import { handleAction } from './handlers/action.js';
import { handleEvents, type EventsInput } from './handlers/events.js';
import { handleExport, type ExportInput } from './handlers/export.js';
import { handleHello } from './handlers/hello.js';
import { handleLogs } from './handlers/logs.js';
import { handleReload } from './handlers/reload.js';
import { handleShutdown } from './handlers/shutdown.js';
import { handleNode, handleStatus } from './handlers/status.js';
import { handleUptime } from './handlers/uptime.js';
import * as s from './schemas.js';

/**
 * The control API's routes (DESIGN §6): each one validates its input by
 * schema and hands it to its handler in handlers/, which knows nothing of HTTP.
 * Errors thrown by a handler become `{error: {code, message}}` in app.ts.
 */
export function registerApiRoutes(app: FastifyInstance, ctx: ApiContext): void {
  // A POST whose body is optional may come without one (`curl -X POST`): validate it as `{}`.
  const optionalBody = async (req: FastifyRequest): Promise<void> => {
    req.body ??= {};
  };

  app.get('/api/hello', async () => handleHello());

  app.get('/api/status', async () => handleStatus(ctx));

  app.get<{ Params: { name: string } }>(
    '/api/nodes/:name',
    { schema: { params: s.nodeParams } },
    async (req) => handleNode(ctx, req.params.name),
  );

  app.post<{ Params: { name: string; verb: ActionVerb }; Body: { wait?: boolean; timeoutMs?: number } }>(
    '/api/nodes/:name/:verb',
    { schema: { params: s.nodeActionParams, body: s.nodeActionBody }, preValidation: optionalBody },
    async (req) => {
      const { name, verb } = req.params;
      // One node by name: a name (not a glob, not `all`) that is not configured is a 404 here.
      if (name !== 'all' && !isGlob(name) && !ctx.daemon.supervisor.has(name)) throw noSuchNode(name);
      checkGlobs([name]);
      return handleAction(ctx, verb, { targets: [name], ...req.body });
    },
  );

  app.post<{ Params: { verb: ActionVerb }; Body: ActionRequest }>(
    '/api/actions/:verb',
    { schema: { params: s.actionParams, body: s.actionBody } },
    async (req) => {
      checkGlobs(req.body.targets);
      return handleAction(ctx, req.params.verb, req.body);
    },
  );

  app.post(
    '/api/reload',
    { schema: { body: s.emptyBody }, preValidation: optionalBody },
    async (_req, reply) => {
      const res = await handleReload(ctx);
      return reply.code(res.ok ? 200 : 422).send(res);
    },
  );

  app.get<{ Querystring: EventsInput }>(
    '/api/events',
    { schema: { querystring: s.eventsQuery } },
    async (req) => handleEvents(ctx, req.query),
  );

  app.get<{ Querystring: { since?: string; node?: string } }>(
    '/api/uptime',
    { schema: { querystring: s.uptimeQuery } },
    async (req) => handleUptime(ctx, req.query),
  );

  app.get<{ Params: { name: string }; Querystring: { n?: number } }>(
    '/api/logs/:name',
    { schema: { params: s.nodeParams, querystring: s.logsQuery } },
    async (req) => handleLogs(ctx, req.params.name, req.query.n),
  );

  app.get<{ Params: { kind: ExportKind }; Querystring: ExportInput }>(
    '/api/export/:kind',
    { schema: { params: s.exportParams, querystring: s.exportQuery } },
    async (req, reply) => {
      const out = handleExport(ctx, req.params.kind, req.query);
      return reply.type(out.contentType).send(out.body);
    },
  );

  app.post<{ Body: ShutdownRequest }>(
    '/api/shutdown',
    { schema: { body: s.shutdownBody }, preValidation: optionalBody },
    async (req, reply) => {
      const { response, afterReply } = handleShutdown(ctx, req.body);
      // Stop only once the answer is out: stopping closes this very server.
      reply.raw.once('finish', afterReply);
      return reply.send(response);
    },
  );
}

/** Refuse a request with an unusable glob (a reversed range) before any of its targets is acted on. */
function checkGlobs(targets: readonly string[]): void {
  for (const t of targets) if (isGlob(t)) compileGlob(t);
}
