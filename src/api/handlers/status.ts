import type { NodeStatus } from '../../protocol/types.js';
import type { ApiContext } from '../context.js';
import { noSuchNode } from '../errors.js';
import { buildNodeStatus, buildStatus } from '../status.js';

/** `GET /api/status`: every node with the contract's `status --json` fields, in config order. */
export function handleStatus(ctx: ApiContext): NodeStatus[] {
  const { supervisor, observe, clock } = ctx.daemon;
  return buildStatus(supervisor, observe, clock.wallNow());
}

/** `GET /api/nodes/:name`: one node's status; E_NODE_NOT_FOUND for a name not configured. */
export function handleNode(ctx: ApiContext, name: string): NodeStatus {
  const { supervisor, observe, clock } = ctx.daemon;
  const row = buildNodeStatus(supervisor, observe, name, clock.wallNow());
  if (!row) throw noSuchNode(name);
  return row;
}
