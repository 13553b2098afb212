import fs from 'node:fs';
import { nullLogger, type Logger } from '../logger.js';
import { systemClock, type Clock } from '../supervisor/clock.js';
import { advance, lineEndWithin, NL } from './lines.js';
import { DropReporter } from './drops.js';
import { LineQueue } from './line-queue.js';
import { ignoreMissing, logFilePath, rotatingPath } from './rotate.js';
import { Rotator } from './rotator.js';

/** Counters of one node's log pipeline (shown in status and metrics). */
export interface LogStats {
  writtenBytes: number;
  droppedBytes: number;
  droppedLines: number;
  rotations: number;
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
}

const MAX_BATCH = 4 * 1024 * 1024;
const NEWLINE = Buffer.from('\n');
const fsWritev: WritevFn = (fd, bufs) =>
  new Promise((resolve, reject) => fs.writev(fd, bufs, null, (err, n) => (err ? reject(err) : resolve(n))));

/**
 * Writes a node's output stream to `<logDir>/<name>.log` with size rotation.
 * `write()` never blocks and never waits: complete lines queue up and one
 * async loop writes them; when the disk is full or too slow, whole lines are
 * dropped and counted. A line is never split across files, and a line a
 * previous manager left unfinished is finished before any rotation.
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
  private readonly drops: DropReporter;
  private readonly rotator: Rotator;
  private readonly logger: Logger;
  private readonly writev: WritevFn;
  private readonly maxLineBytes: number;

  private constructor(
    private readonly opts: LogWriterOptions,
    private fd: number,
    private size: number,
    private atLineStart: boolean,
  ) {
    this.logger = opts.logger ?? nullLogger;
    this.drops = new DropReporter(
      opts.name,
      this.logger,
      opts.clock ?? systemClock,
      opts.warnIntervalMs ?? 10_000,
    );
    this.writev = opts.writev ?? fsWritev;
    this.maxLineBytes = opts.maxLineBytes ?? 64 * 1024;
    this.rotator = new Rotator(opts.logDir, opts.name, opts.backups, Boolean(opts.compress), (err) =>
      this.logger.warn(`node ${opts.name}: finishing a log rotation failed`, { error: String(err) }),
    );
  }

  /** Opens (appends to) the node's current log file. */
  static async open(opts: LogWriterOptions): Promise<LogWriter> {
    await fs.promises.mkdir(opts.logDir, { recursive: true });
    const file = logFilePath(opts.logDir, opts.name);
    const fd = await openAppend(file);
    const { size } = await fs.promises.stat(file);
    const w = new LogWriter(opts, fd, size, size === 0 || (await lastByte(file, size)) === NL);
    w.rotator.recover(); // finish what a crash interrupted
    return w;
  }

  /** Takes the next chunk of the node's output. Synchronous, never blocks. */
  write(chunk: Buffer): void {
    if (this.closed) return this.drops.drop([chunk], 'log writer closed');
    const end = chunk.lastIndexOf(NL);
    if (end === -1) {
      this.partial.push(Buffer.from(chunk));
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
    const { writtenBytes, rotations, drops } = this;
    return { writtenBytes, droppedBytes: drops.bytes, droppedLines: drops.lines, rotations };
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
    await this.rotator.idle();
    await new Promise<void>((resolve) => fs.close(this.fd, () => resolve()));
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
    this.loop ??= this.drain()
      .catch((err: unknown) =>
        this.logger.error(`node ${this.opts.name}: log writer failed`, { error: String(err) }),
      )
      .finally(() => (this.loop = null));
  }

  private async drain(): Promise<void> {
    while (!this.pending.empty) {
      // Rotate only between lines (or inside a line already cut into pieces for being
      // over-long, e.g. endless '\r' progress output), and only if the next line would not fit.
      const canCut = this.atLineStart || this.size > this.opts.maxBytes + this.maxLineBytes;
      if (this.size > 0 && canCut && this.size + this.pending.firstLineLength() > this.opts.maxBytes) {
        await this.rotate();
        continue;
      }
      const room = Math.max(0, Math.min(this.opts.maxBytes - this.size, MAX_BATCH));
      await this.writeBatch(this.pending.take(room));
    }
  }

  private async writeBatch(batch: Buffer[]): Promise<void> {
    const bufs = this.needsNewline ? [NEWLINE, ...batch] : batch;
    let rest = bufs;
    let written = 0;
    let last = -1;
    try {
      while (rest.length > 0) {
        const n = await this.writev(this.fd, rest);
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
            fs.ftruncate(this.fd, this.size + keep, (e) => (e ? rej(e) : res())),
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
    if (written === 0) return;
    if (rest.length === 0) this.needsNewline = false;
    this.size += written;
    this.writtenBytes += written;
    this.atLineStart = this.needsNewline || last === NL;
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
      const fd = await openAppend(file);
      await new Promise<void>((resolve) => fs.close(this.fd, () => resolve()));
      this.fd = fd;
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

function openAppend(file: string): Promise<number> {
  return new Promise((resolve, reject) =>
    fs.open(file, 'a', 0o640, (err, fd) => (err ? reject(err) : resolve(fd))),
  );
}

async function lastByte(file: string, size: number): Promise<number> {
  const fh = await fs.promises.open(file, 'r');
  try {
    const b = Buffer.alloc(1);
    await fh.read(b, 0, 1, size - 1);
    return b[0]!;
  } finally {
    await fh.close();
  }
}
