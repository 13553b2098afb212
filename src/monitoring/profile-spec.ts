import { loadConfig } from '../config/load.js';
import type { NodeSpec, SecretSource } from '../config/types.js';
import { NodewardenError } from '../errors.js';

/**
 * The spec of one node with a profile (e.g. `fallback`) merged in, read from
 * the config directory as it is now, with the daemon's persisted secrets so
 * `{{secret ...}}` values stay the same. Throws ConfigError when the config
 * (or the profile) does not resolve.
 */
export function resolveProfileSpec(
  configDir: string,
  secrets: SecretSource,
  node: string,
  profile: string | null,
): NodeSpec {
  const cfg = loadConfig(configDir, { secrets, profileFor: (n) => (n === node ? profile : null) });
  const spec = cfg.nodes.find((n) => n.name === node);
  if (!spec) {
    throw new NodewardenError(
      'E_NODE_NOT_FOUND',
      `node ${node} is no longer in the configuration at ${configDir}`,
    );
  }
  return spec;
}
