import type { NodewardenEvent } from '../../events/types.js';
import type { ControlClient } from '../../protocol/client.js';
import { ExitCode, type ExitCodeValue } from '../exit-codes.js';
import { renderEvents } from '../render/events.js';
import { useColor } from '../render/table.js';

export interface EventsFollowQuery {
  node?: string;
  type?: string;
  since?: string;
  limit?: number;
}

/**
 * `nodewarden events -f`: the recent events the filters select (as
 * `events` prints them), then every new one as it is recorded, until
 * interrupted (exit 0). The daemon's stream guarantees each event once
 * across that seam. If the daemon stops or goes away, one line on stderr
 * says so and the exit code is 1 (no reconnect: a new daemon starts a new
 * history of live events; run the command again).
 * --json: one event object per line (NDJSON), oldest first.
 */
export async function eventsFollowCommand(
  client: ControlClient,
  q: EventsFollowQuery,
  json: boolean,
): Promise<ExitCodeValue> {
  const color = useColor();
  // Live rows are laid out together with the first batch, so their columns line up with its table.
  let firstBatch: NodewardenEvent[] = [];
  const write = (lines: string[]): void => {
    if (lines.length > 0) process.stdout.write(lines.join('\n') + '\n');
  };
  const onFrame = (name: string, data: unknown): void => {
    if (name === 'events') {
      firstBatch = (data as { events: NodewardenEvent[] }).events;
      if (json) write([...firstBatch].reverse().map((e) => JSON.stringify(e)));
      else write(renderEvents(firstBatch, color));
    } else if (name === 'event') {
      const e = data as NodewardenEvent;
      if (json) write([JSON.stringify(e)]);
      else write(renderEvents([e, ...firstBatch], color).slice(-1));
    }
  };
  const stream = await client.followEvents(q, onFrame);
  const stop = (): void => stream.close();
  process.once('SIGINT', stop);
  process.once('SIGTERM', stop);
  const how = await stream.ended;
  process.off('SIGINT', stop);
  process.off('SIGTERM', stop);
  if (how === 'closed') return ExitCode.OK;
  process.stderr.write(`nodewarden: the daemon on ${client.where} went away; stopped following events\n`);
  return ExitCode.FAILED;
}
