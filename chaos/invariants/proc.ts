import fs from 'node:fs';

/**
 * The chaos run's processes as /proc shows them: every live process whose
 * environment carries this run's `NODEWARDEN_CHAOS_RUN`, with the node it
 * belongs to (`NODEWARDEN_CHAOS_NODE`). Read from outside, never from the manager.
 */

/** One live process of a node, as /proc tells it. */
export interface NodeProc {
  pid: number;
  ppid: number;
  pgid: number;
  sid: number;
  /** /proc state letter (R, S, T, …); zombies are never listed. */
  state: string;
  /** Start time in clock ticks since boot (field 22 of /proc/<pid>/stat). */
  startTicks: number;
  node: string;
  cmdline: string;
  /** The node's main process: the sim node itself (also after a shell wrapper exec'd it). */
  main: boolean;
}

/** How a node's main process is recognised in its command line. */
const MAIN_MARK = 'sim-node.js';

function readOr(file: string): string | null {
  try {
    return fs.readFileSync(file, 'latin1');
  } catch {
    return null;
  }
}

/** Fields of /proc/<pid>/stat after the command name (which may hold spaces and parens). */
function statFields(pid: number): string[] | null {
  const stat = readOr(`/proc/${pid}/stat`);
  if (stat === null) return null;
  const close = stat.lastIndexOf(')');
  if (close < 0) return null;
  // [0] = state (field 3), [1] = ppid, [2] = pgrp, [3] = session, … [19] = starttime (field 22)
  return stat.slice(close + 2).split(' ');
}

/** Every live (not zombie) process of run `runId`, by pid. */
export function scanRun(runId: string): NodeProc[] {
  const out: NodeProc[] = [];
  for (const entry of fs.readdirSync('/proc')) {
    if (!/^\d+$/.test(entry)) continue;
    const pid = Number(entry);
    const environ = readOr(`/proc/${pid}/environ`);
    if (environ === null || !environ.includes(`NODEWARDEN_CHAOS_RUN=${runId}\0`)) continue;
    let node: string | null = null;
    let run: string | null = null;
    for (const kv of environ.split('\0')) {
      if (kv.startsWith('NODEWARDEN_CHAOS_NODE=')) node = kv.slice('NODEWARDEN_CHAOS_NODE='.length);
      else if (kv.startsWith('NODEWARDEN_CHAOS_RUN=')) run = kv.slice('NODEWARDEN_CHAOS_RUN='.length);
    }
    if (run !== runId || node === null) continue;
    const f = statFields(pid);
    if (f === null || f[0] === 'Z' || f[0] === 'X') continue;
    const cmdline = (readOr(`/proc/${pid}/cmdline`) ?? '').split('\0').filter(Boolean).join(' ');
    out.push({
      pid,
      ppid: Number(f[1]),
      pgid: Number(f[2]),
      sid: Number(f[3]),
      state: f[0]!,
      startTicks: Number(f[19]),
      node,
      cmdline,
      main: cmdline.includes(MAIN_MARK),
    });
  }
  return out.sort((a, b) => a.pid - b.pid);
}

/** Processes grouped by node name. */
export function byNode(procs: readonly NodeProc[]): Map<string, NodeProc[]> {
  const m = new Map<string, NodeProc[]>();
  for (const p of procs) {
    let list = m.get(p.node);
    if (!list) m.set(p.node, (list = []));
    list.push(p);
  }
  return m;
}

/** A process as one evidence line. */
export function describeProc(p: NodeProc): string {
  return `pid ${p.pid} ppid ${p.ppid} pgid ${p.pgid} sid ${p.sid} state ${p.state} start ${p.startTicks}${p.main ? ' main' : ''}: ${p.cmdline}`;
}

/** The parent pid of any process (not only the run's), or null once it is gone. */
export function parentOf(pid: number): number | null {
  const f = statFields(pid);
  return f === null ? null : Number(f[1]);
}

/** Whether `pid` is alive (not a zombie). */
export function alive(pid: number): boolean {
  const f = statFields(pid);
  return f !== null && f[0] !== 'Z' && f[0] !== 'X';
}

/** VmRSS of `pid` in KiB, or null when it is gone. */
export function rssKb(pid: number): number | null {
  const status = readOr(`/proc/${pid}/status`);
  const m = status === null ? null : /^VmRSS:\s+(\d+)\s+kB/m.exec(status);
  return m ? Number(m[1]) : null;
}

/** The command line of `pid` (spaces between arguments), or null once it is gone. */
export function cmdlineOf(pid: number): string | null {
  const raw = readOr(`/proc/${pid}/cmdline`);
  return raw === null ? null : raw.split('\0').filter(Boolean).join(' ');
}
