import fs from 'node:fs';
import net from 'node:net';
import { once } from 'node:events';
import { NodewardenError } from '../errors.js';
import { nullLogger, type Logger } from '../logger.js';

/** Where captured output goes (a LogWriter). */
export interface LogSink {
  write(chunk: Buffer): void;
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
 */
export class LogCapture {
  private closing: Promise<void> | null = null;
  private read = 0;

  private constructor(
    readonly fifoPath: string,
    private readonly socket: net.Socket,
    private readonly outFd: number,
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
    const socket = new net.Socket({ fd: readFd, readable: true, writable: false });
    const capture = new LogCapture(fifoPath, socket, outFd);
    socket.on('data', (chunk: Buffer) => {
      capture.read += chunk.length;
      sink.write(chunk);
    });
    socket.on('error', (err) => logger.error(`reading log FIFO ${fifoPath} failed`, { error: String(err) }));
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
      if (!this.socket.destroyed) {
        const closed = once(this.socket, 'close');
        this.socket.destroy();
        await closed;
      }
      fs.closeSync(this.outFd);
    })();
    return this.closing;
  }
}
