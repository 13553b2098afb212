import { NodewardenError } from '../../errors.js';
import type { ControlClient } from '../../protocol/client.js';
import type { UptimeResponse, UptimeRow } from '../../protocol/types.js';
import { ExitCode, type ExitCodeValue } from '../exit-codes.js';
import { renderUptime } from '../render/uptime.js';
import { useColor } from '../render/table.js';
import { checkSince } from './events.js';

/**
 * `nodewarden uptime [names...] [--since 24h]`: uptime % per node over the
 * window, worst first (as a table or JSON). Names and globs narrow the list;
 * one that matches no configured node is reported and makes the exit code 1.
 */
export async function uptimeCommand(
  client: ControlClient,
  since: string | undefined,
  json: boolean,
  names: readonly string[] = [],
): Promise<ExitCodeValue> {
  checkSince(since);
  let res: UptimeResponse;
  const missing: string[] = [];
  if (names.length === 0) res = await client.uptime(since);
  else {
    const rows = new Map<string, UptimeRow>();
    let window: UptimeResponse | null = null;
    for (const name of new Set(names)) {
      try {
        window = await client.uptime(since, name);
        for (const r of window.nodes) rows.set(r.node, r);
      } catch (err) {
        if (!(err instanceof NodewardenError && err.code === 'E_NODE_NOT_FOUND')) throw err;
        missing.push(name);
      }
    }
    // Each answer is sorted; the merged rows are sorted the same way (worst first, no data last).
    const nodes = [...rows.values()].sort(
      (a, b) =>
        (a.uptimePercent ?? Infinity) - (b.uptimePercent ?? Infinity) ||
        (a.node < b.node ? -1 : a.node > b.node ? 1 : 0),
    );
    res = { sinceMs: window?.sinceMs ?? 0, untilMs: window?.untilMs ?? 0, nodes };
  }
  if (json) process.stdout.write(JSON.stringify(res, null, 2) + '\n');
  else process.stdout.write(renderUptime(res.nodes, useColor()).join('\n') + '\n');
  for (const m of missing) process.stderr.write(`${m}: ERROR (no such node)\n`);
  return missing.length > 0 ? ExitCode.FAILED : ExitCode.OK;
}
