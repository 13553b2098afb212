import type { NodeSpec, TargetSpec } from '../config/types.js';
import type { TargetReloadPlan } from '../protocol/types.js';

/** A node whose settings change in a reload, and which keys (dot paths) differ. */
export interface NodeChange {
  readonly name: string;
  readonly keys: string[];
}

/**
 * What a reload does to each node, computed from the running specs and the
 * new ones. Both `reload` and `reload --dry-run` use it, so the preview is the
 * reload's own decision: `changed` nodes restart (their run hash differs),
 * `live` nodes keep their process and take the new settings, `unchanged`
 * nodes differ in nothing.
 */
export interface ReloadPlan {
  readonly added: string[];
  readonly removed: string[];
  readonly changed: NodeChange[];
  readonly live: NodeChange[];
  readonly unchanged: string[];
}

/** Fields that are bookkeeping, not settings: never reported as a change. */
const SKIP = new Set(['name', 'index', 'file', 'runHash', 'profile', 'profileNames']);

export function planReload(current: ReadonlyMap<string, NodeSpec>, next: readonly NodeSpec[]): ReloadPlan {
  const plan: ReloadPlan = { added: [], removed: [], changed: [], live: [], unchanged: [] };
  const nextNames = new Set(next.map((s) => s.name));
  for (const name of current.keys()) if (!nextNames.has(name)) plan.removed.push(name);
  for (const spec of next) {
    const old = current.get(spec.name);
    if (!old) {
      plan.added.push(spec.name);
      continue;
    }
    const keys = changedKeys(old, spec);
    if (old.runHash !== spec.runHash) plan.changed.push({ name: spec.name, keys });
    else if (keys.length > 0) plan.live.push({ name: spec.name, keys });
    else plan.unchanged.push(spec.name);
  }
  return plan;
}

/**
 * What a reload does to the watch-only targets: the target watcher follows the
 * new config, watching `added` ones, forgetting `removed` ones and probing
 * `changed` ones with their new settings (nothing restarts; there is no
 * process).
 */
export function planTargetReload(
  current: readonly TargetSpec[],
  next: readonly TargetSpec[],
): TargetReloadPlan {
  const plan: TargetReloadPlan = { added: [], removed: [], changed: [], unchanged: [], keys: {} };
  const old = new Map(current.map((t) => [t.name, t]));
  const nextNames = new Set(next.map((t) => t.name));
  for (const t of current) if (!nextNames.has(t.name)) plan.removed.push(t.name);
  for (const t of next) {
    const before = old.get(t.name);
    if (!before) {
      plan.added.push(t.name);
      continue;
    }
    const keys: string[] = [];
    diffInto(before, t, '', keys);
    if (keys.length === 0) plan.unchanged.push(t.name);
    else {
      plan.changed.push(t.name);
      plan.keys[t.name] = keys.sort();
    }
  }
  return plan;
}

/**
 * The keys in which two specs of one node differ, as dot paths in the
 * config's own spelling (`args`, `env.FOO`, `stop.graceMs`,
 * `profiles.fallback.args`). Arrays count as one key. Only names, never
 * values, so nothing secret can show.
 */
export function changedKeys(a: NodeSpec, b: NodeSpec): string[] {
  const out: string[] = [];
  diffInto(a, b, '', out);
  return out.sort();
}

function diffInto(a: unknown, b: unknown, prefix: string, out: string[]): void {
  if (isPlainObject(a) && isPlainObject(b)) {
    const keys = new Set([...Object.keys(a), ...Object.keys(b)]);
    for (const k of keys) {
      if (SKIP.has(k)) continue;
      const name = prefix === '' && k === 'profileSpecs' ? 'profiles' : k;
      diffInto(a[k], b[k], prefix === '' ? name : `${prefix}.${name}`, out);
    }
    return;
  }
  if (JSON.stringify(a) !== JSON.stringify(b)) out.push(prefix);
}

function isPlainObject(v: unknown): v is Record<string, unknown> {
  return typeof v === 'object' && v !== null && !Array.isArray(v);
}
