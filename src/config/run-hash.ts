import { createHash } from 'node:crypto';
import type { NodeSpec } from './types.js';

/** The part of a node's config that shapes the running process. */
export type RunInputs = Pick<
  NodeSpec,
  'binary' | 'args' | 'env' | 'cwd' | 'dataDir' | 'user' | 'group' | 'files' | 'limits'
>;

/**
 * Hashes what the process is started with, so a reload restarts a node only
 * when one of these changed (probes, sync rules, restart policy do not count).
 * Of `limits` only `nofile` counts (it is applied at spawn). Env keys are
 * sorted: their order in a file is not a change.
 */
export function runHash(r: RunInputs): string {
  const env = Object.keys(r.env)
    .sort()
    .map((k) => [k, r.env[k]]);
  const payload = [
    r.binary,
    r.args,
    env,
    r.cwd,
    r.dataDir,
    r.user,
    r.group,
    r.limits.nofile,
    r.files.map((f) => [f.path, f.content]),
  ];
  return createHash('sha256').update(JSON.stringify(payload)).digest('hex');
}
