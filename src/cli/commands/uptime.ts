import type { ControlClient } from '../../protocol/client.js';
import { ExitCode, type ExitCodeValue } from '../exit-codes.js';
import { askOrRead } from '../offline.js';
import { renderUptime } from '../render/uptime.js';
import { useColor } from '../render/table.js';
import { checkSince } from './events.js';

/**
 * `nodewarden uptime [--since 24h]`: uptime % per node over the window, worst
 * first. With the daemon down, computed from its database (marked: a first
 * line, or a line on stderr and `source: "database"` with --json).
 */
export async function uptimeCommand(
  client: ControlClient,
  since: string | undefined,
  json: boolean,
): Promise<ExitCodeValue> {
  checkSince(since);
  const { value: res, offline } = await askOrRead(
    client,
    (c) => c.uptime(since),
    (db) => db.uptime(since),
  );
  if (json) {
    if (offline) process.stderr.write(`${offline.marker}\n`);
    process.stdout.write(JSON.stringify(res, null, 2) + '\n');
  } else {
    const lines = renderUptime(res.nodes, useColor());
    process.stdout.write([...(offline ? [offline.marker] : []), ...lines].join('\n') + '\n');
  }
  return ExitCode.OK;
}
