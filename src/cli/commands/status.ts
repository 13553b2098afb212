import type { ControlClient } from '../../protocol/client.js';
import type { NodeStatus, TargetStatus } from '../../protocol/types.js';
import { NodewardenError } from '../../errors.js';
import { resolveTargets } from '../../protocol/targets.js';
import { ExitCode, type ExitCodeValue } from '../exit-codes.js';
import { askOrRead } from '../offline.js';
import { renderStatus } from '../render/status.js';
import { useColor } from '../render/table.js';

/** The daemon's watch-only targets; none from a daemon that predates them (it has no such route). */
async function targetRows(c: ControlClient): Promise<TargetStatus[]> {
  try {
    return await c.targets();
  } catch (err) {
    if (err instanceof NodewardenError && err.code === 'E_BAD_REQUEST' && err.message.startsWith('no route'))
      return [];
    throw err;
  }
}

/**
 * `nodewarden status [names...] [--json] [--wide]`: every node (or the named ones,
 * globs allowed) as a table (`--wide`: with reference height, version, peers, peer id), or the contract's NodeStatus array with --json.
 * A name that matches nothing is reported and makes the exit code 1.
 * With the daemon down: the last known state from its database, marked so
 * (first line of the table; on stderr with --json, whose rows say
 * `source: "database"`).
 */
export async function statusCommand(
  client: ControlClient,
  names: string[],
  json: boolean,
  wide = false,
): Promise<ExitCodeValue> {
  const { value: all, offline } = await askOrRead(
    client,
    async (c): Promise<NodeStatus[]> => [...(await c.status()), ...(await targetRows(c))],
    (db) => db.status(),
  );
  let rows = all;
  let missing: string[] = [];
  if (names.length > 0) {
    const { nodes, unknown } = resolveTargets(
      names,
      all.map((s) => s.name),
    );
    rows = nodes.map((n) => all.find((s) => s.name === n)!);
    missing = unknown;
  }
  if (json) {
    if (offline) process.stderr.write(`${offline.marker}\n`);
    process.stdout.write(JSON.stringify(rows, null, 2) + '\n');
  } else {
    const table = renderStatus(rows, useColor(), wide);
    process.stdout.write([...(offline ? [offline.marker] : []), ...table].join('\n') + '\n');
  }
  for (const m of missing) process.stderr.write(`${m}: ERROR (no such node)\n`);
  return missing.length > 0 ? ExitCode.FAILED : ExitCode.OK;
}
