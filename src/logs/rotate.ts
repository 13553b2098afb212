import fs from 'node:fs';
import path from 'node:path';
import zlib from 'node:zlib';
import { pipeline } from 'node:stream/promises';

/**
 * File naming and size rotation of node logs: `<name>.log` is current,
 * `<name>.log.1` (or `.1.gz`) the newest rotated file … `.N` the oldest.
 */

/** `<logDir>/<name>.log`. */
export function logFilePath(logDir: string, name: string): string {
  return path.join(logDir, `${name}.log`);
}

async function ignoreMissing(p: Promise<unknown>): Promise<void> {
  try {
    await p;
  } catch (err) {
    if ((err as NodeJS.ErrnoException).code !== 'ENOENT') throw err;
  }
}

/**
 * Drops backups beyond the newest `backups - 1`, shifts the others one place
 * older and moves the current file to `.1`. One readdir tells which backups
 * exist, so the cost is one rename per existing file. Plain and `.gz` names
 * shift alike, so history keeps its order when `compress` is switched.
 * With `backups: 0` the current file is simply removed.
 */
export async function rotateFiles(logDir: string, name: string, backups: number): Promise<void> {
  const base = logFilePath(logDir, name);
  if (backups <= 0) return ignoreMissing(fs.promises.unlink(base));
  const pattern = new RegExp(`^${name.replace(/[.*+?^${}()|[\]\\]/g, '\\$&')}\\.log\\.(\\d+)(\\.gz)?$`);
  const existing: Array<{ index: number; ext: string }> = [];
  for (const f of await fs.promises.readdir(logDir)) {
    const m = pattern.exec(f);
    if (m) existing.push({ index: Number(m[1]), ext: m[2] ?? '' });
  }
  existing.sort((a, b) => b.index - a.index); // oldest first, so no rename overwrites
  for (const { index, ext } of existing) {
    const from = `${base}.${index}${ext}`;
    if (index >= backups) await ignoreMissing(fs.promises.unlink(from));
    else await ignoreMissing(fs.promises.rename(from, `${base}.${index + 1}${ext}`));
  }
  await ignoreMissing(fs.promises.rename(base, `${base}.1`));
}

/**
 * Gzips rotated files one at a time, in order, in zlib's thread pool (off the
 * write path). A file becomes `<file>.gz` via a temp name, and only then is the
 * plain file removed, so a crash never loses a rotated file. The writer waits
 * for `idle()` before the next rotation so names never shift under a job.
 */
export class Compressor {
  private tail: Promise<void> = Promise.resolve();

  constructor(private readonly onError: (file: string, err: unknown) => void) {}

  enqueue(file: string): void {
    this.tail = this.tail.then(() => this.compress(file));
  }

  /** Resolves when every queued job has finished (successfully or not). */
  idle(): Promise<void> {
    return this.tail;
  }

  private async compress(file: string): Promise<void> {
    const tmp = `${file}.gz.tmp`;
    try {
      await pipeline(fs.createReadStream(file), zlib.createGzip(), fs.createWriteStream(tmp, { mode: 0o640 }));
      await fs.promises.rename(tmp, `${file}.gz`);
      await fs.promises.unlink(file);
    } catch (err) {
      // Keep the plain file: an uncompressed backup beats a lost one.
      await fs.promises.rm(tmp, { force: true }).catch(() => undefined);
      this.onError(file, err);
    }
  }
}
