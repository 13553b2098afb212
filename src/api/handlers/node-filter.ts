import { compileGlob, resolveTargets, isGlob } from '../../protocol/targets.js';
import { noSuchNode } from '../errors.js';

/**
 * The configured node names a read resolves its `node` filter against: the
 * daemon's supervisor, or the configuration the CLI loads when the daemon is
 * down. `names` is asked only for a glob or `all`.
 */
export interface ConfiguredNames {
  /** Every configured name, in config order. */
  names(): readonly string[];
  /** Whether `name` is a configured node. */
  has(name: string): boolean;
}

/**
 * The `node` filter of the read routes (events, uptime, export): a name is
 * taken as it is (a removed node's history stays readable); a glob or `all`
 * becomes the configured nodes it matches, and a glob that matches none is
 * E_NODE_NOT_FOUND, as `status` reports a name that matches nothing.
 */
export function nodeFilter(
  configured: ConfiguredNames,
  node: string | undefined,
): string | string[] | undefined {
  if (node === undefined || (node !== 'all' && !isGlob(node))) return node;
  const { nodes, unknown } = resolveTargets([node], configured.names());
  if (unknown.length > 0) throw noSuchNode(node);
  return nodes;
}

/**
 * The `node` filter as a test of one event's node, for events recorded from
 * now on (`events -f`): a name matches itself, a glob the names it matches
 * (a node added by a reload too), `all` every node; an event of no node
 * passes only when there is no filter.
 */
export function nodeTest(node: string | undefined): (name: string | null) => boolean {
  if (node === undefined) return () => true;
  if (node === 'all') return (name) => name !== null;
  if (!isGlob(node)) return (name) => name === node;
  const glob = compileGlob(node);
  return (name) => name !== null && glob.test(name);
}

/**
 * The names a daemon's read routes resolve globs against: its nodes, then its
 * watch-only targets (whose history the same tables keep).
 */
export function withTargets(nodes: ConfiguredNames, targets: () => readonly string[]): ConfiguredNames {
  return {
    names: () => [...nodes.names(), ...targets()],
    has: (name) => nodes.has(name) || targets().includes(name),
  };
}

/** A running daemon's nodes and targets, as `withTargets` joins them. */
export function daemonNames(daemon: {
  readonly supervisor: ConfiguredNames;
  readonly targetStatus?: () => readonly { name: string }[];
}): ConfiguredNames {
  return withTargets(daemon.supervisor, () => (daemon.targetStatus?.() ?? []).map((t) => t.name));
}
