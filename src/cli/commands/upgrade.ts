import { NodewardenError } from '../../errors.js';
import type { ControlClient } from '../../protocol/client.js';
import { isTarget } from '../../protocol/targets.js';
import type { TargetResult } from '../../protocol/types.js';
import type { ExitCodeValue } from '../exit-codes.js';
import { renderResults, resultsExitCode } from '../render/results.js';
import { parseParallel } from './action.js';

export interface UpgradeOptions {
  expectVersion?: string;
  parallel?: string;
  json?: boolean;
}

/**
 * `nodewarden upgrade <targets> [--expect-version V] [--parallel N]`: applies
 * the targets' pending config change (on disk, not yet running) as a rolling
 * restart with the gate; prints each step as it happens, then one line per
 * target (`upgraded`, `unchanged`, or `ERROR (gate: …; rolled back)`). With
 * --json, one JSON object a line. Exit 1 if a node failed and was rolled back,
 * 2 if the config on disk does not validate (nothing touched).
 */
export async function upgradeCommand(
  client: ControlClient,
  targets: string[],
  opts: UpgradeOptions,
): Promise<ExitCodeValue> {
  for (const t of targets) {
    if (!isTarget(t))
      throw new NodewardenError(
        'E_BAD_REQUEST',
        `${JSON.stringify(t)} is not a node name, a glob or \`all\``,
      );
  }
  const parallel = parseParallel(opts.parallel);
  if (opts.expectVersion !== undefined && opts.expectVersion.trim() === '')
    throw new NodewardenError('E_BAD_REQUEST', '--expect-version: expected a version such as 1.4.2');
  const json = Boolean(opts.json);
  const got: { results: TargetResult[] | null } = { results: null };
  await client.upgrade(
    {
      targets,
      ...(opts.expectVersion !== undefined ? { expectVersion: opts.expectVersion.trim() } : {}),
      ...(parallel !== undefined ? { parallel } : {}),
    },
    (line) => {
      if (line.type === 'rollout') {
        process.stdout.write((json ? JSON.stringify(line) : `${line.node}: ${line.message}`) + '\n');
      } else if (line.type === 'result') {
        got.results = line.results;
        if (json) process.stdout.write(JSON.stringify(line) + '\n');
      } else if (line.type === 'error') {
        throw new NodewardenError('E_INTERNAL', line.error.message);
      }
    },
  );
  const final = got.results;
  if (final === null)
    throw new NodewardenError('E_INTERNAL', 'the daemon ended the upgrade without its results');
  if (!json) process.stdout.write(renderResults(final).join('\n') + '\n');
  return resultsExitCode(final);
}
