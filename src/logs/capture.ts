import fs from 'node:fs';
import net from 'node:net';
import { once } from 'node:events';
import { NodewardenError } from '../errors.js';
import { nullLogger, type Logger } from '../logger.js';
import { DEFAULT_PIPE_BYTES, enlargePipe } from './fifo.js';

/** Where captured output goes (a LogWriter). */
export interface LogSink {
  /**
   * Takes the next bytes of the node's output. `chunk` is only valid during
   * the call (it is a view of a read buffer shared by every capture): a sink
   * that keeps the bytes copies them.
   */
  write(chunk: Buffer): void;
}

/** Every capture reads into this one buffer: reads run one at a time on the main thread. */
const READ_BUFFER_BYTES = 1024 * 1024;
let readBuffer: Buffer | null = null;
/** Longest pause between two reads of a FIFO that has output (the latency it adds to a line). */
export const MAX_PAUSE_MS = 50;
/** Below this pause the FIFO is read again at once. */
export const MIN_PAUSE_MS = 1;

/**
 * How long to leave a FIFO alone after a read of `bytes` from a pipe that
 * holds `capacity` (0: read on at once). Doubles, from MIN_PAUSE_MS up to
 * MAX_PAUSE_MS, while reads find the pipe less than 1/8 full; halves when
 * they find it half full; drops to 0 when a read finds it full, as the node
 * may have had to wait.
 */
export function nextPause(pauseMs: number, bytes: number, capacity: number): number {
  let next = pauseMs;
  if (bytes >= capacity) next = 0;
  else if (bytes >= capacity / 2) next = pauseMs / 2;
  else if (bytes < capacity / 8) next = Math.min(MAX_PAUSE_MS, Math.max(MIN_PAUSE_MS, pauseMs * 2));
  return next < MIN_PAUSE_MS ? 0 : next;
}

/**
 * The manager's end of one node's log FIFO.
 *
 * Both fds are opened O_RDWR, so neither side ever sees EOF or a broken pipe:
 * the read fd (non-blocking, read through a net.Socket, so reads are event
 * driven on the main thread) never ends when a node exits, and the separate
 * `outputFd()` that a node inherits as stdout+stderr keeps a reader on the pipe
 * for as long as the node lives, so the node gets no EPIPE/SIGPIPE when the
 * manager dies. A new manager opens the same FIFO and reads on from the first
 * byte the old one had not read. outputFd is its own open file description, so
 * it stays blocking for the node (a node writing to a full pipe waits).
 *
 * Reads are paced: after a read the FIFO may be left alone for a moment, so
 * a node writing line by line costs one read per many lines rather than one
 * per line. The pause doubles (up to MAX_PAUSE_MS) while reads find the pipe
 * nearly empty, halves when they find it half full, and drops to nothing when
 * a read finds it full (the node may have waited). A node whose output fills
 * the pipe gets a larger pipe (`enlargePipe`), which lets the pauses grow.
 */
export class LogCapture {
  private closing: Promise<void> | null = null;
  private read = 0;
  /** How long the FIFO is left alone after a read (0: read on as soon as there is output). */
  private pauseMs = 0;
  private capacity = DEFAULT_PIPE_BYTES;
  private enlarging = false;
  private pause: NodeJS.Timeout | null = null;
  private socket!: net.Socket;

  private constructor(
    readonly fifoPath: string,
    private readonly outFd: number,
    private readonly sink: LogSink,
    private readonly logger: Logger,
  ) {}

  /** Opens the FIFO and starts reading it into sink. */
  static open(fifoPath: string, sink: LogSink, logger: Logger = nullLogger): LogCapture {
    const readFd = fs.openSync(fifoPath, fs.constants.O_RDWR | fs.constants.O_NONBLOCK);
    let outFd = -1;
    try {
      if (!fs.fstatSync(readFd).isFIFO()) {
        throw new NodewardenError('E_INTERNAL', `${fifoPath} is not a FIFO`, { details: { path: fifoPath } });
      }
      outFd = fs.openSync(fifoPath, fs.constants.O_RDWR);
    } catch (err) {
      fs.closeSync(readFd);
      throw err;
    }
    const capture = new LogCapture(fifoPath, outFd, sink, logger);
    readBuffer ??= Buffer.allocUnsafe(READ_BUFFER_BYTES);
    const onread: net.OnReadOpts = {
      buffer: readBuffer,
      callback: (n: number, buf: Uint8Array) => capture.onRead(Buffer.from(buf.buffer, buf.byteOffset, n)),
    };
    // `onread` (reads into a given buffer) is honoured by the constructor, though its type only lists it for connect().
    capture.socket = new net.Socket({
      fd: readFd,
      readable: true,
      writable: false,
      onread,
    } as net.SocketConstructorOpts);
    capture.socket.on('error', (err) =>
      logger.error(`reading log FIFO ${fifoPath} failed`, { error: String(err) }),
    );
    return capture;
  }

  /** The fd a node inherits as stdout and stderr. Valid until close(). */
  outputFd(): number {
    return this.outFd;
  }

  /** Bytes read from the FIFO so far. */
  bytesRead(): number {
    return this.read;
  }

  /**
   * Stops reading and closes both fds. Whatever the node writes afterwards
   * stays in the pipe (up to its capacity) for the next reader.
   */
  close(): Promise<void> {
    this.closing ??= (async () => {
      if (this.pause) clearTimeout(this.pause);
      this.pause = null;
      if (!this.socket.destroyed) {
        const closed = once(this.socket, 'close');
        this.socket.destroy();
        await closed;
      }
      fs.closeSync(this.outFd);
    })();
    return this.closing;
  }

  /** One read's bytes (a view of the shared buffer); returns false to stop reading for a while. */
  private onRead(chunk: Buffer): boolean {
    const n = chunk.length;
    this.read += n;
    this.sink.write(chunk);
    if (n >= this.capacity && !this.enlarging) {
      this.enlarging = true; // once per capture, whatever the outcome
      void enlargePipe(this.outFd).then((size) => {
        if (size !== null) this.capacity = Math.max(this.capacity, size);
        else this.logger.debug(`log FIFO ${this.fifoPath} keeps its pipe size`);
      });
    }
    this.capacity = Math.max(this.capacity, n);
    this.pauseMs = nextPause(
      this.pauseMs,
      Math.min(n, READ_BUFFER_BYTES),
      Math.min(this.capacity, READ_BUFFER_BYTES),
    );
    if (this.pauseMs === 0 || this.closing) return true;
    this.pause = setTimeout(() => {
      this.pause = null;
      if (!this.socket.destroyed) this.socket.resume();
    }, this.pauseMs).unref();
    return false;
  }
}
