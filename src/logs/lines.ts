/**
 * Byte-level line helpers shared by the writer and the tail reader. Lines are
 * cut on '\n' bytes, never on decoded text, so a multi-byte character is
 * never split by a chunk boundary.
 */

export const NL = 0x0a;

/** Number of '\n' bytes in buf. */
export function countNewlines(buf: Uint8Array): number {
  let n = 0;
  let i = buf.indexOf(NL);
  while (i !== -1) {
    n++;
    i = buf.indexOf(NL, i + 1);
  }
  return n;
}

/** Lines a run of bytes stands for when dropped: its newlines, plus one for an unterminated tail. */
export function countLines(bufs: readonly Uint8Array[]): { bytes: number; lines: number } {
  let bytes = 0;
  let lines = 0;
  for (const b of bufs) {
    bytes += b.length;
    lines += countNewlines(b);
  }
  const last = bufs[bufs.length - 1];
  if (last && last.length > 0 && last[last.length - 1] !== NL) lines++;
  return { bytes, lines };
}

/**
 * Splits complete lines off `carry + chunk`. Returns the decoded lines
 * (without '\n') and the unterminated rest to carry into the next call.
 */
export function splitLines(carry: Buffer, chunk: Buffer): { lines: string[]; rest: Buffer } {
  const buf = carry.length > 0 ? Buffer.concat([carry, chunk]) : chunk;
  const end = buf.lastIndexOf(NL);
  if (end === -1) return { lines: [], rest: Buffer.from(buf) };
  const lines = buf.toString('utf8', 0, end).split('\n');
  return { lines, rest: Buffer.from(buf.subarray(end + 1)) };
}

/** Skips n written bytes; `last` is the last byte written. */
export function advance(bufs: Buffer[], n: number): { rest: Buffer[]; last: number } {
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
export function lineEndWithin(bufs: Buffer[], n: number): number {
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
