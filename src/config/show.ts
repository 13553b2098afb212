import { NodewardenError } from '../errors.js';
import type { LoadedConfig, NodeSpec } from './types.js';

/**
 * What `config show <node>` prints: the node's merged, interpolated config.
 * Secrets are whatever the load's SecretSource gave, so a config loaded with
 * MaskedSecrets shows masks and never a real secret.
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
  return spec;
}
