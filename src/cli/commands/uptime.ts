import type { ControlClient } from '../../protocol/client.js';
import { ExitCode, type ExitCodeValue } from '../exit-codes.js';
import { renderUptime } from '../render/uptime.js';
import { useColor } from '../render/table.js';
import { checkSince } from './events.js';

/** `nodewarden uptime [--since 24h]`: uptime % per node over the window, worst first. */
export async function uptimeCommand(
  client: ControlClient,
  since: string | undefined,
  json: boolean,
): Promise<ExitCodeValue> {
  checkSince(since);
  const res = await client.uptime(since);
  if (json) process.stdout.write(JSON.stringify(res, null, 2) + '\n');
  else process.stdout.write(renderUptime(res.nodes, useColor()).join('\n') + '\n');
  return ExitCode.OK;
}
