/**
 * Shared by the tests that run real nodes: whether this host gives nodewarden
 * a writable cgroup v2 hierarchy (else cgroup tests skip, saying why), the
 * cgroup a process is in, and removal of a manager's empty node cgroups when
 * a test ended its nodes by pid (a killed manager cannot remove them).
 */
import fs from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { nodesCgroupDir, parseCgroupV2Path, removeEmptyNodeCgroups } from '../../src/supervisor/cgroup.js';
import { ExecDriver } from '../../src/supervisor/exec-driver.js';

let probed: string | null | undefined;

/** null when cgroup containment works here, else why it does not (a skip reason). */
export function cgroupUnavailable(): string | null {
  if (probed !== undefined) return probed;
  const dir = fs.mkdtempSync(path.join(os.tmpdir(), 'nw-'));
  try {
    const c = new ExecDriver({ stateDir: dir, containment: 'auto' }).containment;
    probed = c.mode === 'cgroup' ? null : `needs a writable cgroup v2 hierarchy: ${c.reason}`;
  } finally {
    fs.rmSync(dir, { recursive: true, force: true });
  }
  return probed;
}

/** The cgroup v2 path of a process (`/nodewarden-…/n1.node`), or null when it is gone. */
export function cgroupPathOf(pid: number): string | null {
  try {
    return parseCgroupV2Path(fs.readFileSync(`/proc/${pid}/cgroup`, 'utf8'));
  } catch {
    return null;
  }
}

/**
 * Remove the empty node cgroups of the manager of `stateDir` (started from this
 * process's cgroup), then their parent if empty. Populated ones stay (and
 * stay visible): a test left a process running.
 */
export function removeNodeCgroups(stateDir: string): void {
  const base = nodesCgroupDir(stateDir);
  if (base !== null) removeEmptyNodeCgroups(base);
}
