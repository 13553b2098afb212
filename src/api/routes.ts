import { PassThrough } from 'node:stream';
import type { FastifyInstance, FastifyReply, FastifyRequest } from 'fastify';
import { compileGlob, isGlob } from '../protocol/targets.js';
import {
  NDJSON,
  type ActionRequest,
  type ActionVerb,
  type ExportKind,
  type ShutdownRequest,
  type StreamError,
  type UpgradeRequest,
} from '../protocol/types.js';
import type { ApiContext } from './context.js';
import { noSuchNode, toErrorReply } from './errors.js';
import { handleAction } from './handlers/action.js';
import { streamRollout, streamShutdown, streamStop } from './handlers/progress.js';
import { handleEvents, type EventsInput } from './handlers/events.js';
import { handleExport, type ExportInput } from './handlers/export.js';
import { handleHello } from './handlers/hello.js';
import { handleLogs } from './handlers/logs.js';
import { handleReload } from './handlers/reload.js';
import { handleShutdown } from './handlers/shutdown.js';
import { handleNode, handleStatus } from './handlers/status.js';
import { planUpgrade, runUpgrade } from './handlers/upgrade.js';
import { handleUptime, handleUptimeRank, type UptimeInput } from './handlers/uptime.js';
import { handleHistory, type HistoryInput } from './handlers/history.js';
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

  app.get('/api/targets', async () => ctx.daemon.targetStatus?.() ?? []);

  app.get<{ Params: { name: string } }>(
    '/api/nodes/:name',
    { schema: { params: s.nodeParams } },
    async (req) => handleNode(ctx, req.params.name),
  );

  app.post<{
    Params: { name: string; verb: ActionVerb };
    Body: { wait?: boolean; timeoutMs?: number; progress?: boolean };
  }>(
    '/api/nodes/:name/:verb',
    { schema: { params: s.nodeActionParams, body: s.nodeActionBody }, preValidation: optionalBody },
    async (req, reply) => {
      const { name, verb } = req.params;
      // One node by name: a name (not a glob, not `all`) that is not configured is a 404 here.
      if (name !== 'all' && !isGlob(name) && !ctx.daemon.supervisor.has(name)) throw noSuchNode(name);
      checkGlobs([name]);
      const body: ActionRequest = { targets: [name], ...req.body };
      if (streamsProgress(verb, body))
        return streamLines(ctx, reply, (write) => streamStop(ctx, body, write));
      if (streamsRollout(verb, body))
        return streamLines(ctx, reply, (write) => streamRollout(ctx, body, write));
      return handleAction(ctx, verb, body);
    },
  );

  app.post<{ Params: { verb: ActionVerb }; Body: ActionRequest }>(
    '/api/actions/:verb',
    { schema: { params: s.actionParams, body: s.actionBody } },
    async (req, reply) => {
      checkGlobs(req.body.targets);
      if (streamsProgress(req.params.verb, req.body))
        return streamLines(ctx, reply, (write) => streamStop(ctx, req.body, write));
      if (streamsRollout(req.params.verb, req.body))
        return streamLines(ctx, reply, (write) => streamRollout(ctx, req.body, write));
      return handleAction(ctx, req.params.verb, req.body);
    },
  );

  app.post<{ Body: { dryRun?: boolean } }>(
    '/api/reload',
    { schema: { body: s.reloadBody }, preValidation: optionalBody },
    async (req, reply) => {
      const res = await handleReload(ctx, req.body.dryRun === true);
      return reply.code(res.ok ? 200 : 422).send(res);
    },
  );

  app.post<{ Body: UpgradeRequest }>(
    '/api/upgrade',
    { schema: { body: s.upgradeBody } },
    async (req, reply) => {
      checkGlobs(req.body.targets);
      // A config that does not validate refuses the upgrade before any line is streamed.
      const plan = await planUpgrade(ctx, req.body);
      return streamLines(ctx, reply, (write) => runUpgrade(ctx, plan, write));
    },
  );

  app.get<{ Querystring: EventsInput }>(
    '/api/events',
    { schema: { querystring: s.eventsQuery } },
    async (req) => handleEvents(ctx, req.query),
  );

  app.get<{ Params: { name: string }; Querystring: HistoryInput }>(
    '/api/nodes/:name/history',
    { schema: { params: s.nodeParams, querystring: s.historyQuery } },
    async (req) => handleHistory(ctx, req.params.name, req.query),
  );

  app.get<{ Querystring: UptimeInput }>(
    '/api/uptime',
    { schema: { querystring: s.uptimeQuery } },
    async (req) => handleUptime(ctx, req.query),
  );

  app.get<{ Querystring: { since?: string } }>(
    '/api/uptime/rank',
    { schema: { querystring: s.uptimeRankQuery } },
    async (req) => handleUptimeRank(ctx, req.query),
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
      if (req.body.progress === true)
        return streamLines(ctx, reply, (write) => streamShutdown(ctx, req.body, write));
      const { response, afterReply } = handleShutdown(ctx, req.body);
      // Stop only once the answer is out: stopping closes this very server.
      reply.raw.once('finish', afterReply);
      return reply.send(response);
    },
  );
}

/** `stop --wait` with `progress`: answered as a stream of its stop steps, then its results. */
function streamsProgress(verb: ActionVerb, req: ActionRequest): boolean {
  return verb === 'stop' && req.progress === true && (req.wait === true || req.timeoutMs !== undefined);
}

/** `restart --wait` with `progress`: answered as a stream of its rollout's steps, then its results. */
function streamsRollout(verb: ActionVerb, req: ActionRequest): boolean {
  return verb === 'restart' && req.progress === true && (req.wait === true || req.timeoutMs !== undefined);
}

/**
 * Answer with a stream of JSON lines (NDJSON) that `produce` writes as things
 * happen; an error after the first line becomes a last `{type: 'error'}` line.
 * The stream is tracked by the lifecycle, so a closing server lets it finish.
 */
function streamLines<L>(
  ctx: ApiContext,
  reply: FastifyReply,
  produce: (write: (line: L) => void) => Promise<void>,
): FastifyReply {
  const out = new PassThrough();
  const write = (line: L | StreamError): void => {
    if (!out.writableEnded) out.write(JSON.stringify(line) + '\n');
  };
  ctx.lifecycle.track(new Promise<void>((resolve) => reply.raw.once('close', () => resolve())));
  produce(write)
    .catch((err: unknown) => write({ type: 'error', ...toErrorReply(err).body }))
    .finally(() => out.end());
  return reply.type(NDJSON).send(out);
}

/** Refuse a request with an unusable glob (a reversed range) before any of its targets is acted on. */
function checkGlobs(targets: readonly string[]): void {
  for (const t of targets) if (isGlob(t)) compileGlob(t);
}
