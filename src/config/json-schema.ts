import os from 'node:os';
import { DURATION_PATTERN } from '../protocol/duration.js';
import {
  anyValue,
  BOUNDS,
  byteSize,
  count,
  countOrZero,
  durationMs,
  durationMsOrZero,
  durationSeconds,
  durationSecondsOrZero,
  exitCode,
  instanceCount,
  intUpTo,
  isBoolean,
  isString,
  nonEmptyString,
  numberUpTo,
  oneOf,
  percent,
  port,
  signalName,
  stringArray,
  stringMap,
  timeoutMs,
  userOrGroup,
} from './checks.js';
import type { Check } from './shape.js';

/**
 * The building blocks of nodewarden's JSON Schemas (draft 2020-12). Every
 * setting is a leaf made by `leaf()`: its JSON Schema (what editors and the
 * validator accept), its description and default, and the check whose
 * message an operator reads when the value is refused. The validator walks
 * the same objects, so the schema printed by `config schema` is the one that
 * decides.
 */

export type JsonSchema = Record<string, unknown>;

export const DRAFT = 'https://json-schema.org/draft/2020-12/schema';

/** What kind of value a leaf holds: the schema fragment, the message check, and how its strings are read. */
export interface LeafKind {
  readonly schema: JsonSchema;
  readonly check: Check;
  /** A templated string (`"{{add 9000 index}}"`) is read as a number / boolean. */
  readonly coerce?: 'number' | 'boolean';
  /** A duration key: a string such as `"90s"` is converted to this unit. */
  readonly unit?: 'ms' | 's';
}

/** A leaf of a schema as the validator sees it. */
export interface LeafInfo {
  readonly kind: LeafKind;
  readonly nullable: boolean;
}

const leaves = new WeakMap<object, LeafInfo>();

/** The leaf a schema node stands for, when it is one. */
export function leafInfo(node: unknown): LeafInfo | undefined {
  return typeof node === 'object' && node !== null ? leaves.get(node) : undefined;
}

const TEMPLATE: JsonSchema = {
  type: 'string',
  pattern: '\\{\\{',
  description: 'a Handlebars template rendered per node, e.g. "{{add 9000 index}}"',
};
const DURATION_STRING: JsonSchema = {
  type: 'string',
  pattern: DURATION_PATTERN,
  description: 'a duration: "500ms", "90s", "2m", "1h", "7d", "2w"',
};

const int = (minimum: number, maximum: number): JsonSchema => ({ type: 'integer', minimum, maximum });

/** Kinds of leaves; `templated` ones also take a template string (node files, not nodewarden.json). */
function kinds(templated: boolean) {
  const t = (schema: JsonSchema): JsonSchema => (templated ? { anyOf: [schema, TEMPLATE] } : schema);
  const d = (schema: JsonSchema): JsonSchema => ({
    anyOf: templated ? [schema, DURATION_STRING, TEMPLATE] : [schema, DURATION_STRING],
  });
  const num = { coerce: 'number' as const };
  return {
    string: { schema: { type: 'string' }, check: isString },
    nonEmptyString: { schema: { type: 'string', minLength: 1 }, check: nonEmptyString },
    any: { schema: {}, check: anyValue },
    boolean: { schema: t({ type: 'boolean' }), check: isBoolean, coerce: 'boolean' as const },
    integer: {
      schema: t({ type: 'integer' }),
      check: (v: unknown) => (Number.isInteger(v) ? null : 'must be an integer'),
      ...num,
    },
    port: { schema: t(int(1, 65535)), check: port, ...num },
    durationMs: { schema: d(int(1, BOUNDS.durationMs)), check: durationMs, unit: 'ms' as const, ...num },
    durationMsOrZero: {
      schema: d(int(0, BOUNDS.durationMs)),
      check: durationMsOrZero,
      unit: 'ms' as const,
      ...num,
    },
    durationSeconds: {
      schema: d({ type: 'number', exclusiveMinimum: 0, maximum: BOUNDS.durationSeconds }),
      check: durationSeconds,
      unit: 's' as const,
      ...num,
    },
    durationSecondsOrZero: {
      schema: d(int(0, BOUNDS.durationSeconds)),
      check: durationSecondsOrZero,
      unit: 's' as const,
      ...num,
    },
    timeoutMs: { schema: d(int(1, BOUNDS.timeoutMs)), check: timeoutMs, unit: 'ms' as const, ...num },
    count: { schema: t(int(1, BOUNDS.count)), check: count, ...num },
    countOrZero: { schema: t(int(0, BOUNDS.count)), check: countOrZero, ...num },
    nodesOrZero: { schema: t(int(0, BOUNDS.nodes)), check: intUpTo(0, BOUNDS.nodes), ...num },
    blocks: { schema: t(int(0, BOUNDS.blocks)), check: intUpTo(0, BOUNDS.blocks, 'blocks'), ...num },
    bytes: { schema: t(int(1, BOUNDS.bytes)), check: byteSize, ...num },
    days: {
      schema: t(int(1, BOUNDS.retentionDays)),
      check: intUpTo(1, BOUNDS.retentionDays, 'days', '10 years'),
      ...num,
    },
    events: { schema: t(int(1, BOUNDS.events)), check: intUpTo(1, BOUNDS.events), ...num },
    percent: {
      schema: t({ type: 'number', exclusiveMinimum: 0, maximum: 100 }),
      check: percent,
      ...num,
    },
    nofile: { schema: t(int(1, BOUNDS.nofile)), check: intUpTo(1, BOUNDS.nofile), ...num },
    rssMb: {
      schema: t({ type: 'number', exclusiveMinimum: 0, maximum: BOUNDS.rssMb }),
      check: numberUpTo(BOUNDS.rssMb, 'MB', '16 TiB'),
      ...num,
    },
    cpuPercent: {
      schema: t({ type: 'number', exclusiveMinimum: 0, maximum: BOUNDS.cpuPercent }),
      check: numberUpTo(BOUNDS.cpuPercent, '%', '1000 cores'),
      ...num,
    },
    exitCode: { schema: t(int(0, 255)), check: exitCode, ...num },
    // Not templated: the count is read before interpolation, so a template here could not be honoured.
    instances: { schema: int(1, BOUNDS.instances), check: instanceCount },
    signal: {
      schema: { type: 'string', enum: Object.keys(os.constants.signals).sort() },
      check: signalName,
    },
    userOrGroup: {
      schema: {
        anyOf: [
          { type: 'string', minLength: 1 },
          { type: 'integer', minimum: 0 },
        ],
      },
      check: userOrGroup,
    },
    stringArray: { schema: { type: 'array', items: { type: 'string' } }, check: stringArray },
    command: {
      schema: { type: 'array', items: { type: 'string' }, minItems: 1 },
      check: (v: unknown) => stringArray(v) ?? ((v as unknown[]).length > 0 ? null : 'must not be empty'),
    },
    stringMap: { schema: { type: 'object', additionalProperties: { type: 'string' } }, check: stringMap },
  } satisfies Record<string, LeafKind>;
}

/** Leaf kinds of node configs (template strings allowed where a number or boolean goes). */
export const NODE_KINDS = kinds(true);
/** Leaf kinds of nodewarden.json (no templates). */
export const MANAGER_KINDS = kinds(false);

/** A string that must be one of `values`. */
export function enumKind(values: readonly string[]): LeafKind {
  return { schema: { type: 'string', enum: [...values] }, check: oneOf(values) };
}

/** A setting: its kind, description and (when it has one) default; `nullable` also takes null. */
export function leaf(
  kind: LeafKind,
  description: string,
  opts: { default?: unknown; nullable?: boolean } = {},
): JsonSchema {
  const nullable = opts.nullable === true;
  const base = nullable ? { anyOf: [kind.schema, { type: 'null' }] } : kind.schema;
  const node: JsonSchema = { description, ...structuredClone(base) };
  if ('default' in opts) node.default = opts.default;
  leaves.set(node, { kind, nullable });
  return node;
}

/** A group of settings; unknown keys are refused. */
export function group(
  description: string,
  properties: Record<string, JsonSchema>,
  opts: { default?: unknown; required?: readonly string[] } = {},
): JsonSchema {
  const node: JsonSchema = { description, type: 'object', additionalProperties: false, properties };
  if (opts.required && opts.required.length > 0) node.required = [...opts.required];
  if ('default' in opts) node.default = opts.default;
  return node;
}

/** The `$schema` key every config file may carry (for editors; nodewarden ignores it). */
export const SCHEMA_KEY: JsonSchema = {
  type: 'string',
  description:
    'the JSON Schema of this file, for editors (e.g. "../schema/node.schema.json"); ignored by nodewarden',
};

/** A JSON Schema node, as plain JSON (what the schema files hold). */
export function toJson(schema: JsonSchema): JsonSchema {
  return JSON.parse(JSON.stringify(schema)) as JsonSchema;
}

/** `node` itself, or the `$defs` entry of `root` it refers to (`{"$ref": "#/$defs/probe"}`). */
export function deref(node: JsonSchema | undefined, root: JsonSchema): JsonSchema | undefined {
  const ref = node?.$ref;
  if (typeof ref !== 'string' || !ref.startsWith('#/$defs/')) return node;
  return (root.$defs as Record<string, JsonSchema> | undefined)?.[ref.slice('#/$defs/'.length)];
}

/** The child schema at one step of a data path (object key or array index), or undefined. */
export function childSchema(node: unknown, step: string, root: JsonSchema): JsonSchema | undefined {
  if (typeof node !== 'object' || node === null) return undefined;
  const n = deref(node as JsonSchema, root)!;
  return deref(childOf(n, step), root);
}

function childOf(n: JsonSchema, step: string): JsonSchema | undefined {
  const props = n.properties as Record<string, JsonSchema> | undefined;
  if (props && Object.prototype.hasOwnProperty.call(props, step)) return props[step];
  const patterns = n.patternProperties as Record<string, JsonSchema> | undefined;
  for (const [re, s] of Object.entries(patterns ?? {})) if (new RegExp(re).test(step)) return s;
  if (typeof n.additionalProperties === 'object' && n.additionalProperties !== null)
    return n.additionalProperties as JsonSchema;
  if (typeof n.items === 'object' && n.items !== null && /^\d+$/.test(step)) return n.items as JsonSchema;
  return undefined;
}
