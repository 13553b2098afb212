import { durationIn } from './checks.js';
import { issue } from './issues.js';
import { isPlainObject } from './merge.js';
import {
  DURATION_FORMATS,
  FORMAT_CHECKS,
  isSchemaBranch,
  isSchemaKey,
  SETTING_KEYS,
  webhookProblems,
} from './schema.js';
import type { ConfigIssue } from './types.js';

/**
 * The glue around convict for nodewarden.json: readying raw JSON so convict's
 * overlay cannot crash on it, and splitting convict's single error string back
 * into one issue per key with the offending value.
 */

/** The value at a dotted key path, or undefined when a step is not an object. */
export function valueAt(obj: unknown, key: string): unknown {
  let v: unknown = obj;
  for (const k of key.split('.')) {
    if (!isPlainObject(v)) return undefined;
    v = v[k];
  }
  return v;
}

/**
 * Readies raw JSON for convict: `null` for a group (e.g. `"smtp": null`) means
 * "not set", and an object where a single setting belongs is reported here
 * because convict's overlay would crash on it.
 */
export function prepare(
  raw: Record<string, unknown>,
  schema: Record<string, unknown>,
  prefix: string,
  file: string,
  issues: ConfigIssue[],
): Record<string, unknown> {
  const out: Record<string, unknown> = {};
  for (const [k, v] of Object.entries(raw)) {
    if (k === '__proto__') continue;
    const key = prefix === '' ? k : `${prefix}.${k}`;
    const node = Object.prototype.hasOwnProperty.call(schema, k) ? schema[k] : undefined;
    if (isPlainObject(node) && !('default' in node)) {
      if (v === null) continue;
      out[k] = isPlainObject(v) ? prepare(v, node, key, file, issues) : v;
    } else if (isPlainObject(node) && isPlainObject(v)) {
      const check = FORMAT_CHECKS[node.format as string];
      issues.push(issue(file, key, check?.(v) ?? 'must not be an object', v));
    } else if (isPlainObject(node) && typeof node.format === 'string' && node.format in DURATION_FORMATS) {
      out[k] = durationIn(v, DURATION_FORMATS[node.format]!);
    } else if (key === 'alerts.webhooks' && Array.isArray(v)) {
      out[k] = v.map((w) =>
        isPlainObject(w) && 'timeoutMs' in w ? { ...w, timeoutMs: durationIn(w.timeoutMs, 'ms') } : w,
      );
    } else out[k] = v;
  }
  return out;
}

/** Splits convict's `validate()` message into issues (its lines: `key: message: value was X`). */
export function convictIssues(message: string, instance: unknown, file: string): ConfigIssue[] {
  const out: ConfigIssue[] = [];
  const seen = new Set<string>();
  const add = (i: ConfigIssue): void => {
    const id = `${i.key}\u0000${i.message}`;
    if (!seen.has(id)) {
      seen.add(id);
      out.push(i);
    }
  };
  for (const line of message.split('\n')) {
    const undeclared = /^configuration param '(.+)' not declared in the schema$/.exec(line);
    const missing = /^configuration param '(.+)' missing from config/.exec(line);
    if (undeclared) {
      const parts = undeclared[1]!.split('.');
      let n = 1;
      while (n < parts.length && isSchemaKey(parts.slice(0, n).join('.'))) n++;
      const key = parts.slice(0, n).join('.');
      // A group given a non-object value is reported once, as "must be an object".
      if (!isSchemaBranch(key)) add(issue(file, key, 'unknown key'));
      continue;
    }
    if (missing) {
      const parts = missing[1]!.split('.');
      let n = 1;
      while (n < parts.length && isPlainObject(valueAt(instance, parts.slice(0, n).join('.')))) n++;
      const key = parts.slice(0, n).join('.');
      add(issue(file, key, 'must be an object', valueAt(instance, key)));
      continue;
    }
    const key = SETTING_KEYS.find((k) => line.startsWith(`${k}: `));
    if (key === undefined) {
      add(issue(file, '', line));
      continue;
    }
    const value = valueAt(instance, key);
    if (key === 'alerts.webhooks') {
      for (const p of webhookProblems(value))
        add(issue(file, p.key === '' ? key : `${key}.${p.key}`, p.message, p.value));
      continue;
    }
    add(issue(file, key, line.slice(key.length + 2).replace(/: value was [\s\S]*$/, ''), value));
  }
  return out;
}
