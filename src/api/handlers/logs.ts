import { readLastLines } from '../../logs/tail.js';
import type { LogsResponse } from '../../protocol/types.js';
import type { ApiContext } from '../context.js';
import { noSuchNode } from '../errors.js';

/** `GET /api/logs/:name?n=100`: the last n lines of a configured node's log (rotated files included). */
export async function handleLogs(ctx: ApiContext, name: string, n = 100): Promise<LogsResponse> {
  if (!ctx.daemon.supervisor.has(name)) throw noSuchNode(name);
  return { node: name, lines: await readLastLines(ctx.daemon.manager.logDir, name, n) };
}
