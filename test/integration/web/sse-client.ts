/**
 * A minimal Server-Sent Events reader for tests: connects with node:http,
 * splits frames, and lets a test wait for a frame matching a predicate
 * (event-driven, with a failure bound) instead of sleeping.
 */
import http from 'node:http';

export interface Frame {
  /** Event name; 'comment' for `:` lines, 'retry' for a `retry:` frame. */
  event: string;
  data: string;
}

export interface SseReader {
  readonly status: number;
  readonly headers: http.IncomingHttpHeaders;
  readonly frames: Frame[];
  /** Resolves with the first frame (from index `from`) matching `pred`. */
  next(pred: (f: Frame) => boolean, opts?: { from?: number; timeoutMs?: number }): Promise<Frame>;
  /** Resolves once the server ended the stream. */
  readonly ended: Promise<void>;
  close(): void;
}

function parseFrame(block: string): Frame {
  let event = 'message';
  const data: string[] = [];
  for (const line of block.split('\n')) {
    if (line.startsWith(':')) return { event: 'comment', data: line.slice(1).trim() };
    const i = line.indexOf(':');
    const field = i < 0 ? line : line.slice(0, i);
    const value = i < 0 ? '' : line.slice(i + 1).replace(/^ /, '');
    if (field === 'event') event = value;
    else if (field === 'data') data.push(value);
    else if (field === 'retry') event = 'retry';
  }
  return { event, data: data.join('\n') };
}

export function openSse(url: string, headers: Record<string, string> = {}): Promise<SseReader> {
  return new Promise((resolve, reject) => {
    const req = http.get(url, { headers: { accept: 'text/event-stream', ...headers } }, (res) => {
      const frames: Frame[] = [];
      const waiters = new Set<() => void>();
      let buf = '';
      res.setEncoding('utf8');
      res.on('data', (chunk: string) => {
        buf += chunk;
        let at: number;
        while ((at = buf.indexOf('\n\n')) >= 0) {
          frames.push(parseFrame(buf.slice(0, at)));
          buf = buf.slice(at + 2);
        }
        waiters.forEach((w) => w());
      });
      const ended = new Promise<void>((r) => res.on('close', () => r()));
      resolve({
        status: res.statusCode ?? 0,
        headers: res.headers,
        frames,
        ended,
        close: () => req.destroy(),
        next(pred, opts = {}) {
          const timeoutMs = opts.timeoutMs ?? 10_000;
          return new Promise<Frame>((ok, fail) => {
            const check = (): void => {
              const f = frames.slice(opts.from ?? 0).find(pred);
              if (f) {
                waiters.delete(check);
                clearTimeout(timer);
                ok(f);
              }
            };
            const timer = setTimeout(() => {
              waiters.delete(check);
              fail(new Error(`no matching SSE frame within ${timeoutMs} ms (got ${frames.length} frames)`));
            }, timeoutMs);
            waiters.add(check);
            check();
          });
        },
      });
    });
    req.on('error', reject);
  });
}
