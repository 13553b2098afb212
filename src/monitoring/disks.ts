import fs from 'node:fs';
import path from 'node:path';

/** Free space of one filesystem that holds node data. */
export interface DiskReading {
  /** Mount point of the filesystem (e.g. `/var/lib/nodes`). */
  readonly filesystem: string;
  /** The dataDirs asked about that live on it. */
  readonly dataDirs: readonly string[];
  /** Space an unprivileged user can still write, in % of the filesystem size. */
  readonly freePercent: number;
  readonly freeBytes: number;
  readonly totalBytes: number;
}

/** Mount points listed in /proc/self/mountinfo (field 5, octal escapes undone). */
export function parseMountPoints(mountinfo: string): string[] {
  const out: string[] = [];
  for (const line of mountinfo.split('\n')) {
    const field = line.split(' ')[4];
    if (field)
      out.push(field.replace(/\\([0-7]{3})/g, (_, o: string) => String.fromCharCode(parseInt(o, 8))));
  }
  return out;
}

/** The longest mount point containing `file` (an absolute, real path); '/' at worst. */
export function mountPointOf(file: string, mountPoints: readonly string[]): string {
  let best = '/';
  for (const m of mountPoints) {
    const inside = m === '/' || file === m || file.startsWith(m.endsWith('/') ? m : m + '/');
    if (inside && m.length > best.length) best = m;
  }
  return best;
}

/**
 * `dir` itself or its nearest existing ancestor (a dataDir is created only at
 * the node's first start), with its device id: one stat per level tried.
 */
function existingAncestor(dir: string): { probe: string; dev: number } | null {
  for (let d = path.resolve(dir); ; d = path.dirname(d)) {
    try {
      const st = fs.statSync(d, { throwIfNoEntry: false });
      if (st) return { probe: d, dev: st.dev };
    } catch {
      // ENOTDIR, EACCES ...: as good as missing, try the parent
    }
    if (d === path.dirname(d)) return null;
  }
}

/**
 * statfs of each distinct filesystem (by device id) holding one of `dataDirs`.
 * A filesystem that reports no blocks (a pseudo filesystem) is left out.
 */
export function readFilesystems(dataDirs: readonly string[], readMountinfo: () => string): DiskReading[] {
  const byDev = new Map<number, { probe: string; dataDirs: string[] }>();
  for (const dir of new Set(dataDirs)) {
    const found = existingAncestor(dir);
    if (found === null) continue;
    const { probe, dev } = found;
    const group = byDev.get(dev);
    if (group) group.dataDirs.push(dir);
    else byDev.set(dev, { probe, dataDirs: [dir] });
  }
  if (byDev.size === 0) return [];
  let mountPoints: string[] = [];
  try {
    mountPoints = parseMountPoints(readMountinfo());
  } catch {
    // without mountinfo every filesystem is named after its first dataDir
  }
  const out: DiskReading[] = [];
  for (const { probe, dataDirs: dirs } of byDev.values()) {
    let st: fs.StatsFs;
    try {
      st = fs.statfsSync(probe);
    } catch {
      continue;
    }
    if (st.blocks <= 0) continue;
    let real = probe;
    try {
      real = fs.realpathSync(probe);
    } catch {
      // keep the path as given
    }
    out.push({
      filesystem: mountPoints.length > 0 ? mountPointOf(real, mountPoints) : dirs[0]!,
      dataDirs: dirs,
      freePercent: Math.round((st.bavail / st.blocks) * 10000) / 100,
      freeBytes: st.bavail * st.bsize,
      totalBytes: st.blocks * st.bsize,
    });
  }
  return out;
}
