import type { ControlClient } from '../../protocol/client.js';
import { ExitCode, type ExitCodeValue } from '../exit-codes.js';
import { renderReload, renderReloadRefused } from '../render/reload.js';

/**
 * `nodewarden reload`: the daemon re-reads every config file and applies it
 * only if all of it is valid. Prints what changed; a refused config prints
 * every problem and exits 2 (nothing changed).
 */
export async function reloadCommand(client: ControlClient, json: boolean): Promise<ExitCodeValue> {
  const r = await client.reload();
  if (json) process.stdout.write(JSON.stringify(r, null, 2) + '\n');
  else if (r.ok) process.stdout.write(renderReload(r).join('\n') + '\n');
  else process.stderr.write(renderReloadRefused(r).join('\n') + '\n');
  return r.ok ? ExitCode.OK : ExitCode.USAGE;
}
