import fs from 'node:fs';
import path from 'node:path';
import zlib from 'node:zlib';
import { pipeline } from 'node:stream/promises';

/**
 * File naming and size rotation of node logs: `<name>.log` is current,
 * `<name>.log.1` (or `.1.gz`) the newest rotated file … `.N` the oldest.
 *
 * A rotation costs the write path three calls: rename the current file to
 * `<name>.log.rotating`, open a new one and fstat it (its identity, by which
 * the writer notices a deleted or moved log); the Rotator (rotator.ts) does
 * the rest in the background.
 */

/** `<logDir>/<name>.log`. */
export function logFilePath(logDir: string, name: string): string {
  return path.join(logDir, `${name}.log`);
}

/** Where the just-rotated file waits until the backups have shifted. */
export function rotatingPath(logDir: string, name: string): string {
  return `${logFilePath(logDir, name)}.rotating`;
}

export async function ignoreMissing(p: Promise<unknown>): Promise<void> {
  try {
    await p;
  } catch (err) {
    if ((err as NodeJS.ErrnoException).code !== 'ENOENT') throw err;
  }
}

/**
 * Drops backups numbered `backups` and above and shifts the others one place
 * older, freeing `.1`. One readdir tells which exist. Plain and `.gz` names
 * shift alike, so history keeps its order when `compress` is switched.
 */
export async function shiftBackups(logDir: string, name: string, backups: number): Promise<void> {
  const base = logFilePath(logDir, name);
  const pattern = new RegExp(`^${name.replace(/[.*+?^${}()|[\]\\]/g, '\\$&')}\\.log\\.(\\d+)(\\.gz)?$`);
  const existing: Array<{ index: number; ext: string }> = [];
  for (const f of await fs.promises.readdir(logDir)) {
    const m = pattern.exec(f);
    if (m) existing.push({ index: Number(m[1]), ext: m[2] ?? '' });
  }
  existing.sort((a, b) => b.index - a.index); // oldest first, so no rename overwrites a file still to move
  for (const { index, ext } of existing) {
    const from = `${base}.${index}${ext}`;
    if (index >= backups) await ignoreMissing(fs.promises.unlink(from));
    else await ignoreMissing(fs.promises.rename(from, `${base}.${index + 1}${ext}`));
  }
}

/** Gzips src into dest (fast level: hosts run hundreds of nodes); a failed run leaves no dest. */
export async function gzipTo(src: string, dest: string): Promise<void> {
  try {
    await pipeline(
      fs.createReadStream(src),
      zlib.createGzip({ level: zlib.constants.Z_BEST_SPEED }),
      fs.createWriteStream(dest, { mode: 0o640 }),
    );
  } catch (err) {
    await fs.promises.rm(dest, { force: true }).catch(() => undefined);
    throw err;
  }
}

/** Runs background jobs one at a time, in order; a failing job is reported and the queue goes on. */
export class JobQueue {
  private tail: Promise<void> = Promise.resolve();

  constructor(private readonly onError: (err: unknown) => void) {}

  push(job: () => Promise<void>): void {
    void this.run(job);
  }

  /** Queues job and resolves with its result (undefined if it failed; the error went to onError). */
  run<T>(job: () => Promise<T>): Promise<T | undefined> {
    const result = this.tail.then(job).catch((err: unknown) => {
      this.onError(err);
      return undefined;
    });
    this.tail = result.then(() => undefined);
    return result;
  }

  /** Resolves when every job pushed so far has finished. */
  idle(): Promise<void> {
    return this.tail;
  }
}
