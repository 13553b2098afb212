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
 * The part every wait shares: settle once, on `listen`'s outcome, the timeout
 * (`timed out waiting for <what>`) or the server's closing, and clean up all
 * three. `listen` starts watching and returns its own cleanup. The result is
 * tracked by the lifecycle, so a closing server lets it answer first.
 */
function boundedWait(
  ctx: ApiContext,
  what: string,
  timeoutMs: number,
  listen: (finish: (o: WaitOutcome) => void) => () => void,
): StateWaiter {
  const { clock } = ctx.daemon;
  const { signal } = ctx.lifecycle;
  let finish!: (o: WaitOutcome) => void;
  const done = new Promise<WaitOutcome>((resolve) => {
    let settled = false;
    const onAbort = (): void => finish({ ok: false, reason: 'the daemon is shutting down' });
    const timer = clock.setTimer(timeoutMs, () =>
      finish({ ok: false, reason: `timed out waiting for ${what}` }),
    );
    signal.addEventListener('abort', onAbort);
    let stopListening = (): void => {};
    finish = (o) => {
      if (settled) return;
      settled = true;
      stopListening();
      clock.clearTimer(timer);
      signal.removeEventListener('abort', onAbort);
      resolve(o);
    };
    stopListening = listen(finish);
    if (settled) stopListening();
    if (signal.aborted) onAbort();
  });
  return { done: ctx.lifecycle.track(done), cancel: () => finish({ ok: true }) };
}

/**
 * Listen for `node` reaching `running` ("subscribe, then act, then wait"):
 * create the waiter, then start or restart the node, then await `done`. A dead
 * end (fatal, exited …) fails at once; the timeout and a closing server fail it too.
 */
export function waitForRunning(ctx: ApiContext, node: string, timeoutMs: number): StateWaiter {
  return boundedWait(ctx, 'running', timeoutMs, (finish) =>
    ctx.daemon.bus.on('state', (s) => {
      if (s.node !== node) return;
      if (s.to === 'running') finish({ ok: true });
      else if (DEAD_ENDS.has(s.to)) finish({ ok: false, reason: `${s.to} while waiting for running` });
    }),
  );
}

/** Bound a stop (which resolves once the node rests) by a timeout and the server's closing. */
export function waitForStopped(
  ctx: ApiContext,
  stopped: Promise<void>,
  timeoutMs: number,
): Promise<WaitOutcome> {
  return boundedWait(ctx, 'stopped', timeoutMs, (finish) => {
    stopped.then(
      () => finish({ ok: true }),
      (err: unknown) => finish({ ok: false, reason: err instanceof Error ? err.message : String(err) }),
    );
    return () => {};
  }).done;
}
