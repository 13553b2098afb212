import type { ControlClient } from '../../protocol/client.js';
import { ExitCode, type ExitCodeValue } from '../exit-codes.js';
import { renderReload, renderReloadPlan, renderReloadRefused } from '../render/reload.js';

/**
 * `nodewarden reload`: the daemon re-reads every config file and applies it
 * only if all of it is valid. Prints what changed; a refused config prints
 * every problem and exits 2 (nothing changed). With `--dry-run`, prints what
 * a reload would do to each node and changes nothing.
 */
export async function reloadCommand(
  client: ControlClient,
  json: boolean,
  dryRun = false,
): Promise<ExitCodeValue> {
  const r = await client.reload({ dryRun });
  if (json) process.stdout.write(JSON.stringify(r, null, 2) + '\n');
  else if (r.ok) process.stdout.write((dryRun ? renderReloadPlan(r) : renderReload(r)).join('\n') + '\n');
  else process.stderr.write(renderReloadRefused(r).join('\n') + '\n');
  return r.ok ? ExitCode.OK : ExitCode.USAGE;
}
