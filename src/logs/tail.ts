import fs from 'node:fs';
import zlib from 'node:zlib';
import { promisify } from 'node:util';
import { countNewlines } from './lines.js';
import { logFilePath } from './rotate.js';

export { follow, type Follower, type FollowOptions } from './follow.js';

const gunzip = promisify(zlib.gunzip);
const BLOCK = 64 * 1024;

/**
 * The last n lines of a node's log (`nodewarden logs`, `GET /api/logs/:name`):
 * from the current file, and from the newest rotated one (`.1` or `.1.gz`)
 * when the current file holds fewer. An unfinished last line is included.
 */
export async function readLastLines(logDir: string, name: string, n: number): Promise<string[]> {
  if (n <= 0) return [];
  const base = logFilePath(logDir, name);
  const lines = await lastLinesOf(base, n);
  if (lines.length >= n) return lines;
  // Just after a rotation the previous file may still be `.rotating` (not yet shifted in as `.1`).
  const older =
    (await readWhole(`${base}.rotating`)) ??
    (await readWhole(`${base}.1`)) ??
    (await readWhole(`${base}.1.gz`, true));
  if (!older) return lines;
  return [...toLines(older).slice(-(n - lines.length)), ...lines];
}

/** Reads backwards block by block until n lines are known. */
async function lastLinesOf(file: string, n: number): Promise<string[]> {
  let fh: fs.promises.FileHandle;
  try {
    fh = await fs.promises.open(file, 'r');
  } catch (err) {
    if ((err as NodeJS.ErrnoException).code === 'ENOENT') return [];
    throw err;
  }
  try {
    const { size } = await fh.stat();
    const blocks: Buffer[] = [];
    let pos = size;
    let newlines = 0;
    // n lines need n+1 newlines before them to be whole (one may be the file's last byte).
    while (pos > 0 && newlines <= n) {
      const len = Math.min(BLOCK, pos);
      pos -= len;
      const b = Buffer.alloc(len);
      await fh.read(b, 0, len, pos);
      blocks.unshift(b);
      newlines += countNewlines(b);
    }
    const lines = toLines(Buffer.concat(blocks));
    // The first line may be cut by where we started reading.
    if (pos > 0) lines.shift();
    return lines.slice(-n);
  } finally {
    await fh.close();
  }
}

function toLines(buf: Buffer): string[] {
  if (buf.length === 0) return [];
  const lines = buf.toString('utf8').split('\n');
  if (lines[lines.length - 1] === '') lines.pop();
  return lines;
}

async function readWhole(file: string, gz = false): Promise<Buffer | null> {
  try {
    const raw = await fs.promises.readFile(file);
    return gz ? await gunzip(raw) : raw;
  } catch (err) {
    if ((err as NodeJS.ErrnoException).code === 'ENOENT') return null;
    throw err;
  }
}
