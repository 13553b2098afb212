import type { NodeSpec } from '../config/types.js';
import type { Logger } from '../logger.js';
import type { Clock } from '../supervisor/clock.js';
import { LogCapture } from './capture.js';
import { LogWriter, type LogStats } from './writer.js';

export interface NodeLogOptions {
  /** The node's FIFO (see `fifoPath`; create it first with `ensureFifos`). */
  readonly fifoPath: string;
  readonly logDir: string;
  readonly name: string;
  readonly logs: NodeSpec['logs'];
  readonly logger?: Logger;
  readonly clock?: Clock;
  /** Stamp each line with its arrival time (the manager key `logs.timestamps`; default false here). */
  readonly timestamps?: boolean;
}

/**
 * One node's whole log pipeline: FIFO → LogCapture → LogWriter → rotated
 * `<name>.log`. Opened once per node for the manager's lifetime (it outlives
 * node restarts: every spawn of the node gets the same `outputFd()`).
 */
export class NodeLog {
  private constructor(
    private readonly capture: LogCapture,
    private readonly writer: LogWriter,
  ) {}

  static async open(opts: NodeLogOptions): Promise<NodeLog> {
    const writer = await LogWriter.open({
      logDir: opts.logDir,
      name: opts.name,
      maxBytes: opts.logs.maxBytes,
      backups: opts.logs.backups,
      compress: opts.logs.compress,
      ...(opts.logger ? { logger: opts.logger } : {}),
      ...(opts.clock ? { clock: opts.clock } : {}),
      timestamps: opts.timestamps ?? false,
    });
    try {
      return new NodeLog(LogCapture.open(opts.fifoPath, writer, opts.logger), writer);
    } catch (err) {
      await writer.close();
      throw err;
    }
  }

  /** The fd to pass as `outputFd` to `ProcessDriver.spawn`. */
  outputFd(): number {
    return this.capture.outputFd();
  }

  stats(): LogStats {
    return this.writer.stats();
  }

  /** Bytes read from the FIFO so far by this manager. */
  bytesRead(): number {
    return this.capture.bytesRead();
  }

  /** Stops reading (output stays in the FIFO for the next reader), then writes what was read. */
  async close(): Promise<void> {
    await this.capture.close();
    await this.writer.close();
  }
}
