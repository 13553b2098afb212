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
 * looked) are found by inode among `.1`, `.2` … and read whole.
 */
export function follow(logDir: string, name: string, onLines: (lines: string[]) => void, opts: FollowOptions = {}): Follower {
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
      const n = await new Promise<number>((res, rej) => fs.read(fd!, buf, 0, buf.length, pos, (e, r) => (e ? rej(e) : res(r))));
      if (n === 0) return;
      pos += n;
      emit(Buffer.from(buf.subarray(0, n)));
    }
  };
  const open = async (startAtEnd: boolean) => {
    const opened = await new Promise<number | null>((res) => fs.open(base, 'r', (e, f) => res(e ? null : f)));
    if (opened === null) return; // no file yet: a later check opens it
    fd = opened;
    const st = fs.fstatSync(opened);
    ino = st.ino;
    pos = startAtEnd ? st.size : 0;
  };
  const readSkipped = async (oldIno: number) => {
    let found = 0;
    for (let i = 1; i < 1000; i++) {
      const st = await fs.promises.stat(`${base}.${i}`).catch(() => null);
      if (!st) break;
      if (st.ino === oldIno) {
        found = i;
        break;
      }
    }
    for (let i = found - 1; i >= 1; i--) emit(await fs.promises.readFile(`${base}.${i}`));
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
          await readSkipped(ino);
          fs.closeSync(fd);
          fd = null;
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
