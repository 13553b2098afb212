import { loadConfig } from '../../config/load.js';
import { MaskedSecrets } from '../../config/secrets.js';
import { showNode } from '../../config/show.js';
import { ExitCode, type ExitCodeValue } from '../exit-codes.js';

/** `nodewarden config check`: validate every file without starting anything; every problem listed. */
export function configCheck(configDir: string, json: boolean): ExitCodeValue {
  const loaded = loadConfig(configDir, { secrets: new MaskedSecrets() });
  if (json) {
    process.stdout.write(JSON.stringify({ ok: true, nodes: loaded.nodes.map((n) => n.name) }) + '\n');
  } else {
    process.stdout.write(`config ${configDir} is valid: ${loaded.nodes.length} node(s)\n`);
  }
  return ExitCode.OK;
}

/** `nodewarden config show <node>`: the merged, interpolated config (secrets masked). */
export function configShow(configDir: string, name: string): ExitCodeValue {
  const loaded = loadConfig(configDir, { secrets: new MaskedSecrets() });
  process.stdout.write(JSON.stringify(showNode(loaded, name), null, 2) + '\n');
  return ExitCode.OK;
}
