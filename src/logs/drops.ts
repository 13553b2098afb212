import type { Logger } from '../logger.js';
import type { Clock } from '../supervisor/clock.js';
import { countLines } from './lines.js';

/**
 * Counts output a LogWriter had to drop (disk full, slow or gone) and says so
 * loudly in the manager log, at most once per interval, with what was
 * suppressed in between, so a full disk cannot flood the manager's own log.
 */
export class DropReporter {
  bytes = 0;
  lines = 0;
  private lastWarnAt = -Infinity;
  private suppressed = 0;

  constructor(
    private readonly node: string,
    private readonly logger: Logger,
    private readonly clock: Clock,
    private readonly intervalMs: number,
  ) {}

  /** Drops bufs (plus `extraBytes` of a line already cut short) for `reason`. */
  drop(bufs: readonly Buffer[], reason: string, extraBytes = 0): void {
    const counted = countLines(bufs);
    if (counted.bytes + extraBytes === 0) return;
    this.bytes += counted.bytes + extraBytes;
    this.lines += counted.lines;
    const now = this.clock.now();
    if (now - this.lastWarnAt < this.intervalMs) {
      this.suppressed++;
      return;
    }
    this.lastWarnAt = now;
    this.logger.warn(`node ${this.node}: DROPPING LOG OUTPUT (${reason}); the node is not blocked`, {
      node: this.node,
      droppedBytes: this.bytes,
      droppedLines: this.lines,
      suppressedWarnings: this.suppressed,
    });
    this.suppressed = 0;
  }
}
