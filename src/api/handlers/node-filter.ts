import { resolveTargets, isGlob } from '../../protocol/targets.js';
import type { ApiContext } from '../context.js';
import { noSuchNode } from '../errors.js';

/**
 * The `node` filter of the read routes (events, uptime, export): a name is
 * taken as it is (a removed node's history stays readable); a glob or `all`
 * becomes the configured nodes it matches, and a glob that matches none is
 * E_NODE_NOT_FOUND, as `status` reports a name that matches nothing.
 */
export function nodeFilter(ctx: ApiContext, node: string | undefined): string | string[] | undefined {
  if (node === undefined || (node !== 'all' && !isGlob(node))) return node;
  const { nodes, unknown } = resolveTargets([node], ctx.daemon.supervisor.names());
  if (unknown.length > 0) throw noSuchNode(node);
  return nodes;
}
