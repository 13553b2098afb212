import type { ApiContext } from './context.js';

/** How a `--wait` ended for one node. */
export type WaitOutcome = { ok: true } | { ok: false; reason: string };

/** A wait that is already listening; `cancel` when the act made it unnecessary. */
export interface StateWaiter {
  readonly done: Promise<WaitOutcome>;
  cancel(): void;
}

/** States a start cannot pass through on its way to `running`: the wait has failed. */
const DEAD_ENDS: ReadonlySet<string> = new Set(['fatal', 'exited', 'stopped', 'paused']);

/**
 * Listen for `node` reaching `running` ("subscribe, then act, then wait"):
 * create the waiter, then start or restart the node, then await `done`. A dead
 * end (fatal, exited …) fails at once; the timeout and a closing server fail it too.
 */
export function waitForRunning(ctx: ApiContext, node: string, timeoutMs: number): StateWaiter {
  const { bus, clock } = ctx.daemon;
  let finish!: (o: WaitOutcome) => void;
  const done = new Promise<WaitOutcome>((resolve) => {
    const off = bus.on('state', (s) => {
      if (s.node !== node) return;
      if (s.to === 'running') finish({ ok: true });
      else if (DEAD_ENDS.has(s.to)) finish({ ok: false, reason: `${s.to} while waiting for running` });
    });
    const timer = clock.setTimer(timeoutMs, () =>
      finish({ ok: false, reason: 'timed out waiting for running' }),
    );
    const onAbort = (): void => finish({ ok: false, reason: 'the daemon is shutting down' });
    ctx.lifecycle.signal.addEventListener('abort', onAbort);
    let settled = false;
    finish = (o) => {
      if (settled) return;
      settled = true;
      off();
      clock.clearTimer(timer);
      ctx.lifecycle.signal.removeEventListener('abort', onAbort);
      resolve(o);
    };
    if (ctx.lifecycle.signal.aborted) onAbort();
  });
  return { done: ctx.lifecycle.track(done), cancel: () => finish({ ok: true }) };
}

/** Bound a stop (which resolves once the node rests) by a timeout and the server's closing. */
export function waitForStopped(
  ctx: ApiContext,
  stopped: Promise<void>,
  timeoutMs: number,
): Promise<WaitOutcome> {
  const { clock } = ctx.daemon;
  const done = new Promise<WaitOutcome>((resolve) => {
    let settled = false;
    const finish = (o: WaitOutcome): void => {
      if (settled) return;
      settled = true;
      clock.clearTimer(timer);
      ctx.lifecycle.signal.removeEventListener('abort', onAbort);
      resolve(o);
    };
    const timer = clock.setTimer(timeoutMs, () =>
      finish({ ok: false, reason: 'timed out waiting for stopped' }),
    );
    const onAbort = (): void => finish({ ok: false, reason: 'the daemon is shutting down' });
    ctx.lifecycle.signal.addEventListener('abort', onAbort);
    if (ctx.lifecycle.signal.aborted) onAbort();
    stopped.then(
      () => finish({ ok: true }),
      (err: unknown) => finish({ ok: false, reason: err instanceof Error ? err.message : String(err) }),
    );
  });
  return ctx.lifecycle.track(done);
}
