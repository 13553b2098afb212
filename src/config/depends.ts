import path from 'node:path';
import { issue } from './issues.js';
import { locate } from './origin.js';
import type { NodeSource } from './resolve-node.js';
import type { ConfigIssue, NodeSpec } from './types.js';

/** A resolved node with where it came from, as the loader holds it. */
export interface DependsInput {
  readonly spec: NodeSpec | null;
  readonly src: NodeSource;
}

/**
 * Resolve every node's `dependsOn` into node names and check the graph.
 * An entry names a node (`kmd-2`) or a node file (`kmd`, standing for all of
 * its instances), compared case-insensitively; globs are not taken. An entry
 * that names nothing, or a dependency cycle (a node reaching itself, its own
 * file's instances included), is an issue naming the file and key where the
 * entry was set. Returns the specs with resolved names, in the same order.
 */
export function resolveDependsOn(nodes: readonly DependsInput[]): {
  specs: (NodeSpec | null)[];
  issues: ConfigIssue[];
} {
  const issues: ConfigIssue[] = [];
  const byName = new Map<string, string>();
  const byFile = new Map<string, string[]>();
  for (const { spec, src } of nodes) {
    if (!spec) continue;
    byName.set(spec.name.toLowerCase(), spec.name);
    const base = path.basename(src.file, '.json').toLowerCase();
    const list = byFile.get(base) ?? [];
    list.push(spec.name);
    byFile.set(base, list);
  }

  const graph = new Map<string, string[]>();
  const where = new Map<string, { file: string; key: string }>();
  const specs = nodes.map(({ spec, src }) => {
    if (!spec) return null;
    const at = locate(src, 'dependsOn');
    where.set(spec.name, at);
    const out: string[] = [];
    spec.dependsOn.forEach((entry, i) => {
      const key = `${at.key}.${i}`;
      const lower = entry.toLowerCase();
      const found = byName.has(lower) ? [byName.get(lower)!] : byFile.get(lower);
      if (!found) {
        const glob = /[*?[]/.test(entry) ? ' (globs are not taken: list the names)' : '';
        issues.push(issue(at.file, key, `names no node and no node file${glob}`, entry));
        return;
      }
      for (const n of found) if (!out.includes(n)) out.push(n);
    });
    graph.set(spec.name, out);
    return withDependsOn(spec, out);
  });

  for (const cycle of findCycles(graph)) {
    const at = where.get(cycle[0]!)!;
    issues.push(issue(at.file, at.key, `cycle ${[...cycle, cycle[0]].join(' → ')}`));
  }
  return { specs, issues };
}

/** The spec (and its profile specs) with `dependsOn` replaced by resolved names. */
function withDependsOn(spec: NodeSpec, names: readonly string[]): NodeSpec {
  const profileSpecs: Record<string, NodeSpec> = {};
  for (const [k, p] of Object.entries(spec.profileSpecs)) profileSpecs[k] = { ...p, dependsOn: names };
  return { ...spec, dependsOn: names, profileSpecs };
}

/**
 * Every cycle of the graph, each once, starting at its smallest name (in the
 * direction of the edges): `[a, b]` for a → b → a.
 */
export function findCycles(graph: ReadonlyMap<string, readonly string[]>): string[][] {
  const cycles: string[][] = [];
  const seen = new Set<string>();
  const stack: string[] = [];
  const onStack = new Set<string>();
  const visit = (n: string): void => {
    seen.add(n);
    stack.push(n);
    onStack.add(n);
    for (const d of graph.get(n) ?? []) {
      if (onStack.has(d)) {
        const cycle = stack.slice(stack.indexOf(d));
        const first = cycle.indexOf([...cycle].sort()[0]!);
        const rotated = [...cycle.slice(first), ...cycle.slice(0, first)];
        const id = rotated.join('\0');
        if (!cycles.some((c) => c.join('\0') === id)) cycles.push(rotated);
      } else if (!seen.has(d)) visit(d);
    }
    stack.pop();
    onStack.delete(n);
  };
  for (const n of [...graph.keys()].sort()) if (!seen.has(n)) visit(n);
  return cycles;
}
