import { NL } from './lines.js';

/**
 * The LogWriter's queue of output waiting for the disk. Every entry ends at a
 * line end (or is an over-long line written as is), so batches can be cut at
 * line ends without scanning more than the one entry that does not fit.
 */
export class LineQueue {
  private items: Buffer[] = [];
  private total = 0;

  /** Bytes waiting. */
  get bytes(): number {
    return this.total;
  }

  get empty(): boolean {
    return this.items.length === 0;
  }

  push(buf: Buffer): void {
    this.items.push(buf);
    this.total += buf.length;
  }

  /** Length of the first line waiting (a whole entry if it has no '\n'). */
  firstLineLength(): number {
    const first = this.items[0];
    if (!first) return 0;
    return first.indexOf(NL) + 1 || first.length;
  }

  /** Removes the first line whatever its size, then whole lines up to `limit` bytes in all. */
  take(limit: number): Buffer[] {
    const out: Buffer[] = [];
    let taken = 0;
    while (this.items.length > 0) {
      const buf = this.items[0]!;
      if (taken + buf.length <= limit) {
        out.push(buf);
        taken += buf.length;
        this.items.shift();
        continue;
      }
      let cut = limit > taken ? buf.lastIndexOf(NL, limit - taken - 1) + 1 : 0;
      if (cut === 0 && out.length === 0) cut = buf.indexOf(NL) + 1 || buf.length;
      if (cut === buf.length) this.items.shift();
      else if (cut > 0) this.items[0] = buf.subarray(cut);
      if (cut > 0) out.push(buf.subarray(0, cut));
      taken += cut;
      break;
    }
    this.total -= taken;
    return out;
  }
}
