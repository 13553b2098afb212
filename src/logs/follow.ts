import fs from 'node:fs';
import path from 'node:path';
import { splitLines } from './lines.js';
import { logFilePath } from './rotate.js';

export interface FollowOptions {
  /** Start at the beginning of the current file instead of its end. */
  readonly fromStart?: boolean;
  /** Safety-net re-check period; fs.watch can miss events (default 500 ms). */
  readonly intervalMs?: number;
  /** Called when reading fails (the follower keeps going). */
  readonly onError?: (err: unknown) => void;
}

export interface Follower {
  /** Resolves once the start position is fixed: lines written after it are delivered. */
  readonly ready: Promise<void>;
  close(): void;
}

/**
 * `logs -f`: delivers every line appended to `<logDir>/<name>.log`, across
 * rotations. On a rotation the old file is read to its end through the fd we
 * hold; files rotated past in between (more than one rotation before we
 * looked) are found by inode among `.rotating`, `.1`, `.2` … and read whole.
 */
function openFd(file: string): Promise<number | null> {
  return new Promise((res) => fs.open(file, 'r', (e, f) => res(e ? null : f)));
}

async function readAll(fd: number): Promise<Buffer> {
  const chunks: Buffer[] = [];
  for (let pos = 0; ;) {
    const buf = Buffer.alloc(256 * 1024);
    const n = await new Promise<number>((res, rej) =>
      fs.read(fd, buf, 0, buf.length, pos, (e, r) => (e ? rej(e) : res(r))),
    );
    if (n === 0) return Buffer.concat(chunks);
    chunks.push(buf.subarray(0, n));
    pos += n;
  }
}

export function follow(
  logDir: string,
  name: string,
  onLines: (lines: string[]) => void,
  opts: FollowOptions = {},
): Follower {
  const base = logFilePath(logDir, name);
  let fd: number | null = null;
  let ino = -1;
  let pos = 0;
  let carry: Buffer = Buffer.alloc(0);
  let busy = true; // until the start position is fixed
  let again = false;
  let closed = false;

  const emit = (chunk: Buffer) => {
    const { lines, rest } = splitLines(carry, chunk);
    carry = rest;
    if (lines.length > 0 && !closed) onLines(lines);
  };
  const readToEnd = async () => {
    if (fd === null) return;
    const buf = Buffer.alloc(256 * 1024);
    for (;;) {
      const n = await new Promise<number>((res, rej) =>
        fs.read(fd!, buf, 0, buf.length, pos, (e, r) => (e ? rej(e) : res(r))),
      );
      if (n === 0) return;
      pos += n;
      emit(Buffer.from(buf.subarray(0, n)));
    }
  };
  const open = async (startAtEnd: boolean) => {
    const opened = await openFd(base);
    if (opened === null) return; // no file yet: a later check opens it
    fd = opened;
    const st = fs.fstatSync(opened);
    ino = st.ino;
    pos = startAtEnd ? st.size : 0;
  };
  const readSkipped = async (oldIno: number, currentIno: number) => {
    // Newest first: the file being shifted in, then .1, .2 … Files only move towards
    // higher numbers while we scan, so a file is never missed, at most seen twice
    // (dedupe by inode) or not found at its index for a moment (a gap: keep going).
    // Each is opened when found, so a rename after that does not matter.
    const newer: number[] = [];
    const seen = new Set<number>([currentIno]); // read through its own fd afterwards
    let found = false;
    try {
      for (let i = 0, misses = 0; misses < 3 && i < 10_000; i++) {
        const f = await openFd(i === 0 ? `${base}.rotating` : `${base}.${i}`);
        if (f === null) {
          if (i > 0) misses++;
          continue;
        }
        misses = 0;
        const fileIno = fs.fstatSync(f).ino;
        if (fileIno === oldIno) {
          fs.closeSync(f);
          found = true;
          break;
        }
        if (seen.has(fileIno)) fs.closeSync(f);
        else {
          seen.add(fileIno);
          newer.push(f);
        }
      }
      // Not found (deleted or compressed meanwhile): we cannot tell which files are newer.
      if (found) for (const f of [...newer].reverse()) emit(await readAll(f));
    } finally {
      for (const f of newer) fs.closeSync(f);
    }
  };

  const check = async () => {
    if (busy) return void (again = true);
    busy = true;
    try {
      do {
        again = false;
        if (fd === null) await open(false);
        await readToEnd();
        const st = await fs.promises.stat(base).catch(() => null);
        if (fd !== null && st && st.ino !== ino) {
          await readToEnd(); // the last bytes written before the rename
          if (carry.length > 0) emit(Buffer.from('\n'));
          const [oldFd, oldIno] = [fd, ino];
          // Open the new current file BEFORE looking for files in between: if it
          // rotates meanwhile, the scan sees it under its new name and skips it.
          fd = null;
          await open(false);
          if (fd === null) {
            // Mid-rotation (renamed, new file not created yet): keep the old file as
            // our anchor and look again when the new one appears.
            [fd, ino] = [oldFd, oldIno];
            continue;
          }
          await readSkipped(oldIno, ino);
          fs.closeSync(oldFd);
          again = true;
        } else if (st && st.size < pos) {
          pos = 0; // truncated by someone else
        }
      } while (again && !closed);
    } catch (err) {
      opts.onError?.(err);
    } finally {
      busy = false;
      if (closed && fd !== null) fs.closeSync(fd);
    }
  };

  let watcher: fs.FSWatcher | null = null;
  try {
    watcher = fs.watch(path.dirname(base), (_event, file) => {
      if (!closed && (file === null || String(file).startsWith(`${name}.log`))) void check();
    });
    watcher.on('error', (err) => opts.onError?.(err));
  } catch (err) {
    opts.onError?.(err); // e.g. no logDir yet: the interval below still finds the file
  }
  const timer = setInterval(() => void check(), opts.intervalMs ?? 500);
  const ready = open(!opts.fromStart).then(() => {
    busy = false;
    return check();
  });

  return {
    ready,
    close() {
      closed = true;
      watcher?.close();
      clearInterval(timer);
      if (fd !== null && !busy) {
        fs.closeSync(fd);
        fd = null;
      }
    },
  };
}
