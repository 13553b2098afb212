import { badSinceMessage, parseSince } from '../../protocol/duration.js';
import type { RankResponse, UptimeResponse } from '../../protocol/types.js';
import { DEFAULT_POINTS } from '../../store/downsample.js';
import type { StoreReader } from '../../store/types.js';
import type { ApiContext } from '../context.js';
import { badInput, noSuchNode } from '../errors.js';
import { daemonNames, nodeFilter, type ConfiguredNames } from './node-filter.js';

/** `since` (default `fallback`) relative to `now` → epoch ms; E_BAD_REQUEST quoting a bad value. */
export function sinceAt(now: number, since: string | undefined, fallback = '24h'): number {
  const text = since ?? fallback;
  const t = parseSince(text, now);
  if (t === null) throw badInput(badSinceMessage('since', text));
  return t;
}

/** Query of `GET /api/uptime`. */
export interface UptimeInput {
  since?: string;
  node?: string;
  /** 1: add each node's state timeline and the fleet's state counts. */
  timeline?: number;
  /** With `timeline`: most segments/ticks per node and points of the counts (default 300). */
  points?: number;
}

/**
 * `GET /api/uptime?since=24h|7d|30d[&node=name|glob][&timeline=1[&points=N]]`:
 * uptime % per node over the window, worst first; with `timeline=1` also each
 * node's state timeline and the fleet's nodes by state over time.
 */
export function handleUptime(ctx: ApiContext, q: UptimeInput): UptimeResponse {
  return readUptime(ctx.daemon.store, daemonNames(ctx.daemon), ctx.daemon.clock.wallNow(), q);
}

/**
 * The uptime answer from any store reader (the daemon's, or a stopped
 * daemon's database); a glob in `node` is resolved against `configured`.
 */
export function readUptime(
  store: StoreReader,
  configured: ConfiguredNames,
  now: number,
  q: UptimeInput,
): UptimeResponse {
  const untilMs = now;
  const sinceMs = sinceAt(now, q.since);
  if (sinceMs >= untilMs) throw badInput(`since: must be in the past, got ${JSON.stringify(q.since)}`);
  const filter = nodeFilter(configured, q.node);
  const only = filter === undefined ? {} : { nodes: typeof filter === 'string' ? [filter] : filter };
  const nodes = store.uptime({ sinceMs, untilMs, ...only });
  // A name neither configured nor ever recorded is unknown, as `status` says of it.
  if (typeof filter === 'string' && !configured.has(filter) && nodes.every((r) => r.uptimePercent === null))
    throw noSuchNode(filter);
  if (q.timeline !== 1) return { sinceMs, untilMs, nodes };
  const { timelines, states } = store.timelines({
    sinceMs,
    untilMs,
    nodes: nodes.map((r) => r.node),
    points: q.points ?? DEFAULT_POINTS,
  });
  return {
    sinceMs,
    untilMs,
    nodes: nodes.map((r) => ({ ...r, timeline: timelines.get(r.node)! })),
    states,
  };
}

/** `GET /api/uptime/rank?since=24h|7d|…`: every node and target ranked by uptime, then median probe latency. */
export function handleUptimeRank(ctx: ApiContext, q: { since?: string }): RankResponse {
  return readUptimeRank(ctx.daemon.store, ctx.daemon.clock.wallNow(), q);
}

/** The ranking from any store reader (the daemon's, or a stopped daemon's database). */
export function readUptimeRank(store: StoreReader, now: number, q: { since?: string }): RankResponse {
  const untilMs = now;
  const sinceMs = sinceAt(now, q.since);
  if (sinceMs >= untilMs) throw badInput(`since: must be in the past, got ${JSON.stringify(q.since)}`);
  return { sinceMs, untilMs, rows: store.rank({ sinceMs, untilMs }) };
}
