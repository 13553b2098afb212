import type { ServerResponse } from 'node:http';

/** One Server-Sent Events frame: `event: <name>` and the JSON payload on one `data:` line. */
export function sseFrame(event: string, data: unknown): string {
  // JSON.stringify escapes CR and LF, so the payload can never end the frame early.
  return `event: ${event}\ndata: ${JSON.stringify(data)}\n\n`;
}

/** A comment frame: ignored by EventSource, keeps proxies and NAT from closing an idle stream. */
export const SSE_HEARTBEAT = ': ping\n\n';

/** Headers of an event stream that no proxy may buffer or cache. */
export const SSE_HEADERS: Readonly<Record<string, string>> = {
  'content-type': 'text/event-stream; charset=utf-8',
  'cache-control': 'no-cache, no-store',
  'x-accel-buffering': 'no',
  'x-content-type-options': 'nosniff',
};

/**
 * One connected stream reader. Writes never block the daemon: a reader that
 * lets more than `maxBufferedBytes` pile up is cut off (its browser reconnects
 * and gets a fresh snapshot).
 */
export class SseClient {
  constructor(
    readonly res: ServerResponse,
    /** Bus events up to this sequence number were already in its first snapshot. */
    readonly joinedSeq: number,
    private readonly maxBufferedBytes: number,
  ) {}

  get open(): boolean {
    return !this.res.destroyed && !this.res.writableEnded;
  }

  write(chunk: string): void {
    if (!this.open) return;
    this.res.write(chunk);
    if (this.res.writableLength > this.maxBufferedBytes) this.res.destroy();
  }

  end(): void {
    if (this.open) this.res.end();
  }
}
