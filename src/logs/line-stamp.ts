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
 * anew), and the chunk is rewritten in three native passes over a latin1
 * view of its bytes (byte for byte, so any encoding passes through intact).
 * A line split across chunks is stamped once, with the arrival of its first byte.
 */
export class LineStamper {
  private lastMs = NaN;
  private lastSecond = NaN;
  /** `2026-12-02T10:14:39.` of the second last stamped. */
  private secondText = '';
  private stamp = '';
  /** '\n' followed by the stamp: what each line end in a chunk becomes. */
  private nlStamp = '';

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
    const n = chunk.length;
    if (n === 0) return chunk;
    const endsLine = chunk[n - 1] === NL;
    const startsLine = this.atLineStart;
    this.atLineStart = endsLine;
    const nl = chunk.indexOf(NL);
    // No line starts in it: the middle or the end of a line that began earlier.
    if (!startsLine && (nl === -1 || nl === n - 1)) return chunk;
    this.stampNow();
    if (nl === -1 || nl === n - 1) {
      // Only the line that starts the chunk (the common case of a node writing line by line).
      const out = Buffer.allocUnsafe(STAMP_BYTES + n);
      out.write(this.stamp, 0, 'latin1');
      chunk.copy(out, STAMP_BYTES);
      return out;
    }
    // Here a '\n' comes before the chunk's last byte: a line starts after it.
    let text = chunk.toString('latin1').replaceAll('\n', this.nlStamp);
    if (endsLine) text = text.slice(0, text.length - STAMP_BYTES); // nothing starts after the last '\n'
    if (startsLine) text = this.stamp + text;
    return Buffer.from(text, 'latin1');
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
    this.nlStamp = `\n${this.stamp}`;
  }
}
