import { Ajv2020, type ErrorObject, type ValidateFunction } from 'ajv/dist/2020.js';
import { durationIn, httpUrl, port } from './checks.js';
import { childSchema, leafInfo, type JsonSchema } from './json-schema.js';
import { clone, isPlainObject } from './merge.js';
import { mergedNodeSchema, NOT_IN_OVERRIDE, NOT_IN_PROFILE, type RunDefaults } from './node-schema.js';
import { checkReads, expandPreset } from './probe-presets.js';
import { join, unknownKeyMessage, type Problem } from './shape.js';

/**
 * Validates a node config (template.json merged with a node file, profile
 * applied, interpolated) against the node JSON Schema with ajv, and turns
 * ajv's findings into nodewarden's issues: one per key, with the message of
 * the key's check (`must be a positive integer`) and the value as given.
 * Defaults come from the schema's `default`s. Rules that span keys (a probe
 * type's required fields, backoffMaxMs >= backoffMs) follow the schema.
 */

/** Which keys held templates (their values may be read as numbers / booleans). */
export interface Templated {
  has(key: string): boolean;
}

/** A validator compiled from `schema`: mutates its argument (defaults), returns ajv's errors. */
export function compileSchema(schema: JsonSchema, useDefaults: boolean): ValidateFunction {
  // Shared groups are compiled once, as functions, rather than inlined at every reference.
  const ajv = new Ajv2020({
    allErrors: true,
    useDefaults,
    strict: true,
    strictTypes: false,
    inlineRefs: false,
  });
  return ajv.compile(schema);
}

let validateMerged: ValidateFunction | null = null;

/**
 * Reads templated strings of number / boolean keys as numbers / booleans and
 * duration strings of duration keys in the key's unit; returns each changed
 * key's value as written, for the issues.
 */
export function prepare(
  root: JsonSchema,
  schema: unknown,
  v: unknown,
  key: string,
  templated: Templated,
  given: Map<string, unknown>,
): unknown {
  const info = leafInfo(schema);
  if (info) {
    if (typeof v !== 'string') return v;
    let out: unknown = v;
    if (info.kind.unit !== undefined) out = durationIn(v, info.kind.unit);
    if (out === v && info.kind.coerce !== undefined && templated.has(key)) {
      const t = v.trim();
      if (info.kind.coerce === 'number') out = t !== '' && Number.isFinite(Number(t)) ? Number(t) : v;
      else out = t === 'true' ? true : t === 'false' ? false : v;
    }
    // A duration string is shown as written; a templated number as rendered.
    if (typeof out === 'number' && info.kind.unit !== undefined && !templated.has(key)) given.set(key, v);
    return out;
  }
  if (Array.isArray(v))
    return v.map((x, i) =>
      prepare(root, childSchema(schema, String(i), root), x, join(key, String(i)), templated, given),
    );
  if (isPlainObject(v)) {
    const out: Record<string, unknown> = {};
    for (const [k, x] of Object.entries(v))
      out[k] = prepare(root, childSchema(schema, k, root), x, join(key, k), templated, given);
    return out;
  }
  return v;
}

function pointerSteps(pointer: string): string[] {
  if (pointer === '') return [];
  return pointer
    .slice(1)
    .split('/')
    .map((s) => s.replace(/~1/g, '/').replace(/~0/g, '~'));
}

function valueAtSteps(root: unknown, steps: readonly string[]): unknown {
  let v = root;
  for (const s of steps) {
    if (Array.isArray(v)) v = v[Number(s)];
    else if (isPlainObject(v)) v = v[s];
    else return undefined;
  }
  return v;
}

/** The schema node and depth of the leaf (or deepest group) an error at `steps` belongs to. */
function owner(
  root: JsonSchema,
  steps: readonly string[],
): { schema: JsonSchema | undefined; depth: number } {
  let node: JsonSchema | undefined = root;
  for (let i = 0; i < steps.length; i++) {
    if (leafInfo(node)) return { schema: node, depth: i };
    const next = childSchema(node, steps[i]!, root);
    if (next === undefined) return { schema: node, depth: i };
    node = next;
  }
  return { schema: node, depth: steps.length };
}

/** Inside a profile (`profiles.<name>.…`) only unknown keys count: values are judged when the profile is resolved. */
function inProfileBody(steps: readonly string[]): boolean {
  const i = steps.indexOf('profiles');
  return i !== -1 && steps.length > i + 2 && (i === 0 || (i === 2 && steps[0] === 'overrides'));
}

/** Why key `k` of the object at `steps` is refused there, when it is a node key that does not belong. */
function forbiddenHere(steps: readonly string[], k: string): string | null {
  const inProfile = steps.length >= 2 && steps[steps.length - 2] === 'profiles';
  if (inProfile && (NOT_IN_PROFILE as readonly string[]).includes(k)) return 'cannot be set in a profile';
  if (steps.length === 2 && steps[0] === 'overrides' && (NOT_IN_OVERRIDE as readonly string[]).includes(k))
    return 'cannot be set in an override';
  return null;
}

/** ajv's errors as nodewarden problems: one per key and message, in the order found. */
export function problemsOf(
  errors: readonly ErrorObject[],
  schema: JsonSchema,
  data: unknown,
  given: ReadonlyMap<string, unknown>,
): Problem[] {
  const out: Problem[] = [];
  const seen = new Set<string>();
  const add = (p: Problem): void => {
    const id = `${p.key}\u0000${p.message}`;
    if (!seen.has(id)) {
      seen.add(id);
      out.push(p);
    }
  };
  for (const e of errors) {
    const steps = pointerSteps(e.instancePath);
    if (e.keyword === 'additionalProperties') {
      const k = (e.params as { additionalProperty: string }).additionalProperty;
      const at = [...steps, k];
      const parent = owner(schema, steps).schema;
      const forbidden = forbiddenHere(steps, k);
      let message = forbidden ?? unknownKeyMessage(k, Object.keys((parent?.properties as object) ?? {}));
      if (parent?.patternProperties !== undefined) message = 'must be an instance index 1, 2, 3 …';
      add({ key: at.join('.'), message });
      continue;
    }
    if (inProfileBody(steps)) continue;
    if (e.keyword === 'required') {
      const k = (e.params as { missingProperty: string }).missingProperty;
      add({ key: [...steps, k].join('.'), message: 'is required' });
      continue;
    }
    const { schema: node, depth } = owner(schema, steps);
    const at = steps.slice(0, depth);
    const key = at.join('.');
    const value = given.has(key) ? given.get(key) : valueAtSteps(data, at);
    const info = leafInfo(node);
    if (info) {
      const converted = valueAtSteps(data, at);
      const msg = info.nullable && converted === null ? null : info.kind.check(converted);
      add({ key, message: msg ?? `must match the schema: ${e.message ?? e.keyword}`, value });
    } else if (e.keyword === 'type') {
      add({ key, message: node?.type === 'array' ? 'must be an array' : 'must be an object', value });
    } else {
      add({ key, message: e.message ?? e.keyword, value });
    }
  }
  return out;
}

export function refineProbe(
  p: Record<string, unknown>,
  at: string,
  report: (p: Problem) => void,
  needsHeight: boolean,
): void {
  const r = (k: string, message: string, value?: unknown): void =>
    report(value === undefined ? { key: join(at, k), message } : { key: join(at, k), message, value });
  if (p.preset !== undefined) {
    let failed = false;
    expandPreset(p, at, needsHeight, (x) => {
      failed = true;
      report(x);
    });
    if (failed) return;
  } else if (p.type === undefined) return r('type', 'is required (or give a preset)');
  const type = p.type;
  if (type === 'multi') {
    if (p.reads === undefined) r('reads', 'is required for type "multi"');
    else checkReads(p.reads, join(at, 'reads'), report);
  }
  if (type === 'http' || type === 'jsonrpc' || type === 'prometheus') {
    if (p.url === undefined) r('url', `is required for type "${type}"`);
    else if (typeof p.url === 'string' && httpUrl(p.url) !== null) r('url', httpUrl(p.url)!, p.url);
  }
  if (type === 'jsonrpc' && p.method === undefined) r('method', 'is required for type "jsonrpc"');
  if (type === 'prometheus' && p.metric === undefined) r('metric', 'is required for type "prometheus"');
  if (type === 'command' && p.command === undefined) r('command', 'is required for type "command"');
  if (type === 'tcp') {
    if (typeof p.url === 'string') {
      const m = /^tcp:\/\/(\[[^\]]+\]|[^:/]+):(\d+)\/?$/.exec(p.url);
      const portNo = m ? Number(m[2]) : NaN;
      if (!m || port(portNo) !== null) return r('url', 'must look like tcp://host:port', p.url);
      p.host ??= m[1]!.replace(/^\[|\]$/g, '');
      p.port ??= portNo;
    } else if (p.url === undefined && (p.host === undefined || p.port === undefined)) {
      r('', 'type "tcp" needs url (tcp://host:port) or host and port');
    }
  }
}

/** The rules that span keys, on a config the schema has filled. */
function refine(cfg: Record<string, unknown>, report: (p: Problem) => void): void {
  const restart = cfg.restart;
  if (isPlainObject(restart)) {
    const { backoffMs: lo, backoffMaxMs: hi } = restart;
    if (typeof lo === 'number' && typeof hi === 'number' && hi < lo)
      report({ key: 'restart.backoffMaxMs', message: `must be >= restart.backoffMs (${lo})`, value: hi });
  }
  if (isPlainObject(cfg.probes))
    for (const [name, p] of Object.entries(cfg.probes))
      if (isPlainObject(p)) refineProbe(p, `probes.${name}`, report, name === 'height');
  const ref = isPlainObject(cfg.sync) ? cfg.sync.reference : undefined;
  if (Array.isArray(ref))
    ref.forEach((p, i) => isPlainObject(p) && refineProbe(p, `sync.reference.${i}`, report, true));
  if (Array.isArray(cfg.files)) {
    cfg.files.forEach((f, i) => {
      if (!isPlainObject(f)) return;
      const hasJson = 'json' in f;
      if (hasJson === 'template' in f)
        report({
          key: `files.${i}`,
          message: hasJson ? 'has both json and template; give one' : 'needs json or template',
        });
    });
  }
}

/**
 * Validates one node config and returns it with defaults filled (profiles and
 * overrides as written). `value` is not changed. Problems are appended.
 */
export function validateNode(
  value: Readonly<Record<string, unknown>>,
  templated: Templated,
  problems: Problem[],
): Record<string, unknown> {
  validateMerged ??= compileSchema(mergedNodeSchema, true);
  const given = new Map<string, unknown>();
  const data = prepare(mergedNodeSchema, mergedNodeSchema, value, '', templated, given) as Record<
    string,
    unknown
  >;
  const valid: boolean = validateMerged(data);
  if (!valid) {
    problems.push(...problemsOf(validateMerged.errors ?? [], mergedNodeSchema, data, given));
    // A group or list of the wrong type is reported; the rest of the load works on its default.
    const defaults = runDefaults() as unknown as Record<string, unknown>;
    for (const [k, def] of Object.entries(defaults)) {
      const wantList = Array.isArray(def);
      const wantGroup = !wantList && isPlainObject(def);
      const v: unknown = data[k];
      if ((wantList && !Array.isArray(v)) || (wantGroup && !isPlainObject(v))) data[k] = def;
    }
  }
  // Profiles and overrides are partial configs: no defaults inside them.
  data.profiles = isPlainObject(value.profiles) ? clone(value.profiles) : (value.profiles ?? {});
  data.overrides = isPlainObject(value.overrides) ? clone(value.overrides) : (value.overrides ?? {});
  refine(data, (p) => problems.push(p));
  return data;
}

/**
 * The settings a node gets when its config leaves them out, read from the same
 * schema the loader applies, so code that needs a spec for something that has
 * no config (a survivor of a removed node) cannot drift from the defaults.
 */
export function runDefaults(): RunDefaults {
  validateMerged ??= compileSchema(mergedNodeSchema, true);
  // binary and dataDir are required and have no default: their errors are expected and dropped.
  const out: Record<string, unknown> = {};
  validateMerged(out);
  for (const k of ['args+', 'instances', 'profiles', 'overrides']) delete out[k];
  return out as unknown as RunDefaults;
}
