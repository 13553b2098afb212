import type {
  ActionRequest,
  ActionStreamLine,
  ShutdownRequest,
  ShutdownStreamLine,
} from '../../protocol/types.js';
import type { ApiContext } from '../context.js';
import { StopProgressFeed } from '../progress.js';
import { handleAction } from './action.js';

/**
 * `stop` with `wait` and `progress`: every stop step of the targeted nodes as
 * it happens (signal sent, still stopping, SIGKILL sent, gone), then the
 * per-node results as `stop --wait` answers them. Resolves once the last line
 * is written.
 */
export async function streamStop(
  ctx: ApiContext,
  req: ActionRequest,
  write: (line: ActionStreamLine) => void,
): Promise<void> {
  const { bus, clock } = ctx.daemon;
  const feed = new StopProgressFeed(bus, clock, write);
  // Nobody until the targets are resolved: then exactly those nodes, before any of them is stopped.
  feed.follow([]);
  try {
    const res = await handleAction(ctx, 'stop', { ...req, wait: true }, { onNodes: (n) => feed.follow(n) });
    write({ type: 'result', ...res });
  } finally {
    feed.close();
  }
}

/**
 * `restart` with `wait` and `progress`: each step of the rolling restart as it
 * happens (restarting, waiting for the gate, passed, failed, skipped), then the
 * per-node results. A restart that does not roll (one node, `now`) has no steps.
 */
export async function streamRollout(
  ctx: ApiContext,
  req: ActionRequest,
  write: (line: ActionStreamLine) => void,
): Promise<void> {
  const res = await handleAction(ctx, 'restart', { ...req, wait: true }, { onRollout: write });
  write({ type: 'result', ...res });
}

/**
 * `shutdown` with `progress`: `accepted`, then every node's stop steps as they
 * happen while the daemon stops (none with `keepNodes`), then `done` once the
 * manager has stopped its nodes. The daemon closes its control server after
 * this answer has been written, then exits.
 */
export async function streamShutdown(
  ctx: ApiContext,
  req: ShutdownRequest,
  write: (line: ShutdownStreamLine) => void,
): Promise<void> {
  const { daemon } = ctx;
  const keepNodes = req.keepNodes === true;
  const pid = process.pid;
  write({ type: 'accepted', keepNodes, pid });
  const feed = new StopProgressFeed(daemon.bus, daemon.clock, write);
  try {
    let off = (): void => {};
    const managerStopped = new Promise<void>((resolve) => {
      off = daemon.bus.on('event', (e) => {
        if (e.type === 'manager_stopped') resolve();
      });
    });
    daemon.logger.info(`shutdown requested over the control API${keepNodes ? ', nodes keep running' : ''}`);
    const stopping = daemon.stop({ keepNodes }).then(
      () => undefined,
      (err: unknown) => daemon.logger.error('shutdown failed', { error: String(err) }),
    );
    // Whichever comes first: the nodes are stopped (the control server closes after
    // this answer), or the stop failed or was already done (nothing more will come).
    await Promise.race([managerStopped, stopping]);
    off();
  } finally {
    feed.close();
  }
  write({ type: 'done', keepNodes, pid });
}
