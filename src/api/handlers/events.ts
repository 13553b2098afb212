import { EVENT_TYPES, type EventType } from '../../events/types.js';
import type { EventsResponse } from '../../protocol/types.js';
import type { StoreReader } from '../../store/types.js';
import type { ApiContext } from '../context.js';
import { badInput } from '../errors.js';
import { daemonNames, nodeFilter, type ConfiguredNames } from './node-filter.js';
import { sinceAt } from './uptime.js';

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
  return readEvents(ctx.daemon.store, daemonNames(ctx.daemon), ctx.daemon.clock.wallNow(), q);
}

/**
 * The events answer from any store reader (the daemon's, or a stopped
 * daemon's database); a glob in `node` is resolved against `configured`.
 */
export function readEvents(
  store: StoreReader,
  configured: ConfiguredNames,
  now: number,
  q: EventsInput,
): EventsResponse {
  const types = q.type === undefined ? undefined : parseTypes(q.type);
  const sinceMs = q.since === undefined ? undefined : sinceAt(now, q.since);
  const node = nodeFilter(configured, q.node);
  const events = store.queryEvents({
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
