import type { ControlClient } from '../../protocol/client.js';
import { ExitCode, type ExitCodeValue } from '../exit-codes.js';

/**
 * `nodewarden shutdown [--keep-nodes]`: the daemon answers, then stops every
 * node and exits; with --keep-nodes it exits and leaves every node running
 * for the next `nodewarden run` to adopt (an upgrade of nodewarden itself).
 */
export async function shutdownCommand(
  client: ControlClient,
  keepNodes: boolean,
  json: boolean,
): Promise<ExitCodeValue> {
  const r = await client.shutdown(keepNodes);
  if (json) process.stdout.write(JSON.stringify(r) + '\n');
  else if (r.keepNodes) {
    process.stdout.write(
      'nodewarden: shutting down; every node keeps running for the next `nodewarden run` to adopt\n',
    );
  } else process.stdout.write('nodewarden: shutting down; stopping every node\n');
  return ExitCode.OK;
}
