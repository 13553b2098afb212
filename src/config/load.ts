import fs from 'node:fs';
import path from 'node:path';
import type { BinaryResult } from './binary.js';
import { instanceCount } from './checks.js';
import { composeInstance, nodeFileIssues, templateIssues } from './compose.js';
import { conflictIssues } from './conflicts.js';
import { resolveDependsOn } from './depends.js';
import { deepFreeze } from './freeze.js';
import { ignoredNodeFiles } from './ignored.js';
import { ConfigError, issue } from './issues.js';
import { readJsonFile } from './json-file.js';
import { loadManagerConfig } from './manager.js';
import { isPlainObject } from './merge.js';
import { locate } from './origin.js';
import { resolveNode, type LoadContext, type NodeSource } from './resolve-node.js';
import { targetsOfFile } from './targets.js';
import type { ConfigIssue, LoadedConfig, NodeSpec, SecretSource, TargetSpec } from './types.js';

export { ConfigError } from './issues.js';

/** How the caller shapes a load: where secrets come from, which profile each node runs, whose env. */
export interface LoadOptions {
  readonly secrets: SecretSource;
  /** The active profile of a node (e.g. `fallback` during a group fallback), or null for none. */
  readonly profileFor?: (node: string) => string | null;
  /** The manager's environment: `{{env.X}}` and the PATH lookup of binaries. Default process.env. */
  readonly env?: NodeJS.ProcessEnv;
}

/** Node names (DESIGN §1), compared case-insensitively. */
export const NODE_NAME = /^[a-z0-9][a-z0-9_.-]{0,62}$/i;

/**
 * Node names the manager's own files take: a node's log is `<logDir>/<name>.log`,
 * and the manager writes `<logDir>/nodewarden.log` (rotated to `nodewarden.log.1`
 * …, as node logs are); older nodewarden versions rotated it to
 * `nodewarden1.log`, `nodewarden2.log` …, which may still lie in logDir. (Its
 * stateDir files, nodewarden.db, .sock, .lock, fifo/ and outbox/, never meet a
 * node's `<name>.log`.) Compared case-insensitively, like every node name.
 */
export const RESERVED_NODE_NAME = /^nodewarden\d*$/i;

function readObject(file: string, issues: ConfigIssue[], missingOk: boolean): Record<string, unknown> | null {
  const r = readJsonFile(file);
  if (!r.ok) {
    if (r.missing && missingOk) return {};
    issues.push(r.issue);
    return null;
  }
  if (!isPlainObject(r.value)) {
    issues.push(issue(file, '', 'must be a JSON object', r.value));
    return null;
  }
  return r.value;
}

function nodeFiles(dir: string, issues: ConfigIssue[]): string[] {
  let names: string[];
  try {
    names = fs.readdirSync(dir);
  } catch (err) {
    if ((err as NodeJS.ErrnoException).code !== 'ENOENT')
      issues.push(issue(dir, '', `cannot read directory: ${(err as NodeJS.ErrnoException).code}`));
    return [];
  }
  const bases = names.filter((n) => n.endsWith('.json') && !n.startsWith('.')).map((n) => n.slice(0, -5));
  return bases.sort((a, b) => (a < b ? -1 : a > b ? 1 : 0)).map((b) => path.join(dir, `${b}.json`));
}

function dedupe(issues: ConfigIssue[]): ConfigIssue[] {
  const seen = new Set<string>();
  return issues.filter((i) => {
    const id = JSON.stringify([i.file, i.key, i.message, i.value]);
    return seen.has(id) ? false : (seen.add(id), true);
  });
}

/**
 * Loads a config directory: nodewarden.json, template.json and nodes/*.json,
 * merged, expanded into instances, interpolated, validated and deep-frozen.
 * Every problem in every file is gathered into one ConfigError; a bad config
 * yields nothing, so a reload can keep the old one running.
 */
export function loadConfig(configDir: string, opts: LoadOptions): LoadedConfig {
  const dir = path.resolve(configDir);
  const issues: ConfigIssue[] = [];
  if (!fs.existsSync(dir)) throw new ConfigError(dir, [issue(dir, '', 'config directory does not exist')]);
  const { manager, issues: managerIssues } = loadManagerConfig(dir);
  issues.push(...managerIssues);

  const env: Record<string, string> = {};
  for (const [k, v] of Object.entries(opts.env ?? process.env)) if (typeof v === 'string') env[k] = v;
  const lc: LoadContext = {
    configDir: dir,
    templatesDir: manager.templatesDir,
    env,
    secrets: opts.secrets,
    binaries: new Map<string, BinaryResult>(),
    templateFiles: new Map<string, string | Error>(),
  };
  const templateFile = path.join(dir, 'template.json');
  const templateRaw = readObject(templateFile, issues, true);
  if (templateRaw !== null) issues.push(...templateIssues(templateFile, templateRaw));

  const resolved: { spec: NodeSpec | null; src: NodeSource; dataDir: string | null; generated: boolean }[] =
    [];
  for (const file of nodeFiles(path.join(dir, 'nodes'), issues)) {
    const nodeRaw = readObject(file, issues, false);
    // With a broken template every node would repeat its fallout; its own issue says enough.
    if (nodeRaw === null || templateRaw === null) continue;
    const layers = { template: { file: templateFile, raw: templateRaw }, node: { file, raw: nodeRaw } };
    const fileMerged = composeInstance(layers.template, layers.node, null).config;
    const base = path.basename(file, '.json');
    const n = fileMerged.instances;
    const generated = 'instances' in fileMerged;
    const valid = instanceCount(n) === null;
    issues.push(...nodeFileIssues(file, nodeRaw, generated, valid ? (n as number) : null));
    // An invalid count (0, "3", over the bound) is reported by the node schema; one instance
    // is resolved so that report, and any other problem of the file, is made once.
    const count = valid ? (n as number) : 1;
    for (let index = 1; index <= count; index++) {
      const name = generated ? `${base}-${index}` : base;
      const profile = opts.profileFor?.(name) ?? null;
      const { config: merged, argOrigins } = composeInstance(
        layers.template,
        layers.node,
        generated ? index : null,
      );
      const src: NodeSource = {
        name,
        index,
        file,
        templateFile,
        templateRaw,
        nodeRaw,
        merged,
        argOrigins,
        profile,
      };
      const r = resolveNode(src, lc);
      issues.push(...r.issues);
      resolved.push({ spec: r.spec, src, dataDir: r.dataDir, generated });
    }
  }

  const byName = new Map<string, NodeSource>();
  const byDataDir = new Map<string, NodeSource>();
  for (const { src, dataDir, generated } of resolved) {
    const key = generated ? 'instances' : '';
    const rel = (f: string): string => path.relative(dir, f);
    if (!NODE_NAME.test(src.name)) {
      issues.push(
        issue(
          src.file,
          key,
          `invalid node name "${src.name}": must match ${NODE_NAME.source} (case-insensitive)`,
        ),
      );
    }
    if (RESERVED_NODE_NAME.test(src.name)) {
      issues.push(
        issue(
          src.file,
          key,
          `node name "${src.name}" is reserved: nodewarden keeps its own log as nodewarden.log ` +
            `in logDir (older versions rotated it to nodewarden1.log …), where this node's log would go; rename the node`,
        ),
      );
    }
    const first = byName.get(src.name.toLowerCase());
    if (first)
      issues.push(issue(src.file, key, `node name "${src.name}" is also produced by ${rel(first.file)}`));
    else byName.set(src.name.toLowerCase(), src);
    // Same name usually means same dataDir too; one issue is enough.
    if (dataDir !== null && !first) {
      const owner = byDataDir.get(dataDir);
      const at = locate(src, 'dataDir');
      if (owner)
        issues.push(
          issue(at.file, at.key, `is also the dataDir of node "${owner.name}" (${rel(owner.file)})`, dataDir),
        );
      else byDataDir.set(dataDir, src);
    }
  }
  issues.push(...conflictIssues(resolved, dir));
  const depends = resolveDependsOn(resolved);
  issues.push(...depends.issues);
  depends.specs.forEach((spec, i) => (resolved[i]!.spec = spec));

  const targets = loadTargets(dir, lc, byName, issues);

  if (issues.length > 0) throw new ConfigError(dir, dedupe(issues));
  const warnings = ignoredNodeFiles(path.join(dir, 'nodes'));
  return deepFreeze({ manager, nodes: resolved.map((r) => r.spec!), targets, warnings });
}

/**
 * `targets/*.json`, found as node files are: each file's targets, names
 * checked as node names are, and none may share its name with a node or
 * another target (the issue names both files).
 */
function loadTargets(
  dir: string,
  lc: LoadContext,
  nodesByName: ReadonlyMap<string, NodeSource>,
  issues: ConfigIssue[],
): TargetSpec[] {
  const out: TargetSpec[] = [];
  const byName = new Map<string, string>();
  const rel = (f: string): string => path.relative(dir, f);
  for (const file of nodeFiles(path.join(dir, 'targets'), issues)) {
    const raw = readObject(file, issues, false);
    if (raw === null) continue;
    const r = targetsOfFile(file, raw, lc);
    issues.push(...r.issues);
    const key = Object.hasOwn(raw, 'instances') ? 'instances' : '';
    for (const t of r.specs) {
      if (!NODE_NAME.test(t.name) || RESERVED_NODE_NAME.test(t.name)) {
        issues.push(
          issue(
            file,
            key,
            `invalid target name "${t.name}": must match ${NODE_NAME.source} and not be nodewarden`,
          ),
        );
        continue;
      }
      const node = nodesByName.get(t.name.toLowerCase());
      if (node) {
        issues.push(issue(file, key, `target name "${t.name}" is also a node of ${rel(node.file)}`));
        continue;
      }
      const other = byName.get(t.name.toLowerCase());
      if (other !== undefined) {
        issues.push(issue(file, key, `target name "${t.name}" is also produced by ${rel(other)}`));
        continue;
      }
      byName.set(t.name.toLowerCase(), file);
      out.push(t);
    }
  }
  return out;
}
