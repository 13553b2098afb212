import { NL } from './lines.js';

/** Length of the prefix a stamped line starts with: `2026-12-02T10:14:39.123Z ` (ISO-8601 UTC, a space). */
export const STAMP_BYTES = 25;

const STAMP = /^\d{4}-\d{2}-\d{2}T\d{2}:\d{2}:\d{2}\.\d{3}Z /;

/**
 * The manager's arrival time at the start of a log line (`logs.timestamps`),
 * as epoch ms, or null when the line has none. Only nodewarden's exact format
 * is recognised, so a node's own timestamp format is never mistaken for it.
 */
export function lineStampMs(line: string): number | null {
  if (line.length < STAMP_BYTES || !STAMP.test(line)) return null;
  const ms = Date.parse(line.slice(0, STAMP_BYTES - 1));
  return Number.isNaN(ms) ? null : ms;
}

/** The line without the manager's arrival stamp in front (unchanged when it has none). */
export function withoutStamp(line: string): string {
  return lineStampMs(line) === null ? line : line.slice(STAMP_BYTES);
}

/**
 * Puts the arrival time in front of every line of a node's output stream.
 * One timestamp is formatted per chunk (every line that starts in a chunk
 * arrived with it), so the cost per line is a copy of 25 bytes. A line split
 * across chunks is stamped once, with the arrival of its first byte.
 */
export class LineStamper {
  private lastMs = NaN;
  private stamp: Buffer = Buffer.alloc(0);

  /**
   * @param atLineStart false when the stream resumes in the middle of a line
   *   (a previous manager wrote the head of it): that rest gets no stamp.
   */
  constructor(
    private readonly wallNow: () => number,
    private atLineStart = true,
  ) {}

  /** The chunk with a stamp in front of each line that starts in it. */
  apply(chunk: Buffer): Buffer {
    if (chunk.length === 0) return chunk;
    // Line starts in this chunk: offset 0 if the previous chunk ended a line, and after each '\n' but the last byte.
    const starts: number[] = this.atLineStart ? [0] : [];
    for (let i = chunk.indexOf(NL); i !== -1 && i < chunk.length - 1; i = chunk.indexOf(NL, i + 1)) {
      starts.push(i + 1);
    }
    this.atLineStart = chunk[chunk.length - 1] === NL;
    if (starts.length === 0) return chunk;
    const stamp = this.stampNow();
    const out = Buffer.allocUnsafe(chunk.length + starts.length * stamp.length);
    let at = 0;
    for (let k = 0; k < starts.length; k++) {
      const from = starts[k]!;
      const to = k + 1 < starts.length ? starts[k + 1]! : chunk.length;
      if (k === 0 && from > 0) at += chunk.copy(out, at, 0, from);
      at += stamp.copy(out, at);
      at += chunk.copy(out, at, from, to);
    }
    return out;
  }

  private stampNow(): Buffer {
    const ms = this.wallNow();
    if (ms !== this.lastMs) {
      this.lastMs = ms;
      this.stamp = Buffer.from(`${new Date(ms).toISOString()} `, 'latin1');
    }
    return this.stamp;
  }
}
