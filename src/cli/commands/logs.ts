import fs from 'node:fs';
import { NodewardenError } from '../../errors.js';
import { logFilePath } from '../../logs/rotate.js';
import { follow, readLastLines } from '../../logs/tail.js';
import { isNodeName } from '../../protocol/targets.js';
import { managerSettings } from '../connect.js';
import { ExitCode, type ExitCodeValue } from '../exit-codes.js';

export interface LogsOptions {
  follow?: boolean;
  lines?: string;
  json?: boolean;
}

/**
 * `nodewarden logs <node> [-f] [-n N]`: reads the node's log files directly
 * (`<logDir>/<node>.log` and its newest rotation), so it works with the daemon
 * down. With -f it prints lines as they are written, across rotations, until
 * interrupted. --json: `{node, lines}`, or one JSON string per line with -f.
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
  const { logDir } = managerSettings(configDir);
  const base = logFilePath(logDir, node);
  if (!opts.follow && ![base, `${base}.1`, `${base}.1.gz`].some((f) => fs.existsSync(f))) {
    throw new NodewardenError('E_NODE_NOT_FOUND', `no log of node ${JSON.stringify(node)} in ${logDir}`, {
      hint: 'check the name with `nodewarden status`; a node that never ran has no log yet',
    });
  }
  const print = (lines: string[]): void => {
    if (lines.length === 0) return;
    const out = opts.json && opts.follow ? lines.map((l) => JSON.stringify(l)) : lines;
    process.stdout.write(out.join('\n') + '\n');
  };
  if (!opts.follow) {
    const tail = await readLastLines(logDir, node, n);
    if (opts.json) process.stdout.write(JSON.stringify({ node, lines: tail }) + '\n');
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
