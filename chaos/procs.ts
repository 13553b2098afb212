/**
 * The run's processes as /proc shows them: every process whose environment
 * carries the run's `NODEWARDEN_CHAOS_RUN`, with the node it belongs to.
 */
import fs from 'node:fs';

export interface ChaosProcess {
  pid: number;
  node: string;
  /** The node's main process (the sim node itself, also after a shell exec'd it). */
  main: boolean;
  /** A child or grandchild the sim started (the sleeper). */
  descendant: boolean;
  cmdline: string[];
}

function readNul(file: string): string[] | null {
  try {
    return fs
      .readFileSync(file, 'latin1')
      .split('\0')
      .filter((s) => s !== '');
  } catch {
    return null; // gone meanwhile, or a kernel thread
  }
}

/** Every live process of the run, by one pass over /proc. */
export function runProcesses(runId: string): ChaosProcess[] {
  const out: ChaosProcess[] = [];
  const tag = `NODEWARDEN_CHAOS_RUN=${runId}`;
  for (const entry of fs.readdirSync('/proc')) {
    if (!/^\d+$/.test(entry)) continue;
    const env = readNul(`/proc/${entry}/environ`);
    if (env === null || !env.includes(tag)) continue;
    const node = env.find((e) => e.startsWith('NODEWARDEN_CHAOS_NODE='))?.slice(22);
    const cmdline = readNul(`/proc/${entry}/cmdline`);
    if (node === undefined || cmdline === null || cmdline.length === 0) continue;
    if (isZombie(Number(entry))) continue;
    out.push({
      pid: Number(entry),
      node,
      main: cmdline.some((a) => a.endsWith('sim-node.js')),
      descendant: cmdline.some((a) => a.endsWith('sleeper.js')),
      cmdline,
    });
  }
  return out;
}

function isZombie(pid: number): boolean {
  try {
    const stat = fs.readFileSync(`/proc/${pid}/stat`, 'latin1');
    return stat.slice(stat.lastIndexOf(')') + 2).startsWith('Z');
  } catch {
    return true;
  }
}

/** Resident set size of a process in bytes (null when it is gone). */
export function rssBytes(pid: number): number | null {
  try {
    const m = /^VmRSS:\s+(\d+)\s+kB/m.exec(fs.readFileSync(`/proc/${pid}/status`, 'latin1'));
    return m ? Number(m[1]) * 1024 : null;
  } catch {
    return null;
  }
}

/** True while the pid is a live (non-zombie) process. */
export function alive(pid: number): boolean {
  try {
    process.kill(pid, 0);
  } catch {
    return false;
  }
  return !isZombie(pid);
}
