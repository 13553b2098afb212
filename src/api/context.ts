import type { Daemon } from '../daemon.js';

/**
 * What a control server shares with its handlers: the daemon, and a
 * lifecycle that tells long requests (`--wait`) the server is closing, so a
 * shutdown never waits on them.
 */
export interface ApiContext {
  readonly daemon: Daemon;
  readonly lifecycle: Lifecycle;
}

/** Aborts pending waits on close and knows when every tracked request has settled. */
export class Lifecycle {
  private readonly controller = new AbortController();
  private readonly pending = new Set<Promise<unknown>>();

  /** Aborted once the server starts closing. */
  get signal(): AbortSignal {
    return this.controller.signal;
  }

  /** Remember a long operation so `close` can let it answer first. */
  track<T>(p: Promise<T>): Promise<T> {
    const settled = p.then(
      () => undefined,
      () => undefined,
    );
    this.pending.add(settled);
    void settled.then(() => this.pending.delete(settled));
    return p;
  }

  /** Abort every wait and resolve once the tracked operations have answered. */
  async close(): Promise<void> {
    this.controller.abort();
    await Promise.all([...this.pending]);
  }
}
