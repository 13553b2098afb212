import path from 'node:path';
import { issue } from './issues.js';
import { locate, type ConfigLayers } from './origin.js';
import { clash, listenPorts, type Listen } from './ports.js';
import type { ConfigIssue, NodeSpec } from './types.js';

/**
 * What two nodes of one config cannot share: a listening port (read from
 * their args, see ports.ts) and a data directory, one inside the other
 * included (an equal dataDir is reported by the loader's duplicate check).
 * Each conflict is reported once, on the later node in load order, naming the
 * earlier one and its file.
 */

/** One loaded node as the checks see it. */
export interface Candidate {
  /** Null when the node has problems of its own (its args are not known then). */
  readonly spec: NodeSpec | null;
  readonly src: ConfigLayers & { readonly name: string };
  /** Absolute, or null when it could not be resolved. */
  readonly dataDir: string | null;
}

function who(c: Candidate, configDir: string): string {
  return `node ${c.src.name} (${path.relative(configDir, c.src.file)})`;
}

/** The node named in a message about it: its file says which, unless the file makes several. */
function self(c: Candidate): string {
  return path.basename(c.src.file, '.json') === c.src.name ? '' : ` of node ${c.src.name}`;
}

function portIssues(nodes: readonly Candidate[], configDir: string): ConfigIssue[] {
  const issues: ConfigIssue[] = [];
  // Listeners seen so far by port, in load order: a clash needs the same port.
  const seen = new Map<number, { listen: Listen; owner: Candidate }[]>();
  for (const c of nodes) {
    if (c.spec === null) continue;
    const mine = listenPorts(c.spec.args);
    const reported = new Set<number>();
    for (const l of mine) {
      const other = seen.get(l.port)?.find((s) => clash(s.listen, l));
      if (other && !reported.has(l.port)) {
        reported.add(l.port);
        issues.push(
          issue(
            c.src.file,
            'args',
            `port ${l.port}${self(c)} is also used by ${who(other.owner, configDir)}`,
          ),
        );
      }
    }
    for (const l of mine) {
      const list = seen.get(l.port);
      if (list) list.push({ listen: l, owner: c });
      else seen.set(l.port, [{ listen: l, owner: c }]);
    }
  }
  return issues;
}

/** The directories that contain `dir`, nearest first, up to the root. */
function ancestors(dir: string): string[] {
  const out: string[] = [];
  for (let d = path.dirname(dir); ; d = path.dirname(d)) {
    out.push(d);
    if (path.dirname(d) === d) return out;
  }
}

function dataDirIssues(nodes: readonly Candidate[], configDir: string): ConfigIssue[] {
  const issues: ConfigIssue[] = [];
  // Looked up by path rather than compared pairwise, so 1,000 nodes cost 1,000
  // lookups per directory level, not half a million comparisons.
  const seenAt = new Map<string, number>(); // dataDir → load index of its first owner
  const firstInside = new Map<string, number>(); // directory → first owner whose dataDir lies below it
  const order: Candidate[] = [];
  for (const c of nodes) {
    const dir = c.dataDir;
    if (dir === null) continue;
    const up = ancestors(path.resolve(dir));
    // Equal dataDirs are the loader's duplicate check; here only one inside the other.
    let outer: number | undefined;
    for (const a of up) {
      const i = seenAt.get(a);
      if (i !== undefined && (outer === undefined || i < outer)) outer = i;
    }
    const inner = outer === undefined ? firstInside.get(path.resolve(dir)) : undefined;
    const other = outer ?? inner;
    if (other !== undefined) {
      const at = locate(c.src, 'dataDir');
      const how = outer !== undefined ? 'is inside the dataDir of' : 'contains the dataDir of';
      issues.push(issue(at.file, at.key, `${how} ${who(order[other]!, configDir)}`, dir));
    }
    const index = order.push(c) - 1;
    if (!seenAt.has(path.resolve(dir))) seenAt.set(path.resolve(dir), index);
    for (const a of up) if (!firstInside.has(a)) firstInside.set(a, index);
  }
  return issues;
}

/**
 * Port and dataDir conflicts between the nodes of one load (`nodes` in load
 * order; a name produced twice is the loader's own issue and counted once).
 */
export function conflictIssues(nodes: readonly Candidate[], configDir: string): ConfigIssue[] {
  const names = new Set<string>();
  const unique = nodes.filter((c) => {
    const n = c.src.name.toLowerCase();
    return names.has(n) ? false : (names.add(n), true);
  });
  return [...portIssues(unique, configDir), ...dataDirIssues(unique, configDir)];
}
