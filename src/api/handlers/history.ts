import { badSinceMessage, parseSince } from '../../protocol/duration.js';
import { HISTORY_FIELDS, type HistoryField, type HistoryResponse } from '../../protocol/types.js';
import { DEFAULT_POINTS } from '../../store/downsample.js';
import type { StoreReader } from '../../store/types.js';
import type { ApiContext } from '../context.js';
import { badInput, noSuchNode } from '../errors.js';
import type { ConfiguredNames } from './node-filter.js';
import { sinceAt } from './uptime.js';

/** Query of `GET /api/nodes/:name/history` (checked by its schema first). */
export interface HistoryInput {
  since?: string;
  until?: string;
  /** Comma-separated HISTORY_FIELDS; default all of them. */
  fields?: string;
  points?: number;
}

/** `GET /api/nodes/:name/history?since=1h&fields=height,reference,cpu,rss&points=300`. */
export function handleHistory(ctx: ApiContext, name: string, q: HistoryInput): HistoryResponse {
  return readHistory(ctx.daemon.store, ctx.daemon.supervisor, ctx.daemon.clock.wallNow(), name, q);
}

/**
 * A node's downsampled series from any store reader (the daemon's, or a
 * stopped daemon's database). A name that is neither configured nor ever
 * recorded is E_NODE_NOT_FOUND; a removed node's history stays readable.
 */
export function readHistory(
  store: StoreReader,
  configured: ConfiguredNames,
  now: number,
  name: string,
  q: HistoryInput,
): HistoryResponse {
  const sinceMs = sinceAt(now, q.since, '1h');
  let untilMs = now;
  if (q.until !== undefined) {
    const t = parseSince(q.until, now);
    if (t === null) throw badInput(badSinceMessage('until', q.until));
    untilMs = Math.min(now, t);
  }
  if (sinceMs >= untilMs) throw badInput(`since: must be before until, got ${JSON.stringify(q.since)}`);
  const fields = parseFields(q.fields);
  if (!configured.has(name) && store.uptime({ sinceMs: 0, nodes: [name] })[0]?.uptimePercent == null)
    throw noSuchNode(name);
  return store.history({ node: name, sinceMs, untilMs, fields, points: q.points ?? DEFAULT_POINTS });
}

/** `height,cpu` → the fields, in the order asked, each once; E_BAD_REQUEST quoting an unknown one. */
export function parseFields(text: string | undefined): HistoryField[] {
  if (text === undefined) return [...HISTORY_FIELDS];
  const out: HistoryField[] = [];
  for (const raw of text.split(',')) {
    const f = raw.trim();
    if (!(HISTORY_FIELDS as readonly string[]).includes(f))
      throw badInput(`fields: expected some of ${HISTORY_FIELDS.join(', ')}, got ${JSON.stringify(raw)}`);
    if (!out.includes(f as HistoryField)) out.push(f as HistoryField);
  }
  return out;
}
