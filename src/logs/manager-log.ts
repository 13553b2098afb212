import fs from 'node:fs';
import path from 'node:path';
import { shiftBackups } from './rotate.js';

/** Counters of the manager's own log file (for diagnostics and tests). */
export interface ManagerLogStats {
  writtenLines: number;
  droppedLines: number;
  /** Failed opens, writes and rotations. */
  errors: number;
  rotations: number;
  /** The last failure, e.g. `write nodewarden.log: ENOSPC`. */
  lastError: string | null;
}

/** The write call, a seam so tests can simulate a disk that fills up and frees again. */
export type WriteFn = (fd: number, buf: Buffer, offset: number, length: number) => Promise<number>;

const fsWrite: WriteFn = (fd, buf, offset, length) =>
  new Promise((resolve, reject) =>
    fs.write(fd, buf, offset, length, null, (err, n) => (err ? reject(err) : resolve(n))),
  );

export interface ManagerLogFileOptions {
  /** `<logDir>/<name>.log` (`nodewarden.log`); rotations are named as node logs' are. */
  readonly file: string;
  readonly maxBytes: number;
  /** Rotated files kept: `<file>.1` (newest) … `<file>.N`. */
  readonly backups: number;
  /** Bytes waiting for the disk before new lines are dropped (default 4 MiB). */
  readonly maxPendingBytes?: number;
  /** A failed open is tried again on a later line, at most this often (default 1000 ms). */
  readonly reopenMs?: number;
  /** Monotonic ms (only paces reopening). */
  readonly now?: () => number;
  readonly write?: WriteFn;
}

/** The file mode of the manager log and its rotations: it may name hosts, users and paths. */
const MANAGER_LOG_MODE = 0o600;

/**
 * `nodewarden.log`: the manager's own log lines appended with size rotation,
 * mode 0600. Writing never throws, never blocks and never waits: lines queue
 * and one async loop writes them. When the file cannot be opened or written
 * (full disk, removed directory, no permission) lines are dropped and
 * counted, and later lines try again, so logging resumes once the disk has room.
 */
export class ManagerLogFile {
  private fd: number | null = null;
  private size = 0;
  private pending: string[] = [];
  private pendingBytes = 0;
  private loop: Promise<void> | null = null;
  private reopenAt = -Infinity;
  private closed = false;
  private needsNewline = false;
  private readonly counts: ManagerLogStats = {
    writtenLines: 0,
    droppedLines: 0,
    errors: 0,
    rotations: 0,
    lastError: null,
  };

  constructor(private readonly opts: ManagerLogFileOptions) {}

  /** Queue one line (without its newline). */
  write(line: string): void {
    const bytes = Buffer.byteLength(line) + 1;
    if (this.closed || this.pendingBytes + bytes > (this.opts.maxPendingBytes ?? 4 * 1024 * 1024)) {
      this.counts.droppedLines++;
      return;
    }
    this.pending.push(line);
    this.pendingBytes += bytes;
    this.loop ??= this.drain().finally(() => (this.loop = null));
  }

  stats(): ManagerLogStats {
    return { ...this.counts };
  }

  /** Resolves once every queued line is written or dropped. */
  async flush(): Promise<void> {
    while (this.loop) await this.loop;
  }

  /** Write what is queued and close the file; later lines are dropped. */
  async close(): Promise<void> {
    this.closed = true;
    await this.flush();
    if (this.fd !== null) fs.closeSync(this.fd);
    this.fd = null;
  }

  private async drain(): Promise<void> {
    while (this.pending.length > 0) {
      const lines = this.pending;
      this.pending = [];
      this.pendingBytes = 0;
      const buf = Buffer.from((this.needsNewline ? '\n' : '') + lines.join('\n') + '\n');
      try {
        await this.writeBatch(buf);
        this.needsNewline = false;
        this.counts.writtenLines += lines.length;
      } catch (err) {
        this.counts.droppedLines += lines.length;
        this.failed(err);
      }
    }
  }

  private async writeBatch(buf: Buffer): Promise<void> {
    if (this.fd !== null && this.size > 0 && this.size + buf.length > this.opts.maxBytes) await this.rotate();
    const fd = this.open();
    let off = 0;
    try {
      const write = this.opts.write ?? fsWrite;
      while (off < buf.length) off += await write(fd, buf, off, buf.length - off);
      this.size += off;
    } catch (err) {
      // Only whole lines stay: take back a line cut short (truncating works on a full disk too).
      if (off > 0 && !truncateQuietly(fd, this.size)) {
        this.size += off;
        this.needsNewline = true; // end the cut line before the next one
      }
      if ((err as NodeJS.ErrnoException).code !== 'ENOSPC') this.dropFd();
      throw err;
    }
  }

  private open(): number {
    if (this.fd !== null) return this.fd;
    const now = this.opts.now?.() ?? performance.now();
    if (now < this.reopenAt) throw Object.assign(new Error('waiting to reopen'), { quiet: true });
    this.reopenAt = now + (this.opts.reopenMs ?? 1000);
    const fd = fs.openSync(this.opts.file, 'a', MANAGER_LOG_MODE);
    try {
      const st = fs.fstatSync(fd);
      // An older file may be world-readable: tighten it when it is ours.
      if ((st.mode & 0o077) !== 0 && st.uid === process.getuid?.()) fs.fchmodSync(fd, MANAGER_LOG_MODE);
      this.size = st.size;
    } catch {
      this.size = 0;
    }
    this.fd = fd;
    return fd;
  }

  /** `nodewarden.log` → `.1`, `.1` → `.2` …; the oldest beyond `backups` is removed. */
  private async rotate(): Promise<void> {
    const { file, backups } = this.opts;
    try {
      this.dropFd();
      if (backups <= 0) await fs.promises.rm(file, { force: true });
      else {
        await shiftBackups(path.dirname(file), path.basename(file, '.log'), backups);
        await fs.promises.rename(file, `${file}.1`);
      }
      this.counts.rotations++;
    } catch (err) {
      this.failed(err); // the file goes on growing; the next batch tries again
    }
    this.size = 0;
    this.reopenAt = -Infinity;
  }

  private dropFd(): void {
    if (this.fd === null) return;
    const fd = this.fd;
    this.fd = null;
    fs.close(fd, () => undefined);
  }

  private failed(err: unknown): void {
    if ((err as { quiet?: boolean }).quiet) return;
    this.counts.errors++;
    const code = (err as NodeJS.ErrnoException).code ?? String(err);
    this.counts.lastError = `${this.opts.file}: ${code}`;
  }
}

function truncateQuietly(fd: number, size: number): boolean {
  try {
    fs.ftruncateSync(fd, size);
    return true;
  } catch {
    return false;
  }
}
