import fs from 'node:fs';

/**
 * Verifies what landed in a program's log files (current + rotated, oldest
 * first) against what the writer wrote: lines are `<12-digit seq> ` + 86 × the
 * letter of seq % 26 + `\n` (100 bytes), possibly behind a manager's arrival
 * stamp (nodewarden's `logs.timestamps`: 25 bytes, not counted as the
 * program's output). Rotation keeps only the newest files, so loss is judged within the window the files still cover: every sequence
 * number between the smallest and the largest seen must be there exactly once,
 * and nothing may be missing after the largest (the writer's count says how many
 * there were).
 */
export interface LogCheck {
  readonly files: number;
  readonly bytes: number;
  /** Intact lines (well-formed, 100 bytes, inside one file). */
  readonly intact: number;
  readonly minSeq: number;
  readonly maxSeq: number;
  /** Sequence numbers missing between minSeq and maxSeq. */
  readonly missingInWindow: number;
  /** Sequence numbers after maxSeq that the writer wrote but no file has. */
  readonly missingAtEnd: number;
  /** Lines whose bytes are spread over two files (rotation cut them). */
  readonly split: number;
  /** Other damaged pieces (wrong length or content, NUL bytes, torn lines). */
  readonly malformed: number;
  /** Sequence numbers seen more than once. */
  readonly duplicated: number;
}

const LINE = 100;
/** Length of an arrival stamp in front of a line, when the manager writes one. */
const STAMP = 25;
const BODY = 86;
const PATTERNS = Array.from({ length: 26 }, (_, i) => Buffer.alloc(BODY, 97 + i));

export function checkLog(files: readonly string[], written: number): LogCheck {
  // One count per sequence number (saturating), sized by what the writer wrote.
  const seen = new Uint8Array(Math.max(1, written + 1));
  let extraSeen = 0;
  let intact = 0;
  let split = 0;
  let malformed = 0;
  let bytes = 0;
  let minSeq = Infinity;
  let maxSeq = -1;
  let duplicated = 0;

  const mark = (seq: number): void => {
    if (seq >= seen.length) return void extraSeen++;
    if (seen[seq] === 1) duplicated++;
    if (seen[seq]! < 255) seen[seq]!++;
    if (seq < minSeq) minSeq = seq;
    if (seq > maxSeq) maxSeq = seq;
  };
  /** Parses one piece (without its newline); returns the seq when well-formed. */
  const parse = (buf: Buffer, start: number, end: number): number | null => {
    // nodewarden's `logs.timestamps` (on by default) puts `2026-12-02T10:14:39.123Z ` in front.
    if (
      end - start === LINE - 1 + STAMP &&
      buf[start + 10] === 84 &&
      buf[start + 23] === 90 &&
      buf[start + 24] === 32
    )
      start += STAMP;
    if (end - start !== LINE - 1 || buf[start + 12] !== 32) return null;
    let seq = 0;
    for (let i = start; i < start + 12; i++) {
      const d = buf[i]! - 48;
      if (d < 0 || d > 9) return null;
      seq = seq * 10 + d;
    }
    return buf.compare(PATTERNS[seq % 26]!, 0, BODY, start + 13, end) === 0 ? seq : null;
  };

  let carry: Buffer | null = null; // an unterminated tail of the previous file
  for (const file of files) {
    let fileStart = true;
    let pending: Buffer | null = null; // an unterminated tail of the previous chunk
    const fd = fs.openSync(file, 'r');
    try {
      const chunk = Buffer.allocUnsafe(16 * 1024 * 1024);
      for (;;) {
        const n = fs.readSync(fd, chunk, 0, chunk.length, null);
        if (n === 0) break;
        bytes += n;
        let buf = chunk.subarray(0, n);
        if (pending) buf = Buffer.concat([pending, buf]);
        pending = null;
        let pos = 0;
        for (;;) {
          const nl = buf.indexOf(10, pos);
          if (nl < 0) break;
          let seq: number | null;
          if (fileStart && carry) {
            // Did the line begin in the previous file (rotation split it)?
            const joined = Buffer.concat([carry, buf.subarray(pos, nl)]);
            seq = parse(joined, 0, joined.length);
            carry = null;
            if (seq !== null) {
              split++;
              mark(seq);
            } else {
              malformed++; // the previous file's tail is damaged on its own
              seq = parse(buf, pos, nl);
              if (seq !== null) {
                intact++;
                mark(seq);
              } else malformed++;
            }
          } else {
            seq = parse(buf, pos, nl);
            if (seq !== null) {
              intact++;
              mark(seq);
            } else malformed++;
          }
          fileStart = false;
          pos = nl + 1;
        }
        if (pos < buf.length) pending = Buffer.from(buf.subarray(pos));
      }
    } finally {
      fs.closeSync(fd);
    }
    if (carry) malformed++; // a tail followed by a file starting cleanly (or an empty file)
    carry = pending;
  }
  if (carry) malformed++; // the newest file ends in the middle of a line

  let missingInWindow = 0;
  for (let s = Math.max(0, minSeq); s <= maxSeq && s < seen.length; s++) if (seen[s] === 0) missingInWindow++;
  return {
    files: files.length,
    bytes,
    intact,
    minSeq: maxSeq < 0 ? -1 : minSeq,
    maxSeq,
    missingInWindow,
    missingAtEnd: Math.max(0, written - 1 - maxSeq),
    split,
    malformed: malformed + extraSeen,
    duplicated,
  };
}
