import type { ControlClient } from '../../protocol/client.js';
import { compileGlob, isGlob } from '../../protocol/targets.js';
import type { RankResponse } from '../../protocol/types.js';
import { ExitCode, type ExitCodeValue } from '../exit-codes.js';
import { askOrRead } from '../offline.js';
import { renderRank } from '../render/rank.js';
import { useColor } from '../render/table.js';
import { checkSince } from './events.js';

/**
 * `nodewarden uptime --rank [names...] [--since 24h]`: every node and target
 * ranked by uptime over the window, then by median probe latency, best
 * first, with the records behind each figure (state intervals, probe runs).
 * Names and globs narrow the rows shown; each keeps its rank in the whole
 * fleet. A name or glob that matches no ranked row is reported and makes the
 * exit code 1. With the daemon down, read from its database (marked as
 * `uptime` marks it).
 */
export async function uptimeRankCommand(
  client: ControlClient,
  since: string | undefined,
  json: boolean,
  names: readonly string[] = [],
): Promise<ExitCodeValue> {
  checkSince(since);
  const q = since === undefined ? {} : { since };
  const { value, offline } = await askOrRead<RankResponse & { source?: 'database' }>(
    client,
    (c) => c.uptimeRank(since),
    (db) => db.uptimeRank(q),
  );
  const unique = [...new Set(names)];
  const tests = unique.map((n) => ({ name: n, test: matcher(n), hit: false }));
  const rows =
    tests.length === 0
      ? value.rows
      : value.rows.filter((r) => {
          let keep = false;
          for (const t of tests) {
            if (!t.test(r.name)) continue;
            t.hit = true;
            keep = true;
          }
          return keep;
        });
  const res = { ...value, rows };
  if (json) {
    if (offline) process.stderr.write(`${offline.marker}\n`);
    process.stdout.write(JSON.stringify(res, null, 2) + '\n');
  } else {
    const lines = renderRank(rows, useColor());
    process.stdout.write([...(offline ? [offline.marker] : []), ...lines].join('\n') + '\n');
  }
  const missing = tests.filter((t) => !t.hit).map((t) => t.name);
  for (const m of missing) process.stderr.write(`${m}: ERROR (no such node)\n`);
  return missing.length > 0 ? ExitCode.FAILED : ExitCode.OK;
}

// `all` and globs match as `uptime` resolves them; a plain name matches itself.
function matcher(name: string): (candidate: string) => boolean {
  if (name === 'all') return () => true;
  if (!isGlob(name)) return (c) => c === name;
  const glob = compileGlob(name);
  return (c) => glob.test(c);
}
