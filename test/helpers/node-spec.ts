import { runDefaults } from '../../src/config/node-validate.js';
import type { NodeSpec } from '../../src/config/types.js';

/**
 * A complete NodeSpec with DESIGN §1's defaults (the loader's own, see
 * runDefaults), for tests that build specs without the config loader.
 * Callers override what their test is about.
 */
export function baseSpec(name: string, dataDir: string, over: Partial<NodeSpec> = {}): NodeSpec {
  const defaults = runDefaults();
  return {
    ...defaults,
    name,
    index: 1,
    file: `/etc/nodewarden/nodes/${name}.json`,
    binary: '/usr/bin/true',
    cwd: dataDir,
    dataDir,
    sync: { ...defaults.sync, group: name },
    profileNames: [],
    profile: null,
    profileSpecs: {},
    runHash: 'test',
    ...over,
  };
}
