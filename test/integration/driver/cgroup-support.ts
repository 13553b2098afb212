/**
 * Shared by the containment tests: whether this host gives nodewarden a
 * writable cgroup v2 hierarchy (else the cgroup tests skip, saying why), the
 * cgroup a process is in, and removal of a manager's empty node cgroups left
 * by a test that ended its processes by pid.
 */
import fs from 'node:fs';
import path from 'node:path';
import { parseCgroupV2Path } from '../../../src/supervisor/cgroup.js';
import { ExecDriver } from '../../../src/supervisor/exec-driver.js';
import { tmpDir } from './support.js';

let probed: string | null | undefined;

/** null when cgroup containment works here, else why it does not (a skip reason). */
export function cgroupUnavailable(): string | null {
  if (probed !== undefined) return probed;
  const dir = tmpDir();
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

/** Remove the empty node cgroups below `baseDir`, then baseDir itself if empty (test cleanup). */
export function removeEmptyCgroups(baseDir: string): void {
  let names: string[] = [];
  try {
    names = fs.readdirSync(baseDir).filter((n) => n.endsWith('.node'));
  } catch {
    return;
  }
  for (const n of names) {
    try {
      fs.rmdirSync(path.join(baseDir, n));
    } catch {
      // still populated: a process a test forgot; its cgroup stays visible
    }
  }
  try {
    fs.rmdirSync(baseDir);
  } catch {
    // not empty
  }
}
