import { NodewardenError } from '../errors.js';
import { Redactor } from './redact.js';
import { sensitiveValues } from './sensitive.js';
import type { LoadedConfig, NodeSpec } from './types.js';

/**
 * What `config show <node>` prints: the node's merged, interpolated config
 * with every secret masked. `{{secret}}` values are whatever the load's
 * SecretSource gave (MaskedSecrets: masks, never a real secret); env values
 * under secret-looking names, probe `auth.pass`, passwords inside URLs,
 * secret-named flags in `args` (and those values wherever else they appear,
 * e.g. in a rendered file) are masked here.
 */
export function showNode(loaded: LoadedConfig, name: string): NodeSpec {
  const wanted = name.toLowerCase();
  const spec = loaded.nodes.find((n) => n.name.toLowerCase() === wanted);
  if (!spec) {
    throw new NodewardenError('E_NODE_NOT_FOUND', `no such node: ${name}`, {
      hint: 'run `nodewarden status` to list the configured nodes',
      details: { node: name },
    });
  }
  return new Redactor(sensitiveValues(loaded)).value(spec);
}
