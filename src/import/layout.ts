/**
 * From drafts to files: one node file per program (its instances in one file,
 * what differs per instance under `overrides`), and, when the config dir has
 * no template.json yet, a template.json holding what all imported node files
 * share. Also decides each node's dataDir.
 */
import { isPlainObject } from '../config/merge.js';
import { badInput, type Draft, type Json, type Note } from './model.js';

/** The dataDir of imported nodes whose working directory is not theirs alone (relative to the config dir). */
export const DEFAULT_DATA_DIR = 'data/{{name}}';

/** The order keys are written in. */
const KEY_ORDER = [
  'binary',
  'args',
  'env',
  'cwd',
  'dataDir',
  'user',
  'group',
  'autostart',
  'instances',
  'restart',
  'stop',
  'limits',
  'logs',
  'hooks',
  'overrides',
];

export interface NodeFile {
  readonly name: string;
  readonly body: Json;
  /** The node names the file yields. */
  readonly nodes: string[];
  readonly draft: Draft;
}

export interface Layout {
  /** template.json to write, or null. */
  readonly template: Json | null;
  readonly files: NodeFile[];
  readonly notes: Note[];
}

function stable(v: unknown): string {
  if (Array.isArray(v)) return `[${v.map(stable).join(',')}]`;
  if (isPlainObject(v))
    return `{${Object.keys(v)
      .sort()
      .map((k) => `${JSON.stringify(k)}:${stable(v[k])}`)
      .join(',')}}`;
  return JSON.stringify(v);
}

/** What every object has, equal: objects in all of them are intersected key by key. */
export function common(objs: readonly Json[]): Json {
  const out: Json = {};
  const [first, ...rest] = objs;
  if (first === undefined) return out;
  for (const [k, v] of Object.entries(first)) {
    if (!rest.every((o) => Object.hasOwn(o, k))) continue;
    const all = [v, ...rest.map((o) => o[k])];
    if (all.every(isPlainObject)) {
      const sub = common(all as Json[]);
      if (Object.keys(sub).length > 0) out[k] = sub;
    } else if (all.every((x) => stable(x) === stable(v))) out[k] = v;
  }
  return out;
}

/**
 * Like `common`, but a value most of the objects share (two or more) is kept
 * too: the instances that differ get their own value back as an override.
 */
export function mostly(objs: readonly Json[]): Json {
  const out: Json = {};
  const [first, ...rest] = objs;
  if (first === undefined) return out;
  for (const k of Object.keys(first)) {
    if (!rest.every((o) => Object.hasOwn(o, k))) continue;
    const all = objs.map((o) => o[k]);
    if (all.every(isPlainObject)) {
      const sub = mostly(all as Json[]);
      if (Object.keys(sub).length > 0) out[k] = sub;
      continue;
    }
    const counts = new Map<string, { n: number; v: unknown }>();
    for (const v of all) {
      const id = stable(v);
      counts.set(id, { n: (counts.get(id)?.n ?? 0) + 1, v });
    }
    const top = [...counts.values()].sort((a, b) => b.n - a.n)[0]!;
    if (top.n === objs.length || top.n >= 2) out[k] = top.v;
  }
  return out;
}

/** `obj` without what `base` already gives it (equal values; objects key by key). */
export function subtract(obj: Json, base: Json): Json {
  const out: Json = {};
  for (const [k, v] of Object.entries(obj)) {
    if (!Object.hasOwn(base, k)) out[k] = v;
    else if (isPlainObject(v) && isPlainObject(base[k])) {
      const sub = subtract(v, base[k]);
      if (Object.keys(sub).length > 0) out[k] = sub;
    } else if (stable(v) !== stable(base[k])) out[k] = v;
  }
  return out;
}

function ordered(obj: Json): Json {
  const keys = Object.keys(obj).sort((a, b) => rank(a) - rank(b));
  return Object.fromEntries(keys.map((k) => [k, obj[k]]));
}

function rank(k: string): number {
  const i = KEY_ORDER.indexOf(k);
  return i < 0 ? KEY_ORDER.length : i;
}

/**
 * A node's working directory becomes its dataDir when no other imported node
 * shares it (an instance's directory must name its index); otherwise it
 * stays `cwd` and dataDir is `DEFAULT_DATA_DIR`, unless the existing
 * template.json already gives one.
 */
function placeDataDirs(drafts: readonly Draft[], templateHasDataDir: boolean): void {
  const count = new Map<string, number>();
  for (const d of drafts) {
    const cwd = d.configs[0]?.cwd;
    if (typeof cwd === 'string') count.set(cwd, (count.get(cwd) ?? 0) + 1);
  }
  for (const d of drafts) {
    for (const c of d.configs) {
      const cwd = c.cwd;
      const own =
        typeof cwd === 'string' &&
        cwd !== '/' &&
        (d.instanced ? /\{\{[^}]*index/.test(cwd) : count.get(cwd) === 1 && !cwd.includes('{{'));
      if (own) {
        c.dataDir = cwd;
        delete c.cwd;
      } else if (!templateHasDataDir) c.dataDir = DEFAULT_DATA_DIR;
    }
  }
}

/** Lays drafts out as files; `existingTemplate` is the config dir's template.json, if there is one. */
export function layout(drafts: readonly Draft[], existingTemplate: Json | null): Layout {
  const notes: Note[] = [];
  const byName = new Map<string, Draft>();
  for (const d of drafts) {
    const other = byName.get(d.name);
    if (other)
      throw badInput(
        d.file,
        d.line,
        `node file name "${d.name}" is also taken by ${other.file}:${other.line}; import them separately`,
      );
    byName.set(d.name, d);
  }
  placeDataDirs(drafts, existingTemplate !== null && Object.hasOwn(existingTemplate, 'dataDir'));
  let files: NodeFile[] = drafts.map((d) => {
    const base = mostly(d.configs);
    const body: Json = { ...base };
    const overrides: Json = {};
    d.configs.forEach((c, i) => {
      const own = subtract(c, base);
      if (Object.keys(own).length > 0) overrides[String(i + 1)] = ordered(own);
    });
    if (d.instanced) body.instances = d.configs.length;
    if (Object.keys(overrides).length > 0) body.overrides = overrides;
    const nodes = d.instanced ? d.configs.map((_, i) => `${d.name}-${i + 1}`) : [d.name];
    return { name: d.name, body: ordered(body), nodes, draft: d };
  });

  let template: Json | null = null;
  if (existingTemplate === null && files.length >= 2) {
    const shared = common(files.map(({ body: { instances: _i, overrides: _o, ...rest } }) => rest));
    if (Object.keys(shared).length > 0) {
      template = ordered(shared);
      files = files.map((f) => ({ ...f, body: ordered(subtract(f.body, shared)) }));
    }
  }
  if (existingTemplate !== null) {
    const inherited = Object.keys(existingTemplate).filter(
      (k) => k !== '$schema' && files.some((f) => !Object.hasOwn(f.body, k)),
    );
    if (inherited.length > 0)
      notes.push({
        kind: 'warning',
        file: 'template.json',
        line: 1,
        message: `template.json exists and is kept: the imported nodes also get its ${inherited.join(', ')} (review them)`,
      });
  }
  return { template, files, notes };
}
