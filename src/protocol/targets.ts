/**
 * Node names and the targets that name them (DESIGN §1, §6): a name, a glob
 * (`node-*`, `ant-?`, `chain-[ab]`) or `all`. Shared by the API (validation,
 * resolution) and the CLI (filtering `status`).
 */

/** A node name (DESIGN §1), as a JSON-schema pattern (no flags there, so both cases are spelled out). */
export const NODE_NAME_PATTERN = '^[a-zA-Z0-9][a-zA-Z0-9_.-]{0,62}$';

/** A target: a node name, a glob over names, or `all`. */
export const TARGET_PATTERN = '^[a-zA-Z0-9*?\\[][a-zA-Z0-9_.*?\\[\\]!-]{0,127}$';

const NODE_NAME = new RegExp(NODE_NAME_PATTERN);
const TARGET = new RegExp(TARGET_PATTERN);

export function isNodeName(s: string): boolean {
  return NODE_NAME.test(s);
}

export function isTarget(s: string): boolean {
  return TARGET.test(s);
}

export function isGlob(s: string): boolean {
  return /[*?[]/.test(s);
}

/** `*` any run, `?` one character, `[abc]` / `[a-c]` / `[!abc]` a class; the rest literal. */
export function globToRegExp(glob: string): RegExp {
  let re = '';
  for (let i = 0; i < glob.length; i++) {
    const c = glob[i]!;
    if (c === '*') re += '.*';
    else if (c === '?') re += '.';
    else if (c === '[') {
      const end = glob.indexOf(']', i + 2);
      if (end < 0) {
        re += '\\[';
        continue;
      }
      let body = glob.slice(i + 1, end);
      const negate = body.startsWith('!');
      if (negate) body = body.slice(1);
      re += `[${negate ? '^' : ''}${body.replace(/[\\\]^]/g, '\\$&')}]`;
      i = end;
    } else re += c.replace(/[.+^${}()|\\]/g, '\\$&');
  }
  return new RegExp(`^${re}$`);
}

/** What a list of targets names among the known nodes. */
export interface ResolvedTargets {
  /** Matching nodes, each once, in the order the targets name them (a glob's in config order). */
  readonly nodes: string[];
  /** Targets that matched nothing, as given. */
  readonly unknown: string[];
}

/** Expand names, globs and `all` against `known` (config order). */
export function resolveTargets(targets: readonly string[], known: readonly string[]): ResolvedTargets {
  const nodes: string[] = [];
  const seen = new Set<string>();
  const unknown: string[] = [];
  const knownSet = new Set(known);
  const add = (n: string): void => {
    if (!seen.has(n)) {
      seen.add(n);
      nodes.push(n);
    }
  };
  for (const t of targets) {
    let matched: string[];
    if (t === 'all') matched = [...known];
    else if (knownSet.has(t)) matched = [t];
    else if (isGlob(t)) {
      const re = globToRegExp(t);
      matched = known.filter((n) => re.test(n));
    } else matched = [];
    // `all` on an empty fleet is not an error: it names every node there is.
    if (matched.length === 0 && t !== 'all') unknown.push(t);
    matched.forEach(add);
  }
  return { nodes, unknown };
}
