import { badSinceMessage, parseSince } from '../../protocol/duration.js';
import type { UptimeResponse } from '../../protocol/types.js';
import type { ApiContext } from '../context.js';
import { badInput, noSuchNode } from '../errors.js';
import { nodeFilter } from './node-filter.js';

/** `since` of an uptime window → epoch ms (default the last 24 h); E_BAD_REQUEST quoting a bad value. */
export function sinceOrDefault(ctx: ApiContext, since: string | undefined, fallback = '24h'): number {
  const text = since ?? fallback;
  const t = parseSince(text, ctx.daemon.clock.wallNow());
  if (t === null) throw badInput(badSinceMessage('since', text));
  return t;
}

/** `GET /api/uptime?since=24h|7d|30d[&node=name|glob]`: uptime % per node over the window, worst first. */
export function handleUptime(ctx: ApiContext, q: { since?: string; node?: string }): UptimeResponse {
  const untilMs = ctx.daemon.clock.wallNow();
  const sinceMs = sinceOrDefault(ctx, q.since);
  if (sinceMs >= untilMs) throw badInput(`since: must be in the past, got ${JSON.stringify(q.since)}`);
  const filter = nodeFilter(ctx, q.node);
  const only = filter === undefined ? {} : { nodes: typeof filter === 'string' ? [filter] : filter };
  const nodes = ctx.daemon.store.uptime({ sinceMs, untilMs, ...only });
  // A name neither configured nor ever recorded is unknown, as `status` says of it.
  if (
    typeof filter === 'string' &&
    !ctx.daemon.supervisor.has(filter) &&
    nodes.every((r) => r.uptimePercent === null)
  )
    throw noSuchNode(filter);
  return { sinceMs, untilMs, nodes };
}
