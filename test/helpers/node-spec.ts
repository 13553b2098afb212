import type { NodeSpec } from '../../src/config/types.js';

/**
 * A complete NodeSpec with DESIGN §1's defaults, for tests that build specs
 * without the config loader. Callers override what their test is about.
 */
export function baseSpec(name: string, dataDir: string, over: Partial<NodeSpec> = {}): NodeSpec {
  return {
    name,
    index: 1,
    file: `/etc/nodewarden/nodes/${name}.json`,
    binary: '/usr/bin/true',
    args: [],
    env: {},
    cwd: dataDir,
    dataDir,
    user: null,
    group: null,
    autostart: true,
    priority: 100,
    shed: false,
    restart: {
      policy: 'always',
      startSeconds: 3,
      maxRetries: 5,
      fatalRetryMs: 600_000,
      backoffMs: 1000,
      backoffMaxMs: 60_000,
      stableSeconds: 60,
      permanentExitCodes: [],
    },
    stop: { signal: 'SIGTERM', graceMs: 120_000 },
    limits: { nofile: null, maxRssMb: null, maxCpuPercent: null, forSamples: 3 },
    logs: { maxBytes: 20 * 1024 * 1024, backups: 10, compress: false },
    probes: {},
    sync: {
      group: name,
      minHealthy: 1,
      reference: [],
      maxLag: 10,
      windowMs: 300_000,
      stallMs: 600_000,
      startupGraceMs: 120_000,
    },
    profileNames: [],
    profile: null,
    profileSpecs: {},
    files: [],
    runHash: 'test',
    ...over,
  };
}
