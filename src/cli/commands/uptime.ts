import { NodewardenError } from '../../errors.js';
import type { ControlClient } from '../../protocol/client.js';
import type { UptimeResponse, UptimeRow } from '../../protocol/types.js';
import { ExitCode, type ExitCodeValue } from '../exit-codes.js';
import { askOrRead } from '../offline.js';
import { renderUptime } from '../render/uptime.js';
import { useColor } from '../render/table.js';
import { checkSince } from './events.js';

/**
 * `nodewarden uptime [names...] [--since 24h]`: uptime % per node over the
 * window, worst first (as a table or JSON). Names and globs narrow the list;
 * one that matches no configured node is reported and makes the exit code 1.
 * With the daemon down, computed from its database (marked: a first line, or
 * a line on stderr and `source: "database"` with --json).
 */
export async function uptimeCommand(
  client: ControlClient,
  since: string | undefined,
  json: boolean,
  names: readonly string[] = [],
): Promise<ExitCodeValue> {
  checkSince(since);
  const unique = [...new Set(names)];
  const { value, offline } = await askOrRead<{
    res: UptimeResponse & { source?: 'database' };
    missing: string[];
  }>(
    client,
    async (c) => {
      if (unique.length === 0) return { res: await c.uptime(since), missing: [] };
      const answers: Answer[] = [];
      for (const name of unique) answers.push(await oneName(name, () => c.uptime(since, name)));
      return merged(answers);
    },
    (db) => {
      const q = since === undefined ? {} : { since };
      if (unique.length === 0) return { res: db.uptime(q), missing: [] };
      const answers: Answer[] = [];
      for (const name of unique) answers.push(oneNameNow(name, () => db.uptime({ ...q, node: name })));
      const m = merged(answers);
      return { res: { ...m.res, source: 'database' }, missing: m.missing };
    },
  );
  const { res, missing } = value;
  if (json) {
    if (offline) process.stderr.write(`${offline.marker}\n`);
    process.stdout.write(JSON.stringify(res, null, 2) + '\n');
  } else {
    const lines = renderUptime(res.nodes, useColor());
    process.stdout.write([...(offline ? [offline.marker] : []), ...lines].join('\n') + '\n');
  }
  for (const m of missing) process.stderr.write(`${m}: ERROR (no such node)\n`);
  return missing.length > 0 ? ExitCode.FAILED : ExitCode.OK;
}

/** The window of one name or glob, or that it matches no node. */
type Answer = { name: string; window: UptimeResponse } | { name: string; window: null };

async function oneName(name: string, ask: () => Promise<UptimeResponse>): Promise<Answer> {
  try {
    return { name, window: await ask() };
  } catch (err) {
    return notFound(name, err);
  }
}

function oneNameNow(name: string, read: () => UptimeResponse): Answer {
  try {
    return { name, window: read() };
  } catch (err) {
    return notFound(name, err);
  }
}

function notFound(name: string, err: unknown): Answer {
  if (!(err instanceof NodewardenError && err.code === 'E_NODE_NOT_FOUND')) throw err;
  return { name, window: null };
}

/** The rows of every answer, each node once, sorted as one answer is (worst first, no data last). */
function merged(answers: readonly Answer[]): { res: UptimeResponse; missing: string[] } {
  const rows = new Map<string, UptimeRow>();
  let window: UptimeResponse | null = null;
  const missing: string[] = [];
  for (const a of answers) {
    if (a.window === null) {
      missing.push(a.name);
      continue;
    }
    window = a.window;
    for (const r of a.window.nodes) rows.set(r.node, r);
  }
  const nodes = [...rows.values()].sort(
    (a, b) =>
      (a.uptimePercent ?? Infinity) - (b.uptimePercent ?? Infinity) ||
      (a.node < b.node ? -1 : a.node > b.node ? 1 : 0),
  );
  return { res: { sinceMs: window?.sinceMs ?? 0, untilMs: window?.untilMs ?? 0, nodes }, missing };
}
