import path from 'node:path';
import { resolveBinary, type BinaryResult } from './binary.js';
import type { ArgOrigin } from './compose.js';
import { interpolateTree, renderString, TemplateError, type TemplateContext } from './interpolate.js';
import { issue } from './issues.js';
import { deepMerge, isPlainObject } from './merge.js';
import { renderNodeFiles, type FileEntry } from './node-files.js';
import { validateNode } from './node-validate.js';
import { locate } from './origin.js';
import { runHash } from './run-hash.js';
import type { Problem } from './shape.js';
import type { ConfigIssue, NodeSpec, ProbeSpec, SecretSource } from './types.js';

/**
 * Turns one node (one instance of one node file) into its NodeSpec: apply the
 * profile, interpolate (dataDir first), validate, resolve paths and the binary,
 * render files[] and hash what the process runs with. Problems become issues
 * attributed to the file that set the offending key.
 */

/** One node to resolve: its name, index and the layers its config is made of. */
export interface NodeSource {
  readonly name: string;
  readonly index: number;
  /** The node file (absolute). */
  readonly file: string;
  readonly templateFile: string;
  readonly templateRaw: Readonly<Record<string, unknown>>;
  readonly nodeRaw: Readonly<Record<string, unknown>>;
  /** template.json, the node file and its override for this index, composed (see compose.ts). */
  readonly merged: Readonly<Record<string, unknown>>;
  /** Where each entry of `merged.args` was written (null when args is not an array). */
  readonly argOrigins: readonly ArgOrigin[] | null;
  readonly profile: string | null;
}

/** What every node of one load shares. */
export interface LoadContext {
  readonly configDir: string;
  readonly templatesDir: string;
  readonly env: Readonly<Record<string, string>>;
  readonly secrets: SecretSource;
  readonly binaries: Map<string, BinaryResult>;
  readonly templateFiles: Map<string, string | Error>;
}

/** A node config as the schema returns it: defaults filled, paths and node-derived values not yet resolved. */
type ShapedNode = Omit<
  NodeSpec,
  | 'name'
  | 'index'
  | 'file'
  | 'binary'
  | 'cwd'
  | 'dataDir'
  | 'sync'
  | 'profileNames'
  | 'profile'
  | 'profileSpecs'
  | 'files'
  | 'runHash'
> & {
  readonly binary?: string;
  readonly cwd?: string;
  readonly dataDir?: string;
  readonly sync: Omit<NodeSpec['sync'], 'group'> & { readonly group?: string };
  readonly files: readonly FileEntry[];
  readonly instances: number;
  readonly profiles: Readonly<Record<string, unknown>>;
};

/** A node resolved with one profile (or none), before its other profiles are attached. */
type Variant = Omit<NodeSpec, 'profileSpecs'>;

/**
 * Resolves one node and every profile it defines (each into a full spec of its
 * own, so a fallback is validated now and never read from disk later); `spec`
 * is null when the node or any of its profiles has issues. `dataDir` is
 * returned for the duplicate check.
 */
export function resolveNode(
  src: NodeSource,
  lc: LoadContext,
): { spec: NodeSpec | null; issues: ConfigIssue[]; dataDir: string | null } {
  const main = resolveVariant(src, lc);
  const issues = [...main.issues];
  const seen = new Set(main.issues.map(issueId));
  const profiles = isPlainObject(src.merged.profiles) ? src.merged.profiles : {};
  const profileSpecs: Record<string, NodeSpec> = {};
  for (const name of Object.keys(profiles).sort()) {
    // Not an object: the schema already said so for the node.
    if (!isPlainObject(profiles[name])) continue;
    const v = name === src.profile ? main : resolveVariant({ ...src, profile: name }, lc);
    for (const i of v.issues) {
      if (seen.has(issueId(i))) continue; // the normal config has it too: said once, there
      const own = inProfile(i, src, name);
      if (seen.has(issueId(own))) continue;
      seen.add(issueId(own));
      issues.push(own);
    }
    if (v.spec) profileSpecs[name] = { ...v.spec, profileSpecs: {} };
  }
  if (main.spec === null || issues.length > 0) return { spec: null, issues, dataDir: main.dataDir };
  return { spec: { ...main.spec, profileSpecs }, issues, dataDir: main.dataDir };
}

function issueId(i: ConfigIssue): string {
  return JSON.stringify([i.file, i.key, i.message]);
}

/**
 * An issue found while resolving profile `name` (and not in the normal
 * config), as the user should read it: under `profiles.<name>.<key>` when that
 * profile sets the key; otherwise it arises only with the profile and says so.
 */
function inProfile(i: ConfigIssue, src: NodeSource, name: string): ConfigIssue {
  const top = i.key === '' ? null : i.key.split('.')[0]!;
  // The profile sets the key when it sets the key's top-level field: an issue under that field is its own.
  const setsKey = [src.templateRaw.profiles, src.nodeRaw.profiles].some((p) => {
    const layer = isPlainObject(p) ? p[name] : undefined;
    return top !== null && isPlainObject(layer) && Object.hasOwn(layer, top);
  });
  if (setsKey) return { ...i, key: `profiles.${name}${i.key === '' ? '' : `.${i.key}`}` };
  if (i.key.startsWith(`profiles.${name}`)) return i;
  return { ...i, message: `with profile "${name}": ${i.message}` };
}

/** Resolves one node with the profile `src.profile` (or none); `spec` is null when it has issues. */
function resolveVariant(
  src: NodeSource,
  lc: LoadContext,
): { spec: Variant | null; issues: ConfigIssue[]; dataDir: string | null } {
  const problems: Problem[] = [];
  const direct: ConfigIssue[] = [];
  const profiles = isPlainObject(src.merged.profiles) ? src.merged.profiles : {};
  let effective: Record<string, unknown> = src.merged as Record<string, unknown>;
  let argOrigins = src.argOrigins;
  if (src.profile !== null) {
    const over = profiles[src.profile];
    if (isPlainObject(over)) {
      effective = deepMerge(src.merged, over) as Record<string, unknown>;
      if (Object.hasOwn(over, 'args')) argOrigins = null; // the profile's own args: located by layer
    } else {
      const known = Object.keys(profiles).join(', ') || 'none';
      // The profile name comes from the manager (e.g. a fallback), not from a file: blame the node's file.
      direct.push(
        issue(
          src.file,
          `profiles.${src.profile}`,
          `profile "${src.profile}" is not defined (defined: ${known})`,
        ),
      );
    }
  }

  const base = { name: src.name, index: src.index, configDir: lc.configDir, env: lc.env };
  const { dataDir: rawDataDir, profiles: _profiles, ...rest } = effective;
  let dataDir: unknown = rawDataDir;
  if (typeof rawDataDir === 'string') {
    try {
      dataDir = renderString(rawDataDir, base, lc.secrets);
    } catch (err) {
      problems.push({
        key: 'dataDir',
        message: `template error: ${(err as TemplateError).message}`,
        value: rawDataDir,
      });
    }
  }
  const absDataDir =
    typeof dataDir === 'string' && dataDir !== '' ? path.resolve(lc.configDir, dataDir) : null;
  const ctx: TemplateContext = { ...base, dataDir: absDataDir ?? '' };
  const tree = interpolateTree(rest, ctx, lc.secrets);
  for (const p of tree.problems) problems.push({ key: p.key, message: p.message, value: p.source });
  const templated = tree.templated;
  if (typeof rawDataDir === 'string' && rawDataDir.includes('{{')) templated.set('dataDir', rawDataDir);

  const value = { ...(tree.value as Record<string, unknown>), profiles: effective.profiles };
  if (dataDir !== undefined) (value as Record<string, unknown>).dataDir = dataDir;
  const cfg = validateNode(value, templated, problems) as unknown as ShapedNode;

  let binary: string | null = null;
  if (typeof cfg.binary === 'string' && cfg.binary !== '') {
    const r = resolveBinary(cfg.binary, lc.configDir, lc.env.PATH, lc.binaries);
    if ('error' in r) problems.push({ key: 'binary', message: r.error, value: cfg.binary });
    else binary = r.path;
  }
  const cwd = typeof cfg.cwd === 'string' ? path.resolve(lc.configDir, cfg.cwd) : absDataDir;
  const sync = { group: cfg.sync.group ?? src.name, ...cfg.sync };
  const { files: _files, profiles: _p, instances: _i, ...viewed } = cfg;
  const nodeView = { ...viewed, binary, cwd, dataDir: absDataDir, sync, name: src.name, index: src.index };
  const rendered = renderNodeFiles(cfg.files, {
    configDir: lc.configDir,
    templatesDir: lc.templatesDir,
    ctx: { ...ctx, node: nodeView },
    secrets: lc.secrets,
    readCache: lc.templateFiles,
  });
  problems.push(...rendered.problems);

  const shown = (p: Problem): unknown => {
    // A rendered value may hold a secret: show the template it came from instead.
    const source = templated.get(p.key);
    return source !== undefined && source.includes('secret') ? source : p.value;
  };
  const where = (key: string): { file: string; key: string } => {
    // An entry of args may come from template.json, the node file's args or args+, or an override.
    const m = /^args\.(\d+)(.*)$/.exec(key);
    const from = m && argOrigins !== null ? argOrigins[Number(m[1])] : undefined;
    return from ? { file: from.file, key: `${from.key}${m![2]}` } : locate(src, key);
  };
  const issues = [
    ...direct,
    ...problems.map((p) => {
      const at = where(p.key);
      return issue(at.file, at.key, p.message, shown(p));
    }),
  ];
  if (issues.length > 0 || binary === null || absDataDir === null || cwd === null)
    return { spec: null, issues, dataDir: absDataDir };

  const fields: Omit<Variant, 'runHash'> = {
    name: src.name,
    index: src.index,
    file: src.file,
    binary,
    args: cfg.args,
    env: cfg.env,
    cwd,
    dataDir: absDataDir,
    user: cfg.user,
    group: cfg.group,
    autostart: cfg.autostart,
    priority: cfg.priority,
    shed: cfg.shed,
    dependsOn: cfg.dependsOn,
    restart: cfg.restart,
    stop: cfg.stop,
    hooks: cfg.hooks,
    limits: cfg.limits,
    logs: cfg.logs,
    probes: cookiePaths(cfg.probes, absDataDir),
    sync: { ...sync, reference: sync.reference.map((p) => cookiePath(p, absDataDir)) },
    profileNames: Object.keys(profiles).sort(),
    profile: src.profile,
    files: rendered.files,
  };
  const spec: Variant = { ...fields, runHash: runHash(fields) };
  return { spec, issues, dataDir: absDataDir };
}

/** A probe's `cookieFile` as an absolute path (a relative one is under the node's dataDir). */
function cookiePath(p: ProbeSpec, dataDir: string): ProbeSpec {
  return p.cookieFile === undefined ? p : { ...p, cookieFile: path.resolve(dataDir, p.cookieFile) };
}

function cookiePaths(
  probes: Readonly<Record<string, ProbeSpec>>,
  dataDir: string,
): Readonly<Record<string, ProbeSpec>> {
  return Object.fromEntries(Object.entries(probes).map(([k, p]) => [k, cookiePath(p, dataDir)]));
}
