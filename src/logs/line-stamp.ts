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
 * arrived with it; within one second only the milliseconds are formatted
 * anew), and the chunk is copied once into a new buffer, line by line, with
 * the stamp's bytes in between (byte for byte, so any encoding passes
 * through intact).
 * A line split across chunks is stamped once, with the arrival of its first byte.
 */
export class LineStamper {
  private lastMs = NaN;
  private lastSecond = NaN;
  /** `2026-12-02T10:14:39.` of the second last stamped. */
  private secondText = '';
  private stamp = '';
  private stampBytes = Buffer.alloc(STAMP_BYTES);

  /**
   * @param atLineStart false when the stream resumes in the middle of a line
   *   (a previous manager wrote the head of it): that rest gets no stamp.
   */
  constructor(
    private readonly wallNow: () => number,
    private atLineStart = true,
  ) {}

  /** The chunk with a stamp in front of each line that starts in it (always a new buffer). */
  apply(chunk: Buffer): Buffer {
    const n = chunk.length;
    if (n === 0) return Buffer.alloc(0);
    const startsLine = this.atLineStart;
    this.atLineStart = chunk[n - 1] === NL;
    // Lines that start in the chunk: the first one if the chunk starts a line, and one after every '\n' but a last one.
    let starts = startsLine ? 1 : 0;
    for (let i = chunk.indexOf(NL); i !== -1 && i < n - 1; i = chunk.indexOf(NL, i + 1)) starts++;
    if (starts === 0) return Buffer.from(chunk); // the middle or the end of a line that began earlier
    this.stampNow();
    const stamp = this.stampBytes;
    const out = Buffer.allocUnsafe(n + starts * STAMP_BYTES);
    let at = 0;
    let from = 0;
    if (!startsLine) {
      from = chunk.indexOf(NL) + 1;
      out.set(chunk.subarray(0, from), 0);
      at = from;
    }
    while (from < n) {
      out.set(stamp, at);
      at += STAMP_BYTES;
      const end = chunk.indexOf(NL, from) + 1 || n;
      out.set(chunk.subarray(from, end), at);
      at += end - from;
      from = end;
    }
    return out;
  }

  private stampNow(): void {
    const ms = this.wallNow();
    if (ms === this.lastMs) return;
    this.lastMs = ms;
    const second = Math.floor(ms / 1000);
    if (second !== this.lastSecond) {
      this.lastSecond = second;
      this.secondText = new Date(second * 1000).toISOString().slice(0, 20);
    }
    const milli = ms - second * 1000;
    this.stamp = `${this.secondText}${milli < 10 ? '00' : milli < 100 ? '0' : ''}${milli}Z `;
    this.stampBytes = Buffer.from(this.stamp, 'latin1');
  }
}
