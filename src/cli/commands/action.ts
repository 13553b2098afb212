import { NodewardenError } from '../../errors.js';
import type { ControlClient } from '../../protocol/client.js';
import { isTarget } from '../../protocol/targets.js';
import type { ActionVerb } from '../../protocol/types.js';
import type { ExitCodeValue } from '../exit-codes.js';
import { renderResults, resultsExitCode } from '../render/results.js';
import { stopWaitCommand } from './stop-wait.js';

export interface ActionOptions {
  wait?: boolean;
  /** Seconds; implies --wait. */
  timeout?: string;
  json?: boolean;
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
    const s = Number(opts.timeout);
    if (!Number.isFinite(s) || s <= 0) {
      throw new NodewardenError(
        'E_BAD_REQUEST',
        `--timeout: expected seconds > 0, got ${JSON.stringify(opts.timeout)}`,
      );
    }
    timeoutMs = Math.ceil(s * 1000);
  }
  const wait = Boolean(opts.wait) || timeoutMs !== undefined;
  // A stop that is waited for shows its steps as they happen.
  if (verb === 'stop' && wait)
    return stopWaitCommand(client, { targets, ...(timeoutMs ? { timeoutMs } : {}) }, Boolean(opts.json));
  const res = await client.action(verb, {
    targets,
    ...(wait ? { wait } : {}),
    ...(timeoutMs ? { timeoutMs } : {}),
  });
  if (opts.json) process.stdout.write(JSON.stringify(res, null, 2) + '\n');
  else process.stdout.write(renderResults(res.results).join('\n') + '\n');
  return resultsExitCode(res.results);
}
