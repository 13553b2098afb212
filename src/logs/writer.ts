import fs from 'node:fs';
import { nullLogger, type Logger } from '../logger.js';
import { systemClock, type Clock, type TimerHandle } from '../supervisor/clock.js';
import { advance, lineEndWithin, NL } from './lines.js';
import { DropReporter } from './drops.js';
import { LineQueue } from './line-queue.js';
import { LineStamper } from './line-stamp.js';
import { ignoreMissing, logFilePath, rotatingPath } from './rotate.js';
import { Rotator } from './rotator.js';

/** Counters of one node's log pipeline (shown in status and metrics). */
export interface LogStats {
  writtenBytes: number;
  droppedBytes: number;
  droppedLines: number;
  rotations: number;
  /** Times the log file was found deleted or moved away and opened anew. */
  reopens: number;
}

/** The write call, a seam so tests can simulate a full or slow disk. */
export type WritevFn = (fd: number, buffers: Buffer[]) => Promise<number>;

export interface LogWriterOptions {
  readonly logDir: string;
  readonly name: string;
  readonly maxBytes: number;
  readonly backups: number;
  readonly compress?: boolean;
  readonly logger?: Logger;
  readonly clock?: Clock;
  /** Bytes waiting for the disk before new lines are dropped (default 8 MiB). */
  readonly maxPendingBytes?: number;
  /** An unterminated line this long is written as is (default 64 KiB). */
  readonly maxLineBytes?: number;
  /** At most one "dropped" warning per this many ms (default 10 s). */
  readonly warnIntervalMs?: number;
  readonly writev?: WritevFn;
  /** Put the arrival time (ISO-8601 UTC, from `clock.wallNow()`) in front of every line (default false). */
  readonly timestamps?: boolean;
}

const MAX_BATCH = 4 * 1024 * 1024;
/** While no output comes, the log path is still checked this often, so a deleted log's space is freed. */
const IDLE_CHECK_MS = 10_000;
const NEWLINE = Buffer.from('\n');
const fsWritev: WritevFn = (fd, bufs) =>
  new Promise((resolve, reject) => fs.writev(fd, bufs, null, (err, n) => (err ? reject(err) : resolve(n))));

/**
 * Writes a node's output stream to `<logDir>/<name>.log` with size rotation.
 * `write()` never blocks and never waits: complete lines queue up and one
 * async loop writes them; when the disk is full or too slow, whole lines are
 * dropped and counted. A line is never split across files, and a line a
 * previous manager left unfinished is finished before any rotation. A log
 * file deleted or moved away (logrotate without copytruncate) is noticed
 * after the batch that follows and reopened at once, with no line lost.
 */
export class LogWriter {
  private readonly pending = new LineQueue();
  private partial: Buffer[] = [];
  private partialBytes = 0;
  private loop: Promise<void> | null = null;
  private closed = false;
  private needsNewline = false;
  private writtenBytes = 0;
  private rotations = 0;
  private reopens = 0;
  private size: number;
  private atLineStart: boolean;
  /** The open file is known to be the one at the log path (false while idle, or after a failed reopen). */
  private verified = true;
  private idleTimer: TimerHandle | null = null;
  private readonly clock: Clock;
  /** Why the last reopen failed, or null (warned once per streak of failures). */
  private reopenFailure: string | null = null;
  private readonly drops: DropReporter;
  private readonly rotator: Rotator;
  private readonly logger: Logger;
  private readonly writev: WritevFn;
  private readonly maxLineBytes: number;
  private readonly stamper: LineStamper | null;

  private constructor(
    private readonly opts: LogWriterOptions,
    private file: OpenFile,
  ) {
    this.size = file.size;
    this.atLineStart = file.atLineStart;
    this.clock = opts.clock ?? systemClock;
    this.logger = opts.logger ?? nullLogger;
    this.drops = new DropReporter(opts.name, this.logger, this.clock, opts.warnIntervalMs ?? 10_000);
    this.writev = opts.writev ?? fsWritev;
    this.maxLineBytes = opts.maxLineBytes ?? 64 * 1024;
    // A file that ends inside a line: the stream resumes with the rest of that line, which is not stamped again.
    this.stamper = opts.timestamps ? new LineStamper(() => this.clock.wallNow(), file.atLineStart) : null;
    this.rotator = new Rotator(opts.logDir, opts.name, opts.backups, Boolean(opts.compress), (err) =>
      this.logger.warn(`node ${opts.name}: finishing a log rotation failed`, { error: String(err) }),
    );
  }

  /** Opens (appends to) the node's current log file. */
  static async open(opts: LogWriterOptions): Promise<LogWriter> {
    const w = new LogWriter(opts, await openCurrent(opts.logDir, opts.name));
    w.rotator.recover(); // finish what a crash interrupted
    return w;
  }

  /**
   * Takes the next chunk of the node's output. Synchronous, never blocks.
   * The chunk is copied (once, or stamped into a new buffer): the caller may reuse it.
   */
  write(chunk: Buffer): void {
    if (this.closed) return this.drops.drop([chunk], 'log writer closed');
    chunk = this.stamper ? this.stamper.apply(chunk) : Buffer.from(chunk);
    const end = chunk.lastIndexOf(NL);
    if (end === -1) {
      this.partial.push(chunk);
      this.partialBytes += chunk.length;
      if (this.partialBytes >= this.maxLineBytes) this.enqueue(this.takePartial());
      return;
    }
    const head = chunk.subarray(0, end + 1);
    const line = this.partialBytes > 0 ? Buffer.concat([...this.partial, head]) : head;
    this.partial = [];
    this.partialBytes = 0;
    if (end + 1 < chunk.length) {
      // Copy: a small tail must not pin the whole chunk in memory.
      this.partial.push(Buffer.from(chunk.subarray(end + 1)));
      this.partialBytes = chunk.length - end - 1;
    }
    this.enqueue(line);
  }

  stats(): LogStats {
    const { writtenBytes, rotations, reopens, drops } = this;
    return { writtenBytes, droppedBytes: drops.bytes, droppedLines: drops.lines, rotations, reopens };
  }

  /** Resolves once everything queued so far is written (or dropped). */
  async flush(): Promise<void> {
    while (this.loop) await this.loop;
  }

  /** Writes what was read, including an unfinished last line, and closes the file. */
  async close(): Promise<void> {
    if (this.closed) return;
    this.closed = true;
    if (this.partialBytes > 0) this.enqueue(this.takePartial(), true);
    await this.flush();
    if (this.idleTimer) this.clock.clearTimer(this.idleTimer);
    this.idleTimer = null;
    await this.rotator.idle();
    await closeFd(this.file.fd);
  }

  private takePartial(): Buffer {
    const b = Buffer.concat(this.partial);
    this.partial = [];
    this.partialBytes = 0;
    return b;
  }

  private enqueue(buf: Buffer, force = false): void {
    if (!force && this.pending.bytes + buf.length > (this.opts.maxPendingBytes ?? 8 * 1024 * 1024)) {
      return this.drops.drop([buf], 'the log disk is too slow');
    }
    this.pending.push(buf);
    // Written at once, never held back to gather more: what nodewarden has read
    // from a node's pipe is lost if nodewarden is killed before writing it, so
    // that time is kept as short as the write itself. Batching comes from the
    // capture's paced reads (and from lines queued while a write is under way).
    this.kick();
  }

  /** Starts the write loop unless it runs; when it ends idle, the periodic path check is armed. */
  private kick(): void {
    if (this.loop) return;
    if (this.idleTimer) this.clock.clearTimer(this.idleTimer);
    this.idleTimer = null;
    this.loop = this.drain()
      .catch((err: unknown) =>
        this.logger.error(`node ${this.opts.name}: log writer failed`, { error: String(err) }),
      )
      .finally(() => {
        this.loop = null;
        if (!this.pending.empty) return this.kick(); // lines that came during an idle check
        this.verified = false; // while idle the file may go: checked again before the next batch
        if (!this.closed) this.idleTimer = this.clock.setTimer(IDLE_CHECK_MS, () => this.kick());
      });
  }

  /**
   * Writes the queue out. Before the first batch of a run and after every
   * batch, the log path is compared with the open file (one stat; within a
   * run the check after one batch serves as the check before the next): a
   * file deleted or moved away is reopened at once. A batch that went into a
   * file deleted while it was being written is written again into the new
   * one: no line is lost to an unlinked file.
   * With an empty queue (the idle timer) it only checks, so a silent node's
   * deleted log is let go of within IDLE_CHECK_MS and its space freed.
   */
  private async drain(): Promise<void> {
    if (this.pending.empty) {
      await this.followPath(null); // the idle check
      return;
    }
    while (!this.pending.empty) {
      if (!this.verified && !(await this.followPath(null))) {
        // Deleted and no new file can be opened: nothing is written into the unlinked one.
        this.drops.drop(this.pending.take(MAX_BATCH), this.reopenFailure!);
        continue;
      }
      // Rotate only between lines (or inside a line already cut into pieces for being
      // over-long, e.g. endless '\r' progress output), and only if the next line would not fit.
      const canCut = this.atLineStart || this.size > this.opts.maxBytes + this.maxLineBytes;
      if (this.size > 0 && canCut && this.size + this.pending.firstLineLength() > this.opts.maxBytes) {
        await this.rotate();
        continue;
      }
      const room = Math.max(0, Math.min(this.opts.maxBytes - this.size, MAX_BATCH));
      const batch = this.pending.take(room);
      await this.followPath({ ...(await this.writeBatch(batch)), batch });
    }
  }

  /**
   * Makes sure the open file is the one at the log path, reopening it when
   * it was deleted or moved away. `last` is the batch just written, if any:
   * when its file turns out to be deleted, it is written again into the new
   * one (or, if no new one can be opened, counted as dropped). Returns false
   * when the open file is deleted and no new one could be opened.
   */
  private async followPath(last: Written | null): Promise<boolean> {
    const path = logFilePath(this.opts.logDir, this.opts.name);
    const at = await statOrNull(path);
    if (at !== null && at.ino === this.file.ino && at.dev === this.file.dev) {
      this.verified = true;
      return true;
    }
    const deleted = ((await fstatOrNull(this.file.fd))?.nlink ?? 0) === 0;
    const lost = deleted && last !== null && last.bytes > 0 ? last : null;
    if (lost) this.writtenBytes -= lost.bytes;
    try {
      const next = await openCurrent(this.opts.logDir, this.opts.name);
      await closeFd(this.file.fd);
      this.file = next;
      this.reopens++;
      this.size = next.size;
      this.atLineStart = next.atLineStart;
      this.needsNewline = false;
      this.verified = true;
      this.reopenFailure = null;
      this.logger.info(
        `node ${this.opts.name}: ${path} was ${deleted ? 'deleted' : 'moved away'}; writing to a new ${path}`,
        { node: this.opts.name },
      );
    } catch (err) {
      const failure = `cannot reopen ${path}: ${(err as NodeJS.ErrnoException).code ?? String(err)}`;
      if (this.reopenFailure === null) {
        const then = deleted ? 'its output is dropped and counted' : 'it goes on into the moved file';
        this.logger.warn(`node ${this.opts.name}: ${failure}; until it can be, ${then}`, {
          node: this.opts.name,
        });
      }
      this.reopenFailure = failure;
      this.verified = false; // tried again before the next batch
      if (lost?.complete) this.drops.drop(lost.batch, failure);
      else if (lost) this.drops.drop([], failure, lost.bytes); // writeBatch counted the unwritten rest
      return !deleted;
    }
    if (lost?.complete) {
      // Written while the file was being deleted: those lines belong in the new file.
      return this.followPath({ ...(await this.writeBatch(lost.batch)), batch: lost.batch });
    }
    if (lost) this.drops.drop([], `${path} was deleted while being written`, lost.bytes);
    return true;
  }

  private async writeBatch(batch: Buffer[]): Promise<WriteResult> {
    const bufs = this.needsNewline ? [NEWLINE, ...batch] : batch;
    let rest = bufs;
    let written = 0;
    let last = -1;
    try {
      while (rest.length > 0) {
        const n = await this.writev(this.file.fd, rest);
        if (n <= 0) throw Object.assign(new Error('write returned 0 bytes'), { code: 'EIO' });
        written += n;
        ({ rest, last } = advance(rest, n));
      }
    } catch (err) {
      let cut = 0;
      if (written > 0 && last !== NL) {
        // Only the head of a line got on disk: take it back so only whole lines stay
        // (truncating frees space, so this works on a full disk too).
        const keep = lineEndWithin(bufs, written);
        try {
          await new Promise<void>((res, rej) =>
            fs.ftruncate(this.file.fd, this.size + keep, (e) => (e ? rej(e) : res())),
          );
          cut = written - keep;
          written = keep;
          last = NL;
        } catch {
          this.needsNewline = true; // could not: end that line with the next write instead
        }
      }
      const reason = `cannot write ${logFilePath(this.opts.logDir, this.opts.name)}: ${(err as NodeJS.ErrnoException).code ?? String(err)}`;
      this.drops.drop(rest, reason, cut);
    }
    const complete = rest.length === 0;
    if (written === 0) return { bytes: 0, complete };
    if (complete) this.needsNewline = false;
    this.size += written;
    this.writtenBytes += written;
    this.atLineStart = this.needsNewline || last === NL;
    return { bytes: written, complete };
  }

  private async rotate(): Promise<void> {
    const { logDir, name, backups } = this.opts;
    const file = logFilePath(logDir, name);
    try {
      await this.rotator.renamesIdle(); // the previous rotation is shifted in (normally long done)
      if (backups > 0) {
        await fs.promises.rename(file, rotatingPath(logDir, name));
        this.rotator.rotated();
      } else {
        await ignoreMissing(fs.promises.unlink(file));
      }
      const next = await openCurrent(logDir, name, false); // the directory is there: we just renamed in it
      await closeFd(this.file.fd);
      this.file = next;
      this.rotations++;
    } catch (err) {
      this.logger.warn(`node ${name}: could not rotate ${file}; it keeps growing`, { error: String(err) });
    }
    // Either way start counting afresh, so a failing rotation is not retried on every line.
    this.size = 0;
    this.needsNewline = false;
    this.atLineStart = true;
  }
}

/** What a batch write achieved: bytes on disk, and whether every byte got there. */
interface WriteResult {
  readonly bytes: number;
  readonly complete: boolean;
}

/** A batch and what writing it achieved. */
interface Written extends WriteResult {
  readonly batch: Buffer[];
}

/** The open `<name>.log`: its fd, which file it is, and how it ends. */
interface OpenFile {
  readonly fd: number;
  readonly dev: number;
  readonly ino: number;
  readonly size: number;
  readonly atLineStart: boolean;
}

/** Opens (creating the file, and with `mkdir` the directory, if missing) the node's log for appending. */
async function openCurrent(logDir: string, name: string, mkdir = true): Promise<OpenFile> {
  if (mkdir) await fs.promises.mkdir(logDir, { recursive: true });
  const file = logFilePath(logDir, name);
  const fd = await openAppend(file);
  try {
    const { dev, ino, size } = await fstat(fd);
    return { fd, dev, ino, size, atLineStart: size === 0 || (await byteAt(fd, size - 1)) === NL };
  } catch (err) {
    await closeFd(fd);
    throw err;
  }
}

function statOrNull(file: string): Promise<fs.Stats | null> {
  return new Promise((resolve) => fs.stat(file, (err, st) => resolve(err ? null : st)));
}

function fstat(fd: number): Promise<fs.Stats> {
  return new Promise((resolve, reject) => fs.fstat(fd, (err, st) => (err ? reject(err) : resolve(st))));
}

function fstatOrNull(fd: number): Promise<fs.Stats | null> {
  return fstat(fd).catch(() => null);
}

function closeFd(fd: number): Promise<void> {
  return new Promise((resolve) => fs.close(fd, () => resolve()));
}

function openAppend(file: string): Promise<number> {
  return new Promise((resolve, reject) =>
    // 'a+': appends like 'a', and lets byteAt() read how the file ends through the same fd.
    fs.open(file, 'a+', 0o640, (err, fd) => (err ? reject(err) : resolve(fd))),
  );
}

function byteAt(fd: number, position: number): Promise<number> {
  const b = Buffer.alloc(1);
  return new Promise((resolve, reject) =>
    fs.read(fd, b, 0, 1, position, (err) => (err ? reject(err) : resolve(b[0]!))),
  );
}
