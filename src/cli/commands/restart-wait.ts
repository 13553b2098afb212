import { NodewardenError } from '../../errors.js';
import type { ControlClient } from '../../protocol/client.js';
import type { ActionRequest, TargetResult } from '../../protocol/types.js';
import type { ExitCodeValue } from '../exit-codes.js';
import { renderResults, resultsExitCode } from '../render/results.js';

/**
 * `nodewarden restart <targets> --wait`: each step of the rolling restart as
 * it happens (`kmd-2: restarting`, `kmd-2: running, waiting for in_sync`,
 * `kmd-2: passed its gate`, `kmd-3: gate: fatal …`), then the result of each
 * node (`kmd-2: restarted`). With --json, one JSON object a line: the steps,
 * then `{type: "result", results}`. Exit 1 if a node failed, 4 if the wait
 * timed out.
 */
export async function restartWaitCommand(
  client: ControlClient,
  req: Omit<ActionRequest, 'progress' | 'wait'>,
  json: boolean,
): Promise<ExitCodeValue> {
  const got: { results: TargetResult[] | null } = { results: null };
  await client.restartWithProgress(req, (line) => {
    if (line.type === 'rollout') {
      process.stdout.write((json ? JSON.stringify(line) : `${line.node}: ${line.message}`) + '\n');
    } else if (line.type === 'result') {
      got.results = line.results;
      if (json) process.stdout.write(JSON.stringify(line) + '\n');
    }
  });
  const final = got.results;
  if (final === null)
    throw new NodewardenError('E_INTERNAL', 'the daemon ended the restart without its results');
  if (!json) process.stdout.write(renderResults(final).join('\n') + '\n');
  return resultsExitCode(final);
}
