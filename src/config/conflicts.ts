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

/** `a` is `b` or lies inside it. */
function within(a: string, b: string): boolean {
  const rel = path.relative(b, a);
  return rel === '' || (!rel.startsWith('..') && !path.isAbsolute(rel));
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
  const seen: { listen: Listen; owner: Candidate }[] = [];
  for (const c of nodes) {
    if (c.spec === null) continue;
    const mine = listenPorts(c.spec.args);
    const reported = new Set<number>();
    for (const l of mine) {
      const other = seen.find((s) => clash(s.listen, l));
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
    for (const l of mine) seen.push({ listen: l, owner: c });
  }
  return issues;
}

function dataDirIssues(nodes: readonly Candidate[], configDir: string): ConfigIssue[] {
  const issues: ConfigIssue[] = [];
  const seen: Candidate[] = [];
  for (const c of nodes) {
    const dir = c.dataDir;
    if (dir === null) continue;
    // Equal dataDirs are the loader's duplicate check; here only one inside the other.
    const outer = seen.find((s) => s.dataDir !== dir && within(dir, s.dataDir!));
    const inner = outer ? undefined : seen.find((s) => s.dataDir !== dir && within(s.dataDir!, dir));
    const other = outer ?? inner;
    if (other) {
      const at = locate(c.src, 'dataDir');
      const how = outer ? 'is inside the dataDir of' : 'contains the dataDir of';
      issues.push(issue(at.file, at.key, `${how} ${who(other, configDir)}`, dir));
    }
    seen.push(c);
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
