/**
 * Everything the sim writes to stdout: protocol lines (READY, GRANDCHILD, ...),
 * periodic log lines and the `--spew` flood. Stdout may be a pipe or a FIFO that
 * fills up; writers here respect backpressure and yield to the event loop, so a
 * spewing sim still answers HTTP and handles signals.
 */

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
