import { NodewardenError } from '../../errors.js';
import type { ControlClient } from '../../protocol/client.js';
import type { TargetResult } from '../../protocol/types.js';
import type { ExitCodeValue } from '../exit-codes.js';
import { renderProgress } from '../render/progress.js';
import { renderResults, resultsExitCode } from '../render/results.js';

/**
 * `nodewarden stop <targets> --wait`: each node's stop steps as they happen
 * (`kmd-1: SIGTERM sent (grace 120s)` … `kmd-1: stopped (exit 0, 3.2s)`), then
 * a line for each target that did not end with such a `stopped` line
 * (`already stopped`, an error, a timeout). With --json, one JSON object a
 * line: the steps, then `{type: "result", results}`. Exit 1 if a target
 * failed, 4 if the wait timed out.
 */
export async function stopWaitCommand(
  client: ControlClient,
  req: { targets: string[]; timeoutMs?: number },
  json: boolean,
): Promise<ExitCodeValue> {
  const told = new Set<string>();
  const got: { results: TargetResult[] | null } = { results: null };
  await client.stopWithProgress(req, (line) => {
    if (line.type === 'progress') {
      if (line.step === 'stopped') told.add(line.node);
      process.stdout.write((json ? JSON.stringify(line) : renderProgress(line)) + '\n');
    } else if (line.type === 'result') {
      got.results = line.results;
      if (json) process.stdout.write(JSON.stringify(line) + '\n');
    }
  });
  const final = got.results;
  if (final === null)
    throw new NodewardenError('E_INTERNAL', 'the daemon ended the stop without its results');
  if (!json) {
    const rest = final.filter((r) => !(r.ok && r.message === 'stopped' && told.has(r.node)));
    if (rest.length > 0) process.stdout.write(renderResults(rest).join('\n') + '\n');
  }
  return resultsExitCode(final);
}
