import fs from 'node:fs';

/** Where a process's fds point, e.g. `/tmp/nw-x/n1.log (deleted)` (read from `/proc/<pid>/fd`). */
export function openFiles(pid: number | 'self' = 'self'): string[] {
  const dir = `/proc/${pid}/fd`;
  const out: string[] = [];
  for (const fd of fs.readdirSync(dir)) {
    try {
      out.push(fs.readlinkSync(`${dir}/${fd}`));
    } catch {
      // closed meanwhile
    }
  }
  return out;
}

/** The files under `prefix` a process still holds open although they were deleted. */
export function deletedFiles(prefix: string, pid: number | 'self' = 'self'): string[] {
  return openFiles(pid).filter((f) => f.startsWith(prefix) && f.endsWith(' (deleted)'));
}
