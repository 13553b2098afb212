import type { ShutdownRequest, ShutdownResponse } from '../../protocol/types.js';
import type { ApiContext } from '../context.js';

/**
 * `POST /api/shutdown {keepNodes}`: answer first, then stop the daemon
 * (`afterReply`, which the route runs once the reply is sent). With
 * `keepNodes` every node keeps running for the next manager to adopt.
 */
export function handleShutdown(
  ctx: ApiContext,
  req: ShutdownRequest,
): { response: ShutdownResponse; afterReply: () => void } {
  const keepNodes = req.keepNodes === true;
  return {
    response: { ok: true, keepNodes },
    afterReply: () => {
      ctx.daemon.logger.info(
        `shutdown requested over the control API${keepNodes ? ', nodes keep running' : ''}`,
      );
      ctx.daemon
        .stop({ keepNodes })
        .catch((err: unknown) => ctx.daemon.logger.error('shutdown failed', { error: String(err) }));
    },
  };
}
