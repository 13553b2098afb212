/**
 * Node names and the targets that name them (DESIGN §1, §6): a name, a glob
 * (`node-*`, `ant-?`, `chain-[ab]`) or `all`. Shared by the API (validation,
 * resolution) and the CLI (filtering `status`).
 */
import { NodewardenError } from '../errors.js';

/** A node name (DESIGN §1), as a JSON-schema pattern (no flags there, so both cases are spelled out). */
export const NODE_NAME_PATTERN = '^[a-zA-Z0-9][a-zA-Z0-9_.-]{0,62}$';

/** The longest target (name or glob) the API and the CLI accept, in characters. */
export const MAX_TARGET_LENGTH = 128;

/** A target: a node name, a glob over names, or `all` (at most MAX_TARGET_LENGTH characters). */
export const TARGET_PATTERN = `^[a-zA-Z0-9*?\\[][a-zA-Z0-9_.*?\\[\\]!-]{0,${MAX_TARGET_LENGTH - 1}}$`;

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

/** One position of a glob: a literal character, `?`, or a bracket class. */
type Atom =
  | { readonly kind: 'char'; readonly c: string }
  | { readonly kind: 'any' }
  | {
      readonly kind: 'class';
      readonly negate: boolean;
      readonly chars: string;
      readonly ranges: ReadonlyArray<readonly [string, string]>;
    };

/**
 * A compiled glob: the runs of atoms between its stars. `test` never
 * backtracks over more than one star, so matching costs at most
 * (name length × glob length) steps, whatever the glob.
 */
export interface GlobMatcher {
  readonly glob: string;
  test(name: string): boolean;
}

/**
 * Compile a glob: `*` any run (consecutive stars count as one), `?` one
 * character, `[abc]` / `[a-c]` / `[!abc]` one character of (or not of) a
 * class; a `[` without its `]` and every other character are literal. Throws
 * E_BAD_REQUEST for a glob longer than MAX_TARGET_LENGTH or a reversed range.
 */
export function compileGlob(glob: string): GlobMatcher {
  if (glob.length > MAX_TARGET_LENGTH) {
    throw targetError(`target is ${glob.length} characters long, more than the ${MAX_TARGET_LENGTH} allowed`);
  }
  const segments: Atom[][] = [[]];
  let star = false;
  for (let i = 0; i < glob.length; i++) {
    const c = glob[i]!;
    if (c === '*') {
      if (!star) segments.push([]);
      star = true;
      continue;
    }
    star = false;
    const seg = segments[segments.length - 1]!;
    if (c === '?') seg.push({ kind: 'any' });
    else if (c === '[') {
      // The first character after `[` (or `[!`) is a member even when it is `]`.
      const end = glob.indexOf(']', i + 2);
      if (end < 0) {
        seg.push({ kind: 'char', c });
        continue;
      }
      seg.push(parseClass(glob, glob.slice(i + 1, end)));
      i = end;
    } else seg.push({ kind: 'char', c });
  }
  return new SegmentMatcher(glob, segments);
}

/** The body of `[...]`: members, `a-z` ranges, a leading `!` negates; a `-` first or last is literal. */
function parseClass(glob: string, body: string): Atom {
  const negate = body.startsWith('!');
  if (negate) body = body.slice(1);
  let chars = '';
  const ranges: Array<readonly [string, string]> = [];
  for (let j = 0; j < body.length; j++) {
    const lo = body[j]!;
    if (body[j + 1] === '-' && j + 2 < body.length) {
      const hi = body[j + 2]!;
      if (hi < lo)
        throw targetError(
          `target ${JSON.stringify(glob)}: range ${lo}-${hi} is reversed (write the lower character first)`,
        );
      ranges.push([lo, hi]);
      j += 2;
    } else chars += lo;
  }
  return { kind: 'class', negate, chars, ranges };
}

function atomMatches(a: Atom, c: string): boolean {
  if (a.kind === 'any') return true;
  if (a.kind === 'char') return a.c === c;
  const member = a.chars.includes(c) || a.ranges.some(([lo, hi]) => lo <= c && c <= hi);
  return member !== a.negate;
}

class SegmentMatcher implements GlobMatcher {
  /** segments[0] is anchored at the start; with a star, the last one at the end. */
  private readonly minLength: number;

  constructor(
    readonly glob: string,
    private readonly segments: readonly Atom[][],
  ) {
    this.minLength = segments.reduce((n, s) => n + s.length, 0);
  }

  test(name: string): boolean {
    const segs = this.segments;
    if (name.length < this.minLength) return false;
    if (segs.length === 1) return name.length === segs[0]!.length && matchAt(segs[0]!, name, 0);
    const first = segs[0]!;
    const last = segs[segs.length - 1]!;
    if (!matchAt(first, name, 0)) return false;
    const end = name.length - last.length;
    if (!matchAt(last, name, end)) return false;
    // Between the stars each run takes its leftmost place: leaving more room
    // for the runs after it can never lose a match, so no backtracking.
    let pos = first.length;
    for (let k = 1; k < segs.length - 1; k++) {
      const seg = segs[k]!;
      let at = pos;
      while (at + seg.length <= end && !matchAt(seg, name, at)) at++;
      if (at + seg.length > end) return false;
      pos = at + seg.length;
    }
    return true;
  }
}

function matchAt(seg: readonly Atom[], name: string, at: number): boolean {
  for (let j = 0; j < seg.length; j++) if (!atomMatches(seg[j]!, name[at + j]!)) return false;
  return true;
}

/** E_BAD_REQUEST for a target that is not a usable glob. */
function targetError(message: string): NodewardenError {
  return new NodewardenError('E_BAD_REQUEST', message);
}

/** What a list of targets names among the known nodes. */
export interface ResolvedTargets {
  /** Matching nodes, each once, in the order the targets name them (a glob's in config order). */
  readonly nodes: string[];
  /** Targets that matched nothing, as given. */
  readonly unknown: string[];
}

/** Names a glob is tried on between two steps of resolveTargetsStepwise. */
const NAMES_PER_STEP = 64;

/** The nodes one target names (config order), trying a glob on NAMES_PER_STEP names per step. */
function* matchTarget(
  target: string,
  known: readonly string[],
  knownSet: ReadonlySet<string>,
): Generator<void, string[], void> {
  if (target === 'all') return [...known];
  if (knownSet.has(target)) return [target];
  if (!isGlob(target)) return [];
  const glob = compileGlob(target);
  const matched: string[] = [];
  for (let i = 0; i < known.length; i++) {
    if (glob.test(known[i]!)) matched.push(known[i]!);
    if (i % NAMES_PER_STEP === NAMES_PER_STEP - 1) yield;
  }
  return matched;
}

/**
 * Resolve each target on its own (what the API reports per target), in
 * small steps: the generator yields between targets and after every
 * NAMES_PER_STEP names a glob was tried on, so a server can spread a large
 * request over several turns of its event loop.
 */
export function* resolveEachStepwise(
  targets: readonly string[],
  known: readonly string[],
): Generator<void, ResolvedTargets[], void> {
  const knownSet = new Set(known);
  const out: ResolvedTargets[] = [];
  // A target given twice is matched once.
  const memo = new Map<string, string[]>();
  for (const t of targets) {
    yield;
    let nodes = memo.get(t);
    if (nodes === undefined) memo.set(t, (nodes = yield* matchTarget(t, known, knownSet)));
    // `all` on an empty fleet is not an error: it names every node there is.
    out.push({ nodes, unknown: nodes.length === 0 && t !== 'all' ? [t] : [] });
  }
  return out;
}

/** Expand names, globs and `all` against `known` (config order). */
export function resolveTargets(targets: readonly string[], known: readonly string[]): ResolvedTargets {
  const steps = resolveEachStepwise(targets, known);
  let r = steps.next();
  while (!r.done) r = steps.next();
  const nodes = new Set<string>();
  const unknown: string[] = [];
  for (const one of r.value) {
    one.nodes.forEach((n) => nodes.add(n));
    unknown.push(...one.unknown);
  }
  return { nodes: [...nodes], unknown };
}
