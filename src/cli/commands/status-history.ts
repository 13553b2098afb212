import { NodewardenError } from '../../errors.js';
import type { ControlClient } from '../../protocol/client.js';
import { parseSince } from '../../protocol/duration.js';
import { resolveTargets } from '../../protocol/targets.js';
import type { HistoryResponse, UptimeResponse } from '../../protocol/types.js';
import { ExitCode, type ExitCodeValue } from '../exit-codes.js';
import { askOrRead } from '../offline.js';
import { renderHistory, SPARK_WIDTH } from '../render/history.js';
import { checkSince } from './events.js';

/** The state timeline covers at least this window (or the series' own, if longer). */
const TIMELINE_SINCE = '24h';

/** What `status --history` shows of one node. */
interface NodeHistory {
  history: HistoryResponse;
  uptime: UptimeResponse;
}

/** `--since` means something only with `--history`: a usage error otherwise. */
export function checkHistoryFlags(opts: { since?: string; history?: boolean }): void {
  if (opts.since !== undefined && !opts.history)
    throw new NodewardenError('E_BAD_REQUEST', '--since: only with --history (the window of its series)');
}

/**
 * `nodewarden status [names…] --history [--since 1h]`: for each node (default all) a
 * sparkline row per series (height, reference, lag, CPU, memory) over
 * --since, and its state timeline with restart ticks over the last 24 hours
 * (or --since, if longer), from the same API the status page draws. With the
 * daemon down, read from its database (marked as `status` marks it).
 */
export async function statusHistoryCommand(
  client: ControlClient,
  names: readonly string[],
  opts: { since?: string; json?: boolean; watch?: boolean },
): Promise<ExitCodeValue> {
  checkSince(opts.since);
  if (opts.watch) throw new NodewardenError('E_BAD_REQUEST', '--history: cannot be combined with --watch');
  const targets = names.length > 0 ? names : ['all'];
  const since = opts.since ?? '1h';
  const now = Date.now();
  const timelineSince = parseSince(since, now)! < parseSince(TIMELINE_SINCE, now)! ? since : TIMELINE_SINCE;
  const points = SPARK_WIDTH * 2;
  const { value, offline } = await askOrRead<{ rows: NodeHistory[]; missing: string[] }>(
    client,
    async (c) => {
      const { nodes, unknown } = resolveTargets(
        targets,
        (await c.status()).map((s) => s.name),
      );
      const rows: NodeHistory[] = [];
      for (const node of nodes) {
        rows.push({
          history: await c.history(node, { since, points }),
          uptime: await c.uptimeTimeline({ since: timelineSince, node, points }),
        });
      }
      return { rows, missing: unknown };
    },
    (db) => {
      const { nodes, unknown } = resolveTargets(
        targets,
        db
          .status()
          .filter((s) => !('kind' in s))
          .map((s) => s.name),
      );
      const rows = nodes.map((node) => ({
        history: db.history(node, { since, points }),
        uptime: db.uptime({ since: timelineSince, node, timeline: 1, points }),
      }));
      return { rows, missing: unknown };
    },
  );
  if (opts.json) {
    if (offline) process.stderr.write(`${offline.marker}\n`);
    process.stdout.write(JSON.stringify(value.rows, null, 2) + '\n');
  } else {
    const out: string[] = offline ? [offline.marker] : [];
    value.rows.forEach((r, i) => {
      if (i > 0) out.push('');
      const up = r.uptime.nodes.find((n) => n.node === r.history.node);
      out.push(...renderHistory(r.history, up, r.uptime.sinceMs, r.uptime.untilMs));
    });
    process.stdout.write(out.join('\n') + (out.length > 0 ? '\n' : ''));
  }
  for (const m of value.missing) process.stderr.write(`${m}: ERROR (no such node)\n`);
  return value.missing.length > 0 ? ExitCode.FAILED : ExitCode.OK;
}
