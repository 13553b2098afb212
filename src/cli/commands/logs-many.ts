import fs from 'node:fs';
import { ConfigError } from '../../config/issues.js';
import { NodewardenError } from '../../errors.js';
import { interleaveByTime, linePrefixer } from '../../logs/interleave.js';
import { logFilePath } from '../../logs/rotate.js';
import { follow, readLastLines, type Follower } from '../../logs/tail.js';
import { isGlob, isNodeName, isTarget, resolveTargets } from '../../protocol/targets.js';
import { managerSettings } from '../connect.js';
import { ExitCode, type ExitCodeValue } from '../exit-codes.js';
import { lineView, logsCommand, type LogsOptions } from './logs.js';

export interface LogsManyOptions extends LogsOptions {
  /** Prefix lines with the node name even for one node named explicitly. */
  prefix?: boolean;
}

/**
 * `nodewarden logs <names|globs|all> [-f] [-n N] [--prefix] [--json]`.
 * One node named explicitly (no glob, no `all`) prints its lines as they are,
 * as it always did (`--prefix` adds the name). Otherwise every matching
 * node's lines are printed behind `name | ` (padded to the longest name):
 * without -f the last N lines of each, merged in time order by the arrival
 * time the manager wrote in front of each line (`logs.timestamps`); with -f
 * every new line of every node as it arrives, across rotations.
 * --json: `{nodes: {name: [lines]}}`, or with -f one `{node, line}` object per line.
 * The arrival stamps are used for the order but shown only with -t.
 * Globs match the configured node names (read offline: the daemon may be down).
 */
export async function logsTargetsCommand(
  configDir: string,
  targets: string[],
  opts: LogsManyOptions,
): Promise<ExitCodeValue> {
  const single = targets.length === 1 && targets[0] !== 'all' && !isGlob(targets[0]!);
  if (single && !opts.prefix) return logsCommand(configDir, targets[0]!, opts);
  for (const t of targets) {
    if (!isTarget(t) || (!isGlob(t) && t !== 'all' && !isNodeName(t))) {
      throw new NodewardenError('E_BAD_REQUEST', `${JSON.stringify(t)} is not a node name, glob or all`);
    }
  }
  const n = lineCount(opts.lines);
  const { logDir, logs } = managerSettings(configDir);
  const view = lineView(logs.timestamps, opts.timestamps);
  const known = await knownNodes(configDir, logDir);
  const { nodes, unknown } = resolveTargets(targets, known);
  // A node named explicitly that is no longer configured may still have its log.
  const stray = unknown.filter((t) => !isGlob(t) && t !== 'all' && hasLog(logDir, t));
  const missing = unknown.filter((t) => !stray.includes(t));
  if (missing.length > 0) {
    throw new NodewardenError(
      'E_NODE_NOT_FOUND',
      `no such node: ${missing.map((m) => JSON.stringify(m)).join(', ')} (not in the config, no log in ${logDir})`,
      { hint: 'check the names with `nodewarden status` or `nodewarden config check`' },
    );
  }
  const names = [...nodes, ...stray];
  const prefix = linePrefixer(names);
  const printLine = (node: string, line: string): string =>
    opts.json ? JSON.stringify({ node, line: view(line) }) : prefix(node) + view(line);
  const write = (out: string[]): void => {
    if (out.length > 0) process.stdout.write(out.join('\n') + '\n');
  };
  const readTails = async (): Promise<Array<{ node: string; lines: string[] }>> => {
    const tails: Array<{ node: string; lines: string[] }> = [];
    for (const node of names) tails.push({ node, lines: await readLastLines(logDir, node, n) });
    return tails;
  };

  if (!opts.follow) {
    const tails = await readTails();
    if (opts.json) {
      process.stdout.write(
        JSON.stringify({ nodes: Object.fromEntries(tails.map((t) => [t.node, t.lines.map(view)])) }) + '\n',
      );
    } else write(interleaveByTime(tails).map((l) => printLine(l.node, l.line)));
    return ExitCode.OK;
  }

  // Follow first, then read the tails: a line written in between may show twice, but none is lost.
  let early: string[][] | null = [];
  const deliver = (node: string, lines: string[]): void => {
    const out = lines.map((l) => printLine(node, l));
    if (early) early.push(out);
    else write(out);
  };
  const followers: Follower[] = names.map((node) =>
    follow(logDir, node, (lines) => deliver(node, lines), {
      onError: (err) =>
        process.stderr.write(`nodewarden: reading ${logFilePath(logDir, node)}: ${String(err)}\n`),
    }),
  );
  const interrupted = new Promise<void>((resolve) => {
    const stop = (): void => {
      process.off('SIGINT', stop);
      process.off('SIGTERM', stop);
      for (const f of followers) f.close();
      resolve();
    };
    process.on('SIGINT', stop);
    process.on('SIGTERM', stop);
  });
  await Promise.all(followers.map((f) => f.ready));
  write(interleaveByTime(await readTails()).map((l) => printLine(l.node, l.line)));
  for (const out of early) write(out);
  early = null;
  await interrupted;
  return ExitCode.OK;
}

function lineCount(text: string | undefined): number {
  const n = text === undefined ? 100 : Number(text);
  if (!Number.isInteger(n) || n < 0) {
    throw new NodewardenError(
      'E_BAD_REQUEST',
      `-n: expected a whole number of lines, got ${JSON.stringify(text)}`,
    );
  }
  return n;
}

function hasLog(logDir: string, node: string): boolean {
  const base = logFilePath(logDir, node);
  return [base, `${base}.1`, `${base}.1.gz`].some((f) => fs.existsSync(f));
}

/**
 * The configured node names (config order), read offline. When the config
 * does not load, the names of the logs in logDir stand in, with a warning.
 */
async function knownNodes(configDir: string, logDir: string): Promise<string[]> {
  // Loaded on use: the config loader (schemas, templates) would slow every verb's start.
  const [{ loadConfig }, { MaskedSecrets }] = await Promise.all([
    import('../../config/load.js'),
    import('../../config/secrets.js'),
  ]);
  try {
    return loadConfig(configDir, { secrets: new MaskedSecrets() }).nodes.map((s) => s.name);
  } catch (err) {
    if (!(err instanceof ConfigError)) throw err;
    process.stderr.write(
      `nodewarden: the config does not load (see \`nodewarden config check\`); matching the logs in ${logDir}\n`,
    );
    let files: string[] = [];
    try {
      files = fs.readdirSync(logDir);
    } catch {
      // no log directory: no logs
    }
    return files
      .filter((f) => f.endsWith('.log') && f !== 'nodewarden.log')
      .map((f) => f.slice(0, -'.log'.length))
      .filter(isNodeName)
      .sort();
  }
}
