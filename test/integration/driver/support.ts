/**
 * Shared by the driver and log integration tests: temp dirs, a bounded poll
 * for external facts (a pid gone, a file written), a full NodeSpec with
 * defaults, and cleanup of every process a test started, by pid.
 */
import fs from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { fileURLToPath } from 'node:url';
import type { NodeSpec } from '../../../src/config/types.js';
import { isAlive } from '../../../src/supervisor/proc.js';

export function tmpDir(): string {
  return fs.mkdtempSync(path.join(os.tmpdir(), 'nw-'));
}

/** Polls `fact` every 20 ms until truthy; the timeout is only a failure bound. */
export async function waitUntil<T>(
  fact: () => T | Promise<T>,
  what: string,
  timeoutMs = 10_000,
): Promise<NonNullable<T>> {
  const deadline = Date.now() + timeoutMs;
  for (;;) {
    const v = await fact();
    if (v) return v as NonNullable<T>;
    if (Date.now() > deadline) throw new Error(`timed out after ${timeoutMs} ms waiting for ${what}`);
    await new Promise((r) => setTimeout(r, 20));
  }
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
  return {
    name: 'n1',
    index: 1,
    file: path.join(dir, 'nodes', 'n1.json'),
    args: [],
    env: {},
    cwd: dataDir,
    dataDir,
    user: null,
    group: null,
    autostart: true,
    priority: 100,
    restart: {
      policy: 'always',
      startSeconds: 3,
      maxRetries: 5,
      fatalRetryMs: 600000,
      backoffMs: 1000,
      backoffMaxMs: 60000,
      stableSeconds: 60,
      permanentExitCodes: [],
    },
    stop: { signal: 'SIGTERM', graceMs: 120000 },
    limits: { nofile: null, maxRssMb: null, maxCpuPercent: null, forSamples: 3 },
    logs: { maxBytes: 20 * 1024 * 1024, backups: 10, compress: false },
    probes: {},
    sync: {
      group: 'n1',
      minHealthy: 1,
      reference: [],
      maxLag: 10,
      windowMs: 300000,
      stallMs: 600000,
      startupGraceMs: 120000,
    },
    profileNames: [],
    profile: null,
    files: [],
    runHash: 'test',
    ...over,
  };
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
