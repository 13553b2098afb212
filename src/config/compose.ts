import { stringArray } from './checks.js';
import { issue } from './issues.js';
import { clone, deepMerge, isPlainObject } from './merge.js';
import type { ConfigIssue } from './types.js';

/**
 * How one instance's config is composed from its layers, before anything is
 * interpolated (so `{{index}}` works inside an override as anywhere else):
 * template.json, then the node file, then the node file's `overrides.<index>`,
 * each deep-merged onto what is below it (DESIGN §1 merge rules). In the node
 * file and in an override, `args` (when given) replaces the args so far and
 * `args+` then appends to them.
 */

/** The key that appends to the inherited `args`. */
export const APPEND_ARGS = 'args+';

/** Where one entry of a composed `args` was written: the file and its key there. */
export interface ArgOrigin {
  readonly file: string;
  readonly key: string;
}

/** One instance's composed config and, per entry of its `args`, where that entry was written. */
export interface Composed {
  readonly config: Record<string, unknown>;
  /** null when `args` is not an array (the schema reports it). */
  readonly argOrigins: readonly ArgOrigin[] | null;
}

/** The raw override object of `index` in a node file, or null. */
export function overrideOf(
  nodeRaw: Readonly<Record<string, unknown>>,
  index: number,
): Record<string, unknown> | null {
  const all = nodeRaw.overrides;
  if (!isPlainObject(all)) return null;
  const own = Object.hasOwn(all, String(index)) ? all[String(index)] : undefined;
  return isPlainObject(own) ? own : null;
}

/**
 * Merges `layer` (written in `file`, its keys under `prefix`) onto `base`:
 * `args` replaces, `args+` appends; `overrides` is not a setting and is left out.
 */
function applyLayer(
  base: { config: Record<string, unknown>; argOrigins: ArgOrigin[] | null },
  layer: Readonly<Record<string, unknown>>,
  file: string,
  prefix: string,
): { config: Record<string, unknown>; argOrigins: ArgOrigin[] | null } {
  const { [APPEND_ARGS]: extra, overrides: _overrides, ...rest } = layer;
  const config = deepMerge(base.config, rest) as Record<string, unknown>;
  let argOrigins = base.argOrigins;
  if (Object.hasOwn(rest, 'args')) {
    argOrigins = Array.isArray(rest.args)
      ? rest.args.map((_, i) => ({ file, key: `${prefix}args.${i}` }))
      : null;
    if (rest.args === null) argOrigins = [];
  }
  if (Array.isArray(extra) && stringArray(extra) === null) {
    const args = config.args ?? [];
    if (Array.isArray(args) && argOrigins !== null) {
      config.args = [...args, ...extra.map(clone)];
      argOrigins = [...argOrigins, ...extra.map((_, i) => ({ file, key: `${prefix}${APPEND_ARGS}.${i}` }))];
    }
  }
  return { config, argOrigins };
}

/**
 * Instance `index` of a node file: template, node file and its override for
 * `index`, composed; with `index` null, template and node file only.
 */
export function composeInstance(
  template: { file: string; raw: Readonly<Record<string, unknown>> },
  node: { file: string; raw: Readonly<Record<string, unknown>> },
  index: number | null,
): Composed {
  const start = { config: {}, argOrigins: [] as ArgOrigin[] | null };
  // template.json may hold neither key (templateIssues says so); compose as if it did not.
  const { [APPEND_ARGS]: _a, overrides: _o, ...template0 } = template.raw;
  let out = applyLayer(start, template0, template.file, '');
  out = applyLayer(out, node.raw, node.file, '');
  const over = index === null ? null : overrideOf(node.raw, index);
  if (over !== null) out = applyLayer(out, over, node.file, `overrides.${index}.`);
  const args = out.config.args;
  const argOrigins = args === undefined ? [] : Array.isArray(args) ? out.argOrigins : null;
  return { config: out.config, argOrigins };
}

/** `overrides` and `args+` are node-file keys: in template.json there is nothing to override or extend. */
export function templateIssues(file: string, raw: Readonly<Record<string, unknown>>): ConfigIssue[] {
  const issues: ConfigIssue[] = [];
  if (Object.hasOwn(raw, 'overrides'))
    issues.push(
      issue(
        file,
        'overrides',
        'cannot be set in template.json: per-instance overrides go in the node file that has "instances"',
      ),
    );
  if (Object.hasOwn(raw, APPEND_ARGS))
    issues.push(
      issue(
        file,
        APPEND_ARGS,
        'cannot be set in template.json: there are no inherited args to append to; use "args"',
      ),
    );
  return issues;
}

function argsPlusIssue(file: string, key: string, v: unknown): ConfigIssue[] {
  const message = stringArray(v);
  return message === null ? [] : [issue(file, key, message, v)];
}

/**
 * What is wrong with a node file's `args+` and `overrides`: an override needs
 * a file with `instances` (`count` is its valid count, or null when the count
 * itself is invalid and already reported), its index must be one of 1..count,
 * it is an object and sets neither `instances` nor `overrides`.
 */
export function nodeFileIssues(
  file: string,
  raw: Readonly<Record<string, unknown>>,
  generated: boolean,
  count: number | null,
): ConfigIssue[] {
  const issues: ConfigIssue[] = [];
  if (Object.hasOwn(raw, APPEND_ARGS)) issues.push(...argsPlusIssue(file, APPEND_ARGS, raw[APPEND_ARGS]));
  if (!Object.hasOwn(raw, 'overrides')) return issues;
  const all = raw.overrides;
  if (!isPlainObject(all)) return [...issues, issue(file, 'overrides', 'must be an object', all)];
  if (!generated) {
    issues.push(
      issue(
        file,
        'overrides',
        'needs "instances": only a node file with instances has per-instance overrides',
      ),
    );
    return issues;
  }
  for (const [k, over] of Object.entries(all)) {
    const at = `overrides.${k}`;
    if (!/^[1-9][0-9]*$/.test(k)) {
      issues.push(issue(file, at, 'must be an instance index (1, 2, …)'));
      continue;
    }
    if (count !== null && Number(k) > count) {
      issues.push(issue(file, at, `no such instance (instances is ${count})`));
      continue;
    }
    if (!isPlainObject(over)) {
      issues.push(issue(file, at, 'must be an object', over));
      continue;
    }
    for (const key of ['instances', 'overrides']) {
      if (Object.hasOwn(over, key)) issues.push(issue(file, `${at}.${key}`, 'cannot be set in an override'));
    }
    if (Object.hasOwn(over, APPEND_ARGS))
      issues.push(...argsPlusIssue(file, `${at}.${APPEND_ARGS}`, over[APPEND_ARGS]));
  }
  return issues;
}
