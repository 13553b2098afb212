import path from 'node:path';
import type { ValidateFunction } from 'ajv/dist/2020.js';
import { instanceCount } from './checks.js';
import { interpolateTree, type TemplateContext } from './interpolate.js';
import { issue } from './issues.js';
import { isPlainObject } from './merge.js';
import { compileSchema, prepare, problemsOf, refineProbe } from './node-validate.js';
import type { Problem } from './shape.js';
import { targetSchema } from './target-schema.js';
import type { ConfigIssue, ProbeSpec, SecretSource, TargetSpec } from './types.js';

/**
 * Watch-only targets (`targets/<name>.json`): each file is one target, or
 * with `"instances": N` the targets `<file>-1 … <file>-N`, every string a
 * strict Handlebars template over `{ name, index, configDir, env }` exactly as
 * in node files (a target has no dataDir). Validated with the target schema,
 * whose probes are the node files' probes; problems name the file and key.
 */

/** What interpolation needs of the load. */
export interface TargetContext {
  readonly configDir: string;
  readonly env: Readonly<Record<string, string>>;
  readonly secrets: SecretSource;
}

let compiled: ValidateFunction | null = null;

/** A probe's cross-key rules, as node files' probes get them (`needsHeight`: it is the height probe). */
const refine: (
  p: Record<string, unknown>,
  at: string,
  report: (p: Problem) => void,
  needsHeight: boolean,
) => void = refineProbe;

interface ShapedTarget {
  readonly description?: string;
  readonly labels: Readonly<Record<string, string>>;
  readonly intervalMs: number;
  readonly timeoutMs: number;
  readonly downAfter: number;
  readonly probes: Readonly<Record<string, Record<string, unknown>>>;
  readonly sync: { readonly group: string | null };
}

/**
 * Validates one interpolated target config; returns it with defaults filled,
 * and each probe that sets no `intervalMs` / `timeoutMs` given the target's.
 */
export function validateTarget(
  value: Readonly<Record<string, unknown>>,
  templated: { has(key: string): boolean },
  problems: Problem[],
): ShapedTarget {
  compiled ??= compileSchema(targetSchema, true);
  const v = compiled;
  const given = new Map<string, unknown>();
  const data = prepare(targetSchema, targetSchema, value, '', templated, given) as Record<string, unknown>;
  if (!v(data)) problems.push(...problemsOf(v.errors ?? [], targetSchema, data, given));
  const probes = isPlainObject(data.probes) ? data.probes : {};
  if (isPlainObject(data.probes) && Object.keys(probes).length === 0)
    problems.push({
      key: 'probes',
      message: 'needs at least one probe: a target is up while its probes answer',
    });
  const written = isPlainObject(value.probes) ? value.probes : {};
  for (const [name, p] of Object.entries(probes)) {
    if (!isPlainObject(p)) continue;
    const own = isPlainObject(written[name]) ? written[name] : {};
    if (!Object.hasOwn(own, 'intervalMs') && typeof data.intervalMs === 'number')
      p.intervalMs = data.intervalMs;
    if (!Object.hasOwn(own, 'timeoutMs') && typeof data.timeoutMs === 'number') p.timeoutMs = data.timeoutMs;
    refine(p, `probes.${name}`, (x) => problems.push(x), name === 'height');
  }
  if (!isPlainObject(data.sync)) data.sync = { group: null };
  if (!isPlainObject(data.labels)) data.labels = {};
  return data as unknown as ShapedTarget;
}

/**
 * The targets of one target file (`raw` is its parsed object). `specs` is
 * empty when the file has any issue, so a bad file yields nothing.
 */
export function targetsOfFile(
  file: string,
  raw: Readonly<Record<string, unknown>>,
  tc: TargetContext,
): { specs: TargetSpec[]; issues: ConfigIssue[] } {
  const issues: ConfigIssue[] = [];
  const base = path.basename(file, '.json');
  const generated = Object.hasOwn(raw, 'instances');
  const n = raw.instances;
  // An invalid count is reported by the schema, once, on the one instance resolved.
  const count = generated && instanceCount(n) === null ? (n as number) : 1;
  const specs: TargetSpec[] = [];
  for (let index = 1; index <= count; index++) {
    const name = generated ? `${base}-${index}` : base;
    const ctx: TemplateContext = { name, index, configDir: tc.configDir, env: tc.env };
    const problems: Problem[] = [];
    const tree = interpolateTree(raw, ctx, tc.secrets);
    for (const p of tree.problems) problems.push({ key: p.key, message: p.message, value: p.source });
    const cfg = validateTarget(tree.value as Record<string, unknown>, tree.templated, problems);
    for (const p of problems) {
      // A rendered value may hold a secret: show the template it came from instead.
      const source = tree.templated.get(p.key);
      const shown = source !== undefined && source.includes('secret') ? source : p.value;
      issues.push(issue(file, p.key, p.message, shown));
    }
    if (problems.length > 0) continue;
    specs.push({
      name,
      index,
      file,
      description: cfg.description ?? null,
      labels: cfg.labels,
      probes: cfg.probes as unknown as Record<string, ProbeSpec>,
      intervalMs: cfg.intervalMs,
      timeoutMs: cfg.timeoutMs,
      downAfter: cfg.downAfter,
      sync: { group: cfg.sync.group ?? null },
    });
  }
  return { specs: issues.length > 0 ? [] : specs, issues };
}
