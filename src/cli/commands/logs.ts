import fs from 'node:fs';
import { NodewardenError } from '../../errors.js';
import { withoutStamp } from '../../logs/line-stamp.js';
import { logFilePath } from '../../logs/rotate.js';
import { follow, readLastLines } from '../../logs/tail.js';
import { isNodeName } from '../../protocol/targets.js';
import { managerSettings } from '../connect.js';
import { ExitCode, type ExitCodeValue } from '../exit-codes.js';

export interface LogsOptions {
  follow?: boolean;
  lines?: string;
  json?: boolean;
  /** Keep the arrival stamps `logs.timestamps` writes in front of each line (hidden by default). */
  timestamps?: boolean;
}

/**
 * How `logs` shows a line: as the node printed it, the manager's arrival
 * stamp taken off, unless -t asks for it or `logs.timestamps` is off (then
 * a stamp-like start of a line is the node's own and stays).
 */
export function lineView(stampsInFiles: boolean, keep: boolean | undefined): (line: string) => string {
  return stampsInFiles && !keep ? withoutStamp : (l) => l;
}

/**
 * `nodewarden logs <node> [-f] [-n N]`: reads the node's log files directly
 * (`<logDir>/<node>.log` and its newest rotation), so it works with the daemon
 * down. With -f it prints lines as they are written, across rotations, until
 * interrupted. --json: `{node, lines}`, or one JSON string per line with -f.
 * The arrival stamps of `logs.timestamps` are shown only with -t.
 */
export async function logsCommand(
  configDir: string,
  node: string,
  opts: LogsOptions,
): Promise<ExitCodeValue> {
  if (!isNodeName(node))
    throw new NodewardenError('E_BAD_REQUEST', `${JSON.stringify(node)} is not a node name`);
  const n = opts.lines === undefined ? 100 : Number(opts.lines);
  if (!Number.isInteger(n) || n < 0) {
    throw new NodewardenError(
      'E_BAD_REQUEST',
      `-n: expected a whole number of lines, got ${JSON.stringify(opts.lines)}`,
    );
  }
  const { logDir, logs } = managerSettings(configDir);
  const view = lineView(logs.timestamps, opts.timestamps);
  const base = logFilePath(logDir, node);
  if (!opts.follow && ![base, `${base}.1`, `${base}.1.gz`].some((f) => fs.existsSync(f))) {
    throw new NodewardenError('E_NODE_NOT_FOUND', `no log of node ${JSON.stringify(node)} in ${logDir}`, {
      hint: 'check the name with `nodewarden status`; a node that never ran has no log yet',
    });
  }
  const print = (raw: string[]): void => {
    if (raw.length === 0) return;
    const lines = raw.map(view);
    const out = opts.json && opts.follow ? lines.map((l) => JSON.stringify(l)) : lines;
    process.stdout.write(out.join('\n') + '\n');
  };
  if (!opts.follow) {
    const tail = await readLastLines(logDir, node, n);
    if (opts.json) process.stdout.write(JSON.stringify({ node, lines: tail.map(view) }) + '\n');
    else print(tail);
    return ExitCode.OK;
  }
  // Follow first, then read the tail: a line written in between may show twice, but none is lost.
  let early: string[][] | null = [];
  const follower = follow(logDir, node, (lines) => (early ? early.push(lines) : print(lines)), {
    onError: (err) => process.stderr.write(`nodewarden: reading ${base}: ${String(err)}\n`),
  });
  const interrupted = new Promise<void>((resolve) => {
    const stop = (): void => {
      process.off('SIGINT', stop);
      process.off('SIGTERM', stop);
      follower.close();
      resolve();
    };
    process.on('SIGINT', stop);
    process.on('SIGTERM', stop);
  });
  await follower.ready;
  print(await readLastLines(logDir, node, n));
  for (const lines of early) print(lines);
  early = null;
  await interrupted;
  return ExitCode.OK;
}
