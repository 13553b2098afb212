import fs from 'node:fs';
import path from 'node:path';
import zlib from 'node:zlib';
import { pipeline } from 'node:stream/promises';

/**
 * File naming and size rotation of node logs: `<name>.log` is current,
 * `<name>.log.1` (or `.1.gz`) the newest rotated file … `.N` the oldest.
 *
 * A rotation costs the write path two calls: rename the current file to
 * `<name>.log.rotating` and open a new one. Shifting the backups (one rename
 * per existing file), naming the rotated file `.1` and gzipping it run in the
 * background, one rotation at a time.
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

/**
 * Gzips file to `<file>.gz` via a temp name, then removes the plain file, so
 * a crash never loses a rotated file. Fast level: hosts run hundreds of nodes.
 */
export async function gzipFile(file: string): Promise<void> {
  const tmp = `${file}.gz.tmp`;
  try {
    await pipeline(
      fs.createReadStream(file),
      zlib.createGzip({ level: zlib.constants.Z_BEST_SPEED }),
      fs.createWriteStream(tmp, { mode: 0o640 }),
    );
    await fs.promises.rename(tmp, `${file}.gz`);
    await fs.promises.unlink(file);
  } catch (err) {
    await fs.promises.rm(tmp, { force: true }).catch(() => undefined);
    throw err;
  }
}

/** The background half of a rotation: shift the backups, `.rotating` → `.1`, gzip it. */
export async function finishRotation(
  logDir: string,
  name: string,
  backups: number,
  compress: boolean,
): Promise<void> {
  const base = logFilePath(logDir, name);
  await shiftBackups(logDir, name, backups);
  await fs.promises.rename(rotatingPath(logDir, name), `${base}.1`);
  // On a gzip failure the plain `.1` stays: an uncompressed backup beats a lost one.
  if (compress) await gzipFile(`${base}.1`);
}

/** Runs background jobs one at a time, in order; a failing job is reported and the queue goes on. */
export class JobQueue {
  private tail: Promise<void> = Promise.resolve();

  constructor(private readonly onError: (err: unknown) => void) {}

  push(job: () => Promise<void>): void {
    this.tail = this.tail.then(job).catch((err: unknown) => this.onError(err));
  }

  /** Resolves when every job pushed so far has finished. */
  idle(): Promise<void> {
    return this.tail;
  }
}
