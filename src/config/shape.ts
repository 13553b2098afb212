import { clone, isPlainObject } from './merge.js';

/**
 * A small declarative validator for node configs. Unlike convict it reports
 * every problem with its full key path, handles maps of objects (`probes`) and
 * lists of objects (`files`, `sync.reference`), and fills defaults in one walk.
 */

/** A value check: null when fine, else the message (`must be a positive integer`). */
export type Check = (v: unknown) => string | null;

/** One problem found in a tree, located by dotted key path. */
export interface Problem {
  readonly key: string;
  readonly message: string;
  readonly value?: unknown;
}

/** Per-walk state: where problems go, and which keys held templates (they may be coerced). */
export interface WalkContext {
  readonly problems: Problem[];
  readonly templated: { has(key: string): boolean };
}

export type Shape =
  | {
      readonly kind: 'leaf';
      readonly check: Check;
      readonly default?: unknown;
      readonly required?: boolean;
      /** A templated string for this key is read as a number / boolean (`"{{add 9000 index}}"`). */
      readonly coerce?: 'number' | 'boolean';
    }
  | {
      readonly kind: 'object';
      readonly fields: Readonly<Record<string, Shape>>;
      /** Absent stays absent instead of becoming an object of defaults. */
      readonly optional?: boolean;
      /** Cross-field rules, run after the fields; `key` is relative to this object. */
      readonly refine?: (
        v: Record<string, unknown>,
        report: (key: string, message: string, value?: unknown) => void,
      ) => void;
    }
  | { readonly kind: 'map'; readonly of: Shape }
  | { readonly kind: 'list'; readonly of: Shape }
  | { readonly kind: 'custom'; readonly apply: (v: unknown, key: string, ctx: WalkContext) => unknown };

export function join(a: string, b: string): string {
  return a === '' ? b : b === '' ? a : `${a}.${b}`;
}

function distance(a: string, b: string): number {
  const row = Array.from({ length: b.length + 1 }, (_, j) => j);
  for (let i = 1; i <= a.length; i++) {
    let prev = row[0]!;
    row[0] = i;
    for (let j = 1; j <= b.length; j++) {
      const cur = row[j]!;
      row[j] = Math.min(
        row[j]! + 1,
        row[j - 1]! + 1,
        prev + (a[i - 1]!.toLowerCase() === b[j - 1]!.toLowerCase() ? 0 : 1),
      );
      prev = cur;
    }
  }
  return row[b.length]!;
}

/** `unknown key`, with a suggestion when a known key is a typo away. */
export function unknownKeyMessage(k: string, known: readonly string[]): string {
  const near = known.filter((x) => distance(k, x) <= Math.max(1, Math.min(2, x.length - 2)));
  return near.length > 0 ? `unknown key (did you mean "${near[0]}"?)` : 'unknown key';
}

function coerced(
  shape: Extract<Shape, { kind: 'leaf' }>,
  v: unknown,
  key: string,
  ctx: WalkContext,
): unknown {
  if (typeof v !== 'string' || !shape.coerce || !ctx.templated.has(key)) return v;
  const t = v.trim();
  if (shape.coerce === 'number') return t !== '' && Number.isFinite(Number(t)) ? Number(t) : v;
  return t === 'true' ? true : t === 'false' ? false : v;
}

/** Validates `v` against `shape` at `key`, reporting problems and returning the value with defaults filled. */
export function applyShape(shape: Shape, v: unknown, key: string, ctx: WalkContext): unknown {
  switch (shape.kind) {
    case 'leaf': {
      if (v === undefined) {
        if (shape.required) ctx.problems.push({ key, message: 'is required' });
        return shape.default !== null && typeof shape.default === 'object'
          ? clone(shape.default)
          : shape.default;
      }
      const value = coerced(shape, v, key, ctx);
      const message = shape.check(value);
      if (message !== null) ctx.problems.push({ key, message, value });
      return value;
    }
    case 'object': {
      if (v === undefined && shape.optional) return undefined;
      let src: Record<string, unknown> = {};
      if (isPlainObject(v)) src = v;
      else if (v !== undefined) ctx.problems.push({ key, message: 'must be an object', value: v });
      for (const k in src) {
        if (!Object.prototype.hasOwnProperty.call(shape.fields, k)) {
          ctx.problems.push({ key: join(key, k), message: unknownKeyMessage(k, Object.keys(shape.fields)) });
        }
      }
      const out: Record<string, unknown> = {};
      for (const k in shape.fields) {
        const x = applyShape(shape.fields[k]!, src[k], join(key, k), ctx);
        if (x !== undefined) out[k] = x;
      }
      shape.refine?.(out, (k, message, value) =>
        ctx.problems.push(
          value === undefined ? { key: join(key, k), message } : { key: join(key, k), message, value },
        ),
      );
      return out;
    }
    case 'map': {
      if (v === undefined) return {};
      if (!isPlainObject(v)) return (ctx.problems.push({ key, message: 'must be an object', value: v }), {});
      const out: Record<string, unknown> = {};
      for (const k in v) out[k] = applyShape(shape.of, v[k], join(key, k), ctx);
      return out;
    }
    case 'list': {
      if (v === undefined) return [];
      if (!Array.isArray(v)) return (ctx.problems.push({ key, message: 'must be an array', value: v }), []);
      return v.map((x, i) => applyShape(shape.of, x, join(key, String(i)), ctx));
    }
    case 'custom':
      return shape.apply(v, key, ctx);
  }
}

/** Reports unknown keys only (no types, no defaults): for overrides that are not active yet. */
export function checkKeys(shape: Shape, v: unknown, key: string, problems: Problem[]): void {
  if (shape.kind === 'object' && isPlainObject(v)) {
    const known = Object.keys(shape.fields);
    for (const [k, x] of Object.entries(v)) {
      const field = shape.fields[k];
      if (field === undefined) problems.push({ key: join(key, k), message: unknownKeyMessage(k, known) });
      else checkKeys(field, x, join(key, k), problems);
    }
  } else if (shape.kind === 'map' && isPlainObject(v)) {
    for (const [k, x] of Object.entries(v)) checkKeys(shape.of, x, join(key, k), problems);
  } else if (shape.kind === 'list' && Array.isArray(v)) {
    v.forEach((x, i) => checkKeys(shape.of, x, join(key, String(i)), problems));
  }
}
