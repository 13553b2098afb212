import { NodewardenError } from '../../errors.js';
import type { ControlClient } from '../../protocol/client.js';
import { badSinceMessage, parseSince } from '../../protocol/duration.js';
import { ExitCode, type ExitCodeValue } from '../exit-codes.js';
import { askOrRead } from '../offline.js';
import { eventsFollowCommand } from './events-follow.js';
import { renderEvents } from '../render/events.js';
import { useColor } from '../render/table.js';

export interface EventsOptions {
  node?: string;
  type?: string;
  since?: string;
  limit?: string;
  json?: boolean;
  follow?: boolean;
}

/** Checked on this side too, so a typo is a usage error before any request. */
export function checkSince(since: string | undefined): void {
  if (since !== undefined && parseSince(since, Date.now()) === null) {
    throw new NodewardenError('E_BAD_REQUEST', badSinceMessage('--since', since));
  }
}

/**
 * `nodewarden events`: the last --limit stored events (default 100), oldest
 * first, as a table or JSON; --node takes a name or a glob. With the daemon
 * down, read from its database (marked: a first line, or a line on stderr
 * with --json).
 */
export async function eventsCommand(client: ControlClient, opts: EventsOptions): Promise<ExitCodeValue> {
  checkSince(opts.since);
  let limit: number | undefined;
  if (opts.limit !== undefined) {
    limit = Number(opts.limit);
    if (!Number.isInteger(limit) || limit < 1) {
      throw new NodewardenError(
        'E_BAD_REQUEST',
        `--limit: expected a positive integer, got ${JSON.stringify(opts.limit)}`,
      );
    }
  }
  const q = {
    ...(opts.node !== undefined ? { node: opts.node } : {}),
    ...(opts.type !== undefined ? { type: opts.type } : {}),
    ...(opts.since !== undefined ? { since: opts.since } : {}),
    ...(limit !== undefined ? { limit } : {}),
  };
  if (opts.follow) return eventsFollowCommand(client, q, Boolean(opts.json));
  const { value: res, offline } = await askOrRead(
    client,
    (c) => c.events(q),
    (db) => db.events(q),
  );
  // Both paths answer newest first; both outputs read like a log, the newest at the bottom.
  if (opts.json) {
    if (offline) process.stderr.write(`${offline.marker}\n`);
    process.stdout.write(JSON.stringify([...res.events].reverse(), null, 2) + '\n');
  } else {
    const lines = renderEvents(res.events, useColor());
    process.stdout.write([...(offline ? [offline.marker] : []), ...lines].join('\n') + '\n');
  }
  return ExitCode.OK;
}
