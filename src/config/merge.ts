/**
 * The merge rule of node configs (DESIGN §1): `template.json` under
 * `nodes/<name>.json`, and an active profile on top of both.
 */

/** True for a JSON object (not an array, not null). */
export function isPlainObject(value: unknown): value is Record<string, unknown> {
  return typeof value === 'object' && value !== null && !Array.isArray(value);
}

/**
 * Deep-merges `over` onto `base` and returns a new value; neither input is
 * modified. Objects merge key by key, arrays and scalars replace, and a `null`
 * in `over` deletes the key. Nulls inside an object that has nothing under it
 * delete nothing and are dropped too. Arrays are copied verbatim, nulls
 * included (a `files[].json` document may need them).
 */
export function deepMerge(base: unknown, over: unknown): unknown {
  if (over === undefined) return copy(base);
  if (!isPlainObject(over)) return copy(over);
  const out: Record<string, unknown> = {};
  if (isPlainObject(base)) {
    for (const [k, v] of Object.entries(base)) if (k !== '__proto__' && v !== null) out[k] = copy(v);
  }
  for (const [k, v] of Object.entries(over)) {
    // A "__proto__" member from JSON.parse is an own key; assigning it would swap the prototype.
    if (k === '__proto__') continue;
    if (v === null) delete out[k];
    else out[k] = deepMerge(out[k], v);
  }
  return out;
}

function copy(value: unknown): unknown {
  if (Array.isArray(value)) return value.map(clone);
  if (isPlainObject(value)) return deepMerge(undefined, value);
  return value;
}

/** A verbatim deep copy of a JSON value. */
export function clone(value: unknown): unknown {
  if (Array.isArray(value)) return value.map(clone);
  if (isPlainObject(value)) {
    const out: Record<string, unknown> = {};
    for (const [k, v] of Object.entries(value)) if (k !== '__proto__') out[k] = clone(v);
    return out;
  }
  return value;
}
