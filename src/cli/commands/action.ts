import { NodewardenError } from '../../errors.js';
import type { ControlClient } from '../../protocol/client.js';
import { parseDuration } from '../../protocol/duration.js';
import { isTarget } from '../../protocol/targets.js';
import type { ActionVerb } from '../../protocol/types.js';
import type { ExitCodeValue } from '../exit-codes.js';
import { renderResults, resultsExitCode } from '../render/results.js';
import { restartWaitCommand } from './restart-wait.js';
import { stopWaitCommand } from './stop-wait.js';

export interface ActionOptions {
  wait?: boolean;
  /** Seconds, or a duration such as `90s` / `2m`; implies --wait. */
  timeout?: string;
  json?: boolean;
  /** restart: sync groups rolling at once. */
  parallel?: string;
  /** restart: all at once, not rolling. */
  now?: boolean;
}

/**
 * `nodewarden start|stop|restart|hold|release <targets...>`: one line per
 * node (`node-1: started`, `node-9: ERROR (no such node)`); exit 1 if any
 * target failed, 4 if a `--wait` timed out.
 */
export async function actionCommand(
  client: ControlClient,
  verb: ActionVerb,
  targets: string[],
  opts: ActionOptions,
): Promise<ExitCodeValue> {
  for (const t of targets) {
    if (!isTarget(t)) {
      throw new NodewardenError(
        'E_BAD_REQUEST',
        `${JSON.stringify(t)} is not a node name, a glob or \`all\``,
      );
    }
  }
  let timeoutMs: number | undefined;
  if (opts.timeout !== undefined) {
    // A bare number is seconds (as it always was); else a duration such as 90s or 2m.
    const s = opts.timeout.trim() === '' ? Number.NaN : Number(opts.timeout);
    const ms = Number.isFinite(s) ? Math.ceil(s * 1000) : parseDuration(opts.timeout);
    if (ms === null || !(ms > 0)) {
      throw new NodewardenError(
        'E_BAD_REQUEST',
        `--timeout: expected seconds > 0 or a duration such as 90s or 2m, got ${JSON.stringify(opts.timeout)}`,
      );
    }
    timeoutMs = ms;
  }
  const wait = Boolean(opts.wait) || timeoutMs !== undefined;
  const parallel = parseParallel(opts.parallel);
  const rolling = {
    ...(verb === 'restart' && opts.now ? { now: true } : {}),
    ...(verb === 'restart' && parallel !== undefined ? { parallel } : {}),
  };
  if (verb === 'restart' && wait && !opts.now)
    return restartWaitCommand(
      client,
      { targets, ...rolling, ...(timeoutMs ? { timeoutMs } : {}) },
      Boolean(opts.json),
    );
  // A stop that is waited for shows its steps as they happen.
  if (verb === 'stop' && wait)
    return stopWaitCommand(client, { targets, ...(timeoutMs ? { timeoutMs } : {}) }, Boolean(opts.json));
  const res = await client.action(verb, {
    targets,
    ...(wait ? { wait } : {}),
    ...(timeoutMs ? { timeoutMs } : {}),
    ...rolling,
  });
  if (opts.json) process.stdout.write(JSON.stringify(res, null, 2) + '\n');
  else process.stdout.write(renderResults(res.results).join('\n') + '\n');
  return resultsExitCode(res.results);
}

/** `--parallel N`: how many sync groups roll at once (0 = no limit); undefined when not given. */
export function parseParallel(text: string | undefined): number | undefined {
  if (text === undefined) return undefined;
  const n = /^\d+$/.test(text.trim()) ? Number(text) : Number.NaN;
  if (!Number.isInteger(n) || n > 10_000)
    throw new NodewardenError(
      'E_BAD_REQUEST',
      `--parallel: expected a whole number from 0 to 10000, got ${JSON.stringify(text)}`,
    );
  return n;
}
