/**
 * Shared by the driver and log integration tests: temp dirs, a bounded poll
 * for external facts (a pid gone, a file written), a full NodeSpec with
 * defaults, and cleanup of every process a test started, by pid.
 */
import { after, before } from 'node:test';
import fs from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { fileURLToPath } from 'node:url';
import type { NodeSpec } from '../../../src/config/types.js';
import { ExecDriver } from '../../../src/supervisor/exec-driver.js';
import { isAlive } from '../../../src/supervisor/proc.js';
import { waitUntil as pollUntil } from '../../helpers/wait.js';
import { baseSpec } from '../../helpers/node-spec.js';

export function tmpDir(): string {
  return fs.mkdtempSync(path.join(os.tmpdir(), 'nw-'));
}

/** Polls a fact until truthy (see test/helpers/wait.ts); the timeout is only a failure bound. */
export function waitUntil<T>(
  fact: () => T | Promise<T>,
  what: string,
  timeoutMs = 10_000,
): Promise<NonNullable<T>> {
  return pollUntil(fact, what, timeoutMs, 20);
}

/** Awaits p with a ref'd timer running, for code whose own timers are unref'd. */
export async function keepingLoopAlive<T>(p: Promise<T>): Promise<T> {
  const t = setInterval(() => undefined, 1000);
  try {
    return await p;
  } finally {
    clearInterval(t);
  }
}

/** Absolute path of a compiled fixture (dist/test/fixtures/<name>.js). */
export function fixture(name: string): string {
  return fileURLToPath(new URL(`../../fixtures/${name}.js`, import.meta.url));
}

/** First existing path among candidates (binaries differ between distributions). */
export function which(...candidates: string[]): string {
  const found = candidates.find((p) => fs.existsSync(p));
  if (!found) throw new Error(`none of ${candidates.join(', ')} exists`);
  return found;
}

export const SH = which('/bin/sh', '/usr/bin/sh');
export const SLEEP = which('/usr/bin/sleep', '/bin/sleep');

/** A complete NodeSpec for tests; dataDir and cwd default to `<dir>/data`. */
export function makeSpec(dir: string, over: Partial<NodeSpec> & Pick<NodeSpec, 'binary'>): NodeSpec {
  const dataDir = over.dataDir ?? path.join(dir, 'data');
  return baseSpec('n1', dataDir, { file: path.join(dir, 'nodes', 'n1.json'), ...over });
}

/** Tracks pids a test started and SIGKILLs whatever is still alive at the end. */
export class Pids {
  private readonly list: Array<{ pid: number; startTime?: string }> = [];

  add(pid: number, startTime?: string): void {
    this.list.push(startTime === undefined ? { pid } : { pid, startTime });
  }

  killAll(): void {
    for (const { pid, startTime } of this.list) {
      if (!isAlive(pid, startTime)) continue;
      try {
        process.kill(pid, 'SIGKILL');
      } catch {
        // already gone
      }
    }
  }
}

/**
 * The common bed of the driver tests: one ExecDriver, a temp dir and one
 * output file every node writes to. `prepare` runs on the fresh dir; after the
 * suite every process it started (tracked in `pids`) is killed and the dir
 * removed.
 */
export function useDriverBed(prepare?: (dir: string) => void) {
  const bed = {
    dir: '',
    outFd: -1,
    pids: new Pids(),
    driver: new ExecDriver({ watchIntervalMs: 20 }),
    /** What the nodes have written so far. */
    output: (): string => fs.readFileSync(path.join(bed.dir, 'out.log'), 'utf8'),
  };
  before(() => {
    bed.dir = tmpDir();
    prepare?.(bed.dir);
    bed.outFd = fs.openSync(path.join(bed.dir, 'out.log'), 'a');
  });
  after(() => {
    bed.pids.killAll();
    fs.closeSync(bed.outFd);
    fs.rmSync(bed.dir, { recursive: true, force: true });
  });
  return bed;
}
