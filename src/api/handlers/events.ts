import { EVENT_TYPES, type EventType } from '../../events/types.js';
import type { EventsResponse } from '../../protocol/types.js';
import type { ApiContext } from '../context.js';
import { badInput } from '../errors.js';
import { nodeFilter } from './node-filter.js';
import { sinceOrDefault } from './uptime.js';

/** Query of `GET /api/events` (validated by the route's schema first). */
export interface EventsInput {
  node?: string;
  /** One event type or several, comma-separated. */
  type?: string;
  since?: string;
  limit?: number;
  /** `desc` (newest first, the default) or `asc`; either way the newest `limit` events. */
  order?: 'asc' | 'desc';
}

const KNOWN: ReadonlySet<string> = new Set(EVENT_TYPES);

/** `GET /api/events`: the newest stored events (default 100), newest first unless `order=asc`. */
export function handleEvents(ctx: ApiContext, q: EventsInput): EventsResponse {
  const types = q.type === undefined ? undefined : parseTypes(q.type);
  const sinceMs = q.since === undefined ? undefined : sinceOrDefault(ctx, q.since);
  const node = nodeFilter(ctx, q.node);
  const events = ctx.daemon.store.queryEvents({
    ...(node !== undefined ? { node } : {}),
    ...(types !== undefined ? { type: types } : {}),
    ...(sinceMs !== undefined ? { sinceMs } : {}),
    limit: q.limit ?? 100,
  });
  return { events: q.order === 'asc' ? events.reverse() : events };
}

/** `crashed,fatal` → the types, each checked against the contract's list. */
export function parseTypes(text: string): EventType[] {
  const types = text.split(',').map((t) => t.trim());
  const bad = types.filter((t) => !KNOWN.has(t));
  if (bad.length > 0) {
    throw badInput(
      `type: unknown event type ${bad.map((b) => JSON.stringify(b)).join(', ')}; known: ${EVENT_TYPES.join(', ')}`,
    );
  }
  return types as EventType[];
}
