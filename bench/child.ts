import fs from 'node:fs';
import path from 'node:path';
import { execFile } from 'node:child_process';
import { fileURLToPath } from 'node:url';
import { promisify } from 'node:util';

/**
 * The supervised program (bench/nwb-child.c), compiled at bench time, and the
 * stamp files it writes: `<id>.start` at exec and `<id>.stop` on SIGTERM,
 * CLOCK_MONOTONIC nanoseconds. Every manager runs this same binary.
 */

const run = promisify(execFile);
/** dist/bench/child.js → bench/nwb-child.c in the source tree. */
const SOURCE = fileURLToPath(new URL('../../bench/nwb-child.c', import.meta.url));
/** The process name (`comm`) of the supervised program. */
export const CHILD_COMM = 'nwb-child';

/** Compiles the program into dir (statically when the libc allows it); returns its path. */
export async function buildChild(dir: string): Promise<{ path: string; linkage: string }> {
  const out = path.join(dir, CHILD_COMM);
  try {
    await run('cc', ['-O2', '-static', '-o', out, SOURCE]);
    return { path: out, linkage: 'static' };
  } catch {
    try {
      await run('cc', ['-O2', '-o', out, SOURCE]);
    } catch (err) {
      throw new Error(`cannot compile ${SOURCE} with cc (install a C compiler: apt-get install -y gcc): ${String(err)}`);
    }
    return { path: out, linkage: 'dynamic' };
  }
}

export interface StartStamp {
  readonly ns: bigint;
  readonly pid: number;
}

/** The exec stamp of instance `id`, or null when it has not started yet. */
export function readStart(stampDir: string, id: number | string): StartStamp | null {
  let text: string;
  try {
    text = fs.readFileSync(path.join(stampDir, `${id}.start`), 'latin1');
  } catch {
    return null;
  }
  const m = /^(\d+) (\d+)\n$/.exec(text);
  return m ? { ns: BigInt(m[1]!), pid: Number(m[2]) } : null;
}

/** Every complete stamp of one kind in stampDir, by instance id. */
export function readStamps(stampDir: string, kind: 'start' | 'stop'): Map<string, bigint> {
  const out = new Map<string, bigint>();
  for (const f of fs.readdirSync(stampDir)) {
    if (!f.endsWith(`.${kind}`)) continue;
    let text = '';
    try {
      text = fs.readFileSync(path.join(stampDir, f), 'latin1');
    } catch {
      continue;
    }
    const m = /^(\d+)[ \n]/.exec(text);
    if (m) out.set(f.slice(0, -kind.length - 1), BigInt(m[1]!));
  }
  return out;
}

/** How many stamp files of a kind exist (cheap: one readdir). */
export function countStamps(stampDir: string, kind: 'start' | 'stop'): number {
  const suffix = `.${kind}`;
  let n = 0;
  for (const f of fs.readdirSync(stampDir)) if (f.endsWith(suffix)) n++;
  return n;
}

/** What the log writer reports when done: lines written and its own start/end. */
export interface SpewCount {
  readonly lines: number;
  readonly startNs: bigint;
  readonly endNs: bigint;
}

export function readSpewCount(file: string): SpewCount | null {
  let text: string;
  try {
    text = fs.readFileSync(file, 'latin1');
  } catch {
    return null;
  }
  const m = /^(\d+) (\d+) (\d+)\n$/.exec(text);
  return m ? { lines: Number(m[1]), startNs: BigInt(m[2]!), endNs: BigInt(m[3]!) } : null;
}
