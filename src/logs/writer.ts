import fs from 'node:fs';
import { nullLogger, type Logger } from '../logger.js';
import { systemClock, type Clock } from '../supervisor/clock.js';
import { countLines, NL } from './lines.js';
import { Compressor, logFilePath, rotateFiles } from './rotate.js';

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
  /** Each entry ends at a line end (or is an over-long line written as is). */
  private pending: Buffer[] = [];
  private pendingBytes = 0;
  private partial: Buffer[] = [];
  private partialBytes = 0;
  private loop: Promise<void> | null = null;
  private closed = false;
  private needsNewline = false;
  private lastWarnAt = -Infinity;
  private suppressedWarnings = 0;
  private readonly counters: LogStats = { writtenBytes: 0, droppedBytes: 0, droppedLines: 0, rotations: 0 };
  private readonly compressor: Compressor;
  private readonly logger: Logger;
  private readonly clock: Clock;
  private readonly writev: WritevFn;
  private readonly maxLineBytes: number;

  private constructor(
    private readonly opts: LogWriterOptions,
    private fd: number,
    private size: number,
    private atLineStart: boolean,
  ) {
    this.logger = opts.logger ?? nullLogger;
    this.clock = opts.clock ?? systemClock;
    this.writev = opts.writev ?? fsWritev;
    this.maxLineBytes = opts.maxLineBytes ?? 64 * 1024;
    this.compressor = new Compressor((file, err) =>
      this.logger.warn(`node ${opts.name}: could not compress rotated log ${file}; kept it uncompressed`, { error: String(err) }),
    );
  }

  /** Opens (appends to) the node's current log file. */
  static async open(opts: LogWriterOptions): Promise<LogWriter> {
    await fs.promises.mkdir(opts.logDir, { recursive: true });
    const file = logFilePath(opts.logDir, opts.name);
    const fd = await openAppend(file);
    const { size } = await fs.promises.stat(file);
    const w = new LogWriter(opts, fd, size, size === 0 || (await lastByte(file, size)) === NL);
    // A plain `.1` left by a crash mid-compression gets compressed now.
    if (opts.compress && fs.existsSync(`${file}.1`)) w.compressor.enqueue(`${file}.1`);
    return w;
  }

  /** Takes the next chunk of the node's output. Synchronous, never blocks. */
  write(chunk: Buffer): void {
    if (this.closed) return this.drop([chunk], 'log writer closed');
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
    return { ...this.counters };
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
    await this.compressor.idle();
    await new Promise<void>((resolve) => fs.close(this.fd, () => resolve()));
  }

  private takePartial(): Buffer {
    const b = Buffer.concat(this.partial);
    this.partial = [];
    this.partialBytes = 0;
    return b;
  }

  private enqueue(buf: Buffer, force = false): void {
    if (!force && this.pendingBytes + buf.length > (this.opts.maxPendingBytes ?? 8 * 1024 * 1024)) {
      return this.drop([buf], 'the log disk is too slow');
    }
    this.pending.push(buf);
    this.pendingBytes += buf.length;
    this.loop ??= this.drain()
      .catch((err: unknown) => this.logger.error(`node ${this.opts.name}: log writer failed`, { error: String(err) }))
      .finally(() => (this.loop = null));
  }

  private async drain(): Promise<void> {
    while (this.pending.length > 0) {
      const first = this.pending[0]!;
      const firstLine = first.indexOf(NL) + 1 || first.length;
      // Rotate only between lines (or inside a line already cut into pieces for being
      // over-long, e.g. endless '\r' progress output), and only if the next line would not fit.
      const canCut = this.atLineStart || this.size > this.opts.maxBytes + this.maxLineBytes;
      if (this.size > 0 && canCut && this.size + firstLine > this.opts.maxBytes) {
        await this.rotate();
        continue;
      }
      await this.writeBatch(this.take(Math.max(0, Math.min(this.opts.maxBytes - this.size, MAX_BATCH))));
    }
  }

  /** Takes the first line whatever its size, then whole lines up to `limit` bytes. */
  private take(limit: number): Buffer[] {
    const out: Buffer[] = [];
    let taken = 0;
    while (this.pending.length > 0) {
      const buf = this.pending[0]!;
      if (taken + buf.length <= limit) {
        out.push(buf);
        taken += buf.length;
        this.pending.shift();
        continue;
      }
      let cut = limit > taken ? buf.lastIndexOf(NL, limit - taken - 1) + 1 : 0;
      if (cut === 0 && out.length === 0) cut = buf.indexOf(NL) + 1 || buf.length;
      if (cut === buf.length) this.pending.shift();
      else if (cut > 0) this.pending[0] = buf.subarray(cut);
      if (cut > 0) out.push(buf.subarray(0, cut));
      taken += cut;
      break;
    }
    this.pendingBytes -= taken;
    return out;
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
          await new Promise<void>((res, rej) => fs.ftruncate(this.fd, this.size + keep, (e) => (e ? rej(e) : res())));
          cut = written - keep;
          written = keep;
          last = NL;
        } catch {
          this.needsNewline = true; // could not: end that line with the next write instead
        }
      }
      const reason = `cannot write ${logFilePath(this.opts.logDir, this.opts.name)}: ${(err as NodeJS.ErrnoException).code ?? String(err)}`;
      this.drop(rest, reason, cut);
    }
    if (written === 0) return;
    if (rest.length === 0) this.needsNewline = false;
    this.size += written;
    this.counters.writtenBytes += written;
    this.atLineStart = this.needsNewline || last === NL;
  }

  private async rotate(): Promise<void> {
    const { logDir, name, backups, compress } = this.opts;
    const file = logFilePath(logDir, name);
    try {
      if (compress) await this.compressor.idle();
      await rotateFiles(logDir, name, backups);
      const fd = await openAppend(file);
      await new Promise<void>((resolve) => fs.close(this.fd, () => resolve()));
      this.fd = fd;
      this.counters.rotations++;
      if (compress && backups > 0) this.compressor.enqueue(`${file}.1`);
    } catch (err) {
      this.logger.warn(`node ${name}: could not rotate ${file}; it keeps growing`, { error: String(err) });
    }
    // Either way start counting afresh, so a failing rotation is not retried on every line.
    this.size = 0;
    this.needsNewline = false;
    this.atLineStart = true;
  }

  private drop(bufs: Buffer[], reason: string, extraBytes = 0): void {
    const counted = countLines(bufs);
    const bytes = counted.bytes + extraBytes;
    const lines = counted.lines;
    if (bytes === 0) return;
    this.counters.droppedBytes += bytes;
    this.counters.droppedLines += lines;
    const now = this.clock.now();
    if (now - this.lastWarnAt < (this.opts.warnIntervalMs ?? 10_000)) {
      this.suppressedWarnings++;
      return;
    }
    this.lastWarnAt = now;
    this.logger.warn(`node ${this.opts.name}: DROPPING LOG OUTPUT (${reason}); the node is not blocked`, {
      node: this.opts.name,
      droppedBytes: this.counters.droppedBytes,
      droppedLines: this.counters.droppedLines,
      suppressedWarnings: this.suppressedWarnings,
    });
    this.suppressedWarnings = 0;
  }
}

/** Skips n written bytes; `last` is the last byte written. */
function advance(bufs: Buffer[], n: number): { rest: Buffer[]; last: number } {
  let i = 0;
  let left = n;
  let last = -1;
  while (i < bufs.length && left >= bufs[i]!.length) {
    left -= bufs[i]!.length;
    last = bufs[i]![bufs[i]!.length - 1] ?? last;
    i++;
  }
  const rest = bufs.slice(i);
  if (left > 0) {
    last = rest[0]![left - 1]!;
    rest[0] = rest[0]!.subarray(left);
  }
  return { rest, last };
}

/** Length of the prefix of the first n bytes of bufs that ends at its last '\n' (0 if none). */
function lineEndWithin(bufs: Buffer[], n: number): number {
  let offset = 0;
  let best = 0;
  for (const b of bufs) {
    if (offset >= n) break;
    const i = b.subarray(0, Math.min(b.length, n - offset)).lastIndexOf(NL);
    if (i !== -1) best = offset + i + 1;
    offset += b.length;
  }
  return best;
}

function openAppend(file: string): Promise<number> {
  return new Promise((resolve, reject) => fs.open(file, 'a', 0o640, (err, fd) => (err ? reject(err) : resolve(fd))));
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
