/**
 * Everything the sim writes to stdout: protocol lines (READY, GRANDCHILD, ...),
 * periodic log lines and the `--spew` flood. Stdout may be a pipe or a FIFO that
 * fills up; writers here respect backpressure and yield to the event loop, so a
 * spewing sim still answers HTTP and handles signals.
 */

import fs from 'node:fs';

/** Writes one line to stdout. */
export function say(line: string): void {
  process.stdout.write(line + '\n');
}

/** Writes a last line, then exits once it is flushed (or after `capMs` if the reader is stuck). */
export function sayAndExit(line: string, code: number, capMs = 500): void {
  const t = setTimeout(() => process.exit(code), capMs);
  process.stdout.write(line + '\n', () => {
    clearTimeout(t);
    process.exit(code);
  });
}

/** Width of the zero-padded sequence number that starts every spew line. */
export const SPEW_SEQ_WIDTH = 10;
/** Every spew line is exactly this many bytes, newline included. */
export const SPEW_LINE_BYTES = 100;
const BATCH = 200;

function spewLine(seq: number): string {
  const head = String(seq).padStart(SPEW_SEQ_WIDTH, '0') + ' ';
  return head + 'spew '.repeat(20).slice(0, SPEW_LINE_BYTES - 1 - head.length) + '\n';
}

/**
 * Writes numbered lines `0000000001 spew spew ...` (1, 2, 3, ...) as fast as the
 * reader takes them: batches while `write` returns true, waits for `drain` when it
 * returns false, and yields with setImmediate between batches.
 * After `limit` lines (if given) prints `SPEW DONE lines=<n>`.
 */
export function startSpew(limit: number | null): void {
  let seq = 0;
  const next = (): void => {
    const end = limit === null ? seq + BATCH : Math.min(limit, seq + BATCH);
    let chunk = '';
    while (seq < end) chunk += spewLine(++seq);
    const ok = chunk === '' || process.stdout.write(chunk);
    if (limit !== null && seq >= limit) {
      say(`SPEW DONE lines=${seq}`);
      return;
    }
    if (ok) setImmediate(next);
    else process.stdout.once('drain', next);
  };
  next();
}

/** Prints a normal-looking log line every `everyMs`. */
export function startLogEvery(everyMs: number, line: () => string): void {
  setInterval(() => say(`${new Date().toISOString()} INFO ${line()}`), everyMs);
}

/** Numbered lines for the chaos run: how many were written, and a way to record that figure. */
export interface ChaosLines {
  /** The last seq whose write returned (0 before the first). */
  readonly written: () => number;
  /** Rewrites the seq file now (a no-op without one). */
  readonly record: () => void;
}

/** Lines per rewrite of the seq file. */
const SEQ_RECORD_EVERY = 4;

/**
 * Writes `<name> <pid> <seq>` (seq 1, 2, 3, ...) every `everyMs`. With `seqFile`,
 * keeps in it the last seq whose write returned: rewritten (temp file + rename,
 * so it is never half written) every few lines and whenever `record` is called.
 * Stdout to a pipe or FIFO is synchronous on Linux, so a returned write is in the pipe.
 */
export function startChaosLines(name: string, everyMs: number, seqFile: string | null): ChaosLines {
  let seq = 0;
  const record = (): void => {
    if (seqFile === null) return;
    const tmp = `${seqFile}.tmp`;
    try {
      fs.writeFileSync(tmp, `${seq}\n`);
      fs.renameSync(tmp, seqFile);
    } catch {
      // The directory may be gone at the end of a run; the lines themselves still count.
    }
  };
  setInterval(() => {
    const next = seq + 1;
    process.stdout.write(`${name} ${process.pid} ${next}\n`);
    seq = next;
    if (seq % SEQ_RECORD_EVERY === 0) record();
  }, everyMs);
  record();
  return { written: () => seq, record };
}
