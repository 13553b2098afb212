import { NodewardenError } from '../../errors.js';
import type { ControlClient } from '../../protocol/client.js';
import { parseDuration } from '../../protocol/duration.js';
import type { NodeStatus } from '../../protocol/types.js';
import { resolveTargets } from '../../protocol/targets.js';
import { ExitCode, type ExitCodeValue } from '../exit-codes.js';
import { renderStatus } from '../render/status.js';
import { useColor } from '../render/table.js';

/** Shortest and longest `--interval`. */
const MIN_INTERVAL_MS = 100;
const MAX_INTERVAL_MS = 3_600_000;
/** Clear the screen and put the cursor top left. */
const CLEAR = '\x1b[H\x1b[2J';

/** `--interval 2s` (or plain milliseconds) → ms; a usage error otherwise. */
export function parseInterval(text: string | undefined): number {
  if (text === undefined) return 2000;
  const ms = /^\d+$/.test(text) ? Number(text) : parseDuration(text);
  if (ms === null || ms < MIN_INTERVAL_MS || ms > MAX_INTERVAL_MS) {
    throw new NodewardenError(
      'E_BAD_REQUEST',
      `--interval: expected a duration from 100ms to 1h (500ms, 2s, 1m; a plain number is milliseconds), got ${JSON.stringify(text)}`,
    );
  }
  return ms;
}

/**
 * `nodewarden status --watch [--interval 2s]`: the status table again every
 * interval until interrupted (exit 0), each under a line with the time of
 * its snapshot. On a terminal the screen is cleared and redrawn in place;
 * otherwise (a pipe, a file) every snapshot is printed, one after the
 * other, separated by a blank line. With --json: one NodeStatus array per
 * line. A daemon that goes away ends the watch with its usual error (exit 3).
 */
export async function statusWatchCommand(
  client: ControlClient,
  names: string[],
  opts: { json?: boolean; interval?: string; wide?: boolean },
): Promise<ExitCodeValue> {
  const intervalMs = parseInterval(opts.interval);
  const tty = Boolean(process.stdout.isTTY) && !opts.json;
  const color = useColor();
  let stopped = false;
  let wake: (() => void) | null = null;
  const stop = (): void => {
    stopped = true;
    wake?.();
  };
  process.once('SIGINT', stop);
  process.once('SIGTERM', stop);
  let reported = false;
  try {
    for (let first = true; !stopped; first = false) {
      const all = await client.status();
      const at = new Date();
      let rows: NodeStatus[] = all;
      if (names.length > 0) {
        const { nodes, unknown } = resolveTargets(
          names,
          all.map((s) => s.name),
        );
        rows = nodes.map((n) => all.find((s) => s.name === n)!);
        if (!reported) for (const m of unknown) process.stderr.write(`${m}: ERROR (no such node)\n`);
        reported = true;
        if (nodes.length === 0 && unknown.length > 0) return ExitCode.FAILED;
      }
      if (stopped) break;
      if (opts.json) process.stdout.write(JSON.stringify(rows) + '\n');
      else {
        const head = `nodewarden status at ${at.toISOString().replace(/\.\d{3}Z$/, 'Z')} (every ${intervalMs / 1000}s; Ctrl-C to quit)`;
        const text = [head, '', ...renderStatus(rows, color, Boolean(opts.wide))].join('\n') + '\n';
        process.stdout.write(tty ? CLEAR + text : (first ? '' : '\n') + text);
      }
      await new Promise<void>((resolve) => {
        const timer = setTimeout(resolve, intervalMs);
        wake = () => {
          clearTimeout(timer);
          resolve();
        };
      });
      wake = null;
    }
  } finally {
    process.off('SIGINT', stop);
    process.off('SIGTERM', stop);
  }
  return ExitCode.OK;
}
