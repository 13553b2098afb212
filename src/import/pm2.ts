/**
 * `nodewarden import pm2`: the `apps` of a PM2 ecosystem file, JSON or
 * JavaScript. A `.js`/`.cjs`/`.mjs` ecosystem is code: it is loaded with
 * import() in a child node process (with a time limit) that prints the
 * exported object as JSON, as PM2 itself would run it.
 */
import { execFileSync } from 'node:child_process';
import fs from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { literal, needsShell, splitShlex, SplitError } from './argv.js';
import {
  badInput,
  nodeName,
  Notes,
  readInput,
  setIn,
  type Draft,
  type Imported,
  type Json,
} from './model.js';

const LOAD_TIMEOUT_MS = 10_000;

const LOADER = `
const { pathToFileURL } = require('node:url');
import(pathToFileURL(process.argv[1]).href).then(
  (m) => process.stdout.write(JSON.stringify(m.default ?? m)),
  (e) => { process.stderr.write(String((e && e.message) || e)); process.exit(1); },
);`;

/** The exported ecosystem of a JavaScript file (run in a child process). */
function loadJs(file: string): unknown {
  try {
    const out = execFileSync(process.execPath, ['-e', LOADER, file], {
      cwd: path.dirname(file),
      encoding: 'utf8',
      timeout: LOAD_TIMEOUT_MS,
      stdio: ['ignore', 'pipe', 'pipe'],
    });
    return JSON.parse(out) as unknown;
  } catch (err) {
    const e = err as { stderr?: string; signal?: string; message: string };
    const why = e.signal
      ? `did not finish within ${LOAD_TIMEOUT_MS / 1000} s`
      : (e.stderr || e.message).trim();
    throw badInput(file, null, `cannot load the ecosystem: ${why.split('\n')[0]}`);
  }
}

/** The interpreter PM2 picks from a script's extension when none is given. */
const BY_EXTENSION: Readonly<Record<string, string>> = {
  '.js': 'node',
  '.cjs': 'node',
  '.mjs': 'node',
  '.py': 'python',
  '.sh': 'bash',
  '.rb': 'ruby',
  '.pl': 'perl',
  '.php': 'php',
};

/** Keys read below; every other key of an app is listed as not mapped. */
const MAPPED = new Set([
  'name',
  'script',
  'args',
  'interpreter',
  'interpreter_args',
  'node_args',
  'cwd',
  'env',
  'instances',
  'exec_mode',
  'max_memory_restart',
  'kill_timeout',
  'autorestart',
  'max_restarts',
  'min_uptime',
  'restart_delay',
  'exp_backoff_restart_delay',
  'user',
  'uid',
  'gid',
  'merge_logs',
  'combine_logs',
  'instance_var',
]);

/** `150M`, `1G`, `512K` or bytes → whole megabytes (rounded up). */
export function memoryMb(v: unknown): number | null {
  const m = /^(\d+(?:\.\d+)?)\s*([KMG]?)B?$/i.exec(String(v).trim());
  if (!m) return null;
  const bytes = Number(m[1]) * ({ K: 1024, M: 1024 ** 2, G: 1024 ** 3 }[m[2]!.toUpperCase()] ?? 1);
  return Math.max(1, Math.ceil(bytes / 1024 ** 2));
}

/** PM2 durations: milliseconds, or a string such as `2s`, `1m`, `500ms`. */
function durationMs(v: unknown): number | null {
  if (typeof v === 'number') return Number.isFinite(v) && v > 0 ? Math.round(v) : null;
  const m = /^(\d+(?:\.\d+)?)\s*(ms|s|m|h)?$/.exec(String(v).trim());
  if (!m) return null;
  return Math.round(Number(m[1]) * { ms: 1, s: 1000, m: 60_000, h: 3_600_000 }[m[2] ?? 'ms']!);
}

/** The first line at or after `from` that matches, for notes on a JS or JSON file. */
function lineOf(lines: readonly string[], re: RegExp, from: number): number {
  for (let i = Math.max(0, from - 1); i < lines.length; i++) if (re.test(lines[i]!)) return i + 1;
  return from;
}

function escapeRe(s: string): string {
  return s.replace(/[.*+?^${}()|[\]\\]/g, '\\$&');
}

function argList(v: unknown, what: string, file: string, line: number, notes: Notes): string[] | null {
  if (v === undefined) return [];
  if (Array.isArray(v)) return v.map((x) => literal(String(x)));
  if (typeof v !== 'string') throw badInput(file, line, `${what} must be a string or an array`);
  const shell = needsShell(v);
  if (shell !== null) {
    notes.warn(file, line, `${what} need a shell (${shell}): the command is imported as /bin/sh -c "…"`);
    return null;
  }
  try {
    return splitShlex(v).map(literal);
  } catch (err) {
    if (err instanceof SplitError) throw badInput(file, line, `${what}: ${err.message}`);
    throw err;
  }
}

function quote(s: string): string {
  return /^[A-Za-z0-9_./:=@%+-]+$/.test(s) ? s : `'${s.replace(/'/g, `'\\''`)}'`;
}

function mapApp(
  app: Json,
  file: string,
  lines: readonly string[],
  envName: string | undefined,
  notes: Notes,
): Draft {
  const script = app.script;
  const rawName = typeof app.name === 'string' && app.name !== '' ? app.name : undefined;
  const line = rawName
    ? lineOf(lines, new RegExp(`name['"]?\\s*:\\s*['"\`]${escapeRe(rawName)}['"\`]`), 1)
    : lineOf(lines, /script['"]?\s*:/, 1);
  const at = (key: string): number => lineOf(lines, new RegExp(`\\b${key}['"]?\\s*:`), line);
  if (typeof script !== 'string' || script === '') throw badInput(file, line, 'app has no script');
  const name = rawName ?? path.basename(script, path.extname(script));
  const cfg: Json = {};

  const base = path.dirname(file);
  const cwd = typeof app.cwd === 'string' ? path.resolve(base, app.cwd) : undefined;
  let scriptPath = script;
  if (script.includes('/') || fs.existsSync(path.resolve(cwd ?? base, script)))
    scriptPath = path.resolve(cwd ?? base, script);
  const interp =
    typeof app.interpreter === 'string' && app.interpreter !== ''
      ? app.interpreter
      : (BY_EXTENSION[path.extname(script)] ?? 'none');
  const interpArgs = argList(
    app.interpreter_args ?? app.node_args,
    'interpreter_args',
    file,
    at('interpreter_args'),
    notes,
  );
  const args = argList(app.args, 'args', file, at('args'), notes);
  const argv =
    interp === 'none'
      ? [literal(scriptPath), ...(args ?? [])]
      : [interp, ...(interpArgs ?? []), literal(scriptPath), ...(args ?? [])];
  if (args === null || interpArgs === null) {
    const text = (v: unknown): string =>
      Array.isArray(v) ? v.map((x) => quote(String(x))).join(' ') : String(v ?? '');
    const parts = [
      interp === 'none' ? '' : interp,
      text(app.interpreter_args ?? app.node_args),
      quote(scriptPath),
      text(app.args),
    ];
    cfg.binary = '/bin/sh';
    cfg.args = ['-c', literal(parts.filter((p) => p !== '').join(' '))];
  } else {
    cfg.binary = argv[0];
    cfg.args = argv.slice(1);
  }

  const env: Record<string, string> = {};
  const addEnv = (v: unknown, key: string): void => {
    if (v === undefined) return;
    if (typeof v !== 'object' || v === null || Array.isArray(v))
      throw badInput(file, at(key), `${key} must be an object`);
    for (const [k, x] of Object.entries(v)) env[k] = literal(typeof x === 'string' ? x : JSON.stringify(x));
  };
  addEnv(app.env, 'env');
  if (envName !== undefined) {
    if (app[`env_${envName}`] === undefined)
      notes.warn(file, line, `app ${name} has no env_${envName}: only env is used`);
    addEnv(app[`env_${envName}`], `env_${envName}`);
  }
  if (cwd !== undefined) cfg.cwd = cwd;

  let instances = 1;
  if (app.instances !== undefined) {
    const v = app.instances;
    const cores = os.availableParallelism();
    if (typeof v === 'number' && Number.isInteger(v) && v >= 1) instances = v;
    else if (v === 'max' || v === 0 || v === '0' || v === -1) {
      instances = Math.max(1, v === -1 ? cores - 1 : cores);
      notes.warn(
        file,
        at('instances'),
        `instances: ${JSON.stringify(v)} follows the CPU count: ${instances} on this host, written as a fixed number`,
      );
    } else if (typeof v === 'string' && /^\d+$/.test(v) && Number(v) >= 1) instances = Number(v);
    else
      notes.unmapped(file, at('instances'), `instances: ${JSON.stringify(v)} is not a number of instances`);
  }
  if (app.exec_mode === 'cluster' || app.exec_mode === 'cluster_mode')
    notes.warn(
      file,
      at('exec_mode'),
      'exec_mode "cluster": nodewarden runs each instance as its own process; instances cannot share one port (give each its own with {{index}})',
    );
  if (app.instances !== undefined) {
    // PM2 numbers its instances from 0 in NODE_APP_INSTANCE (or the instance_var name).
    const varName = typeof app.instance_var === 'string' ? app.instance_var : 'NODE_APP_INSTANCE';
    env[varName] = instances > 1 ? '{{add index -1}}' : '0';
  }
  if (Object.keys(env).length > 0) cfg.env = env;

  if (app.user !== undefined || app.uid !== undefined) cfg.user = app.uid ?? app.user;
  if (app.gid !== undefined) cfg.group = app.gid;
  if (app.autorestart === false) setIn(cfg, 'restart', 'policy', 'never');
  if (app.max_restarts !== undefined) {
    if (Number.isInteger(app.max_restarts) && (app.max_restarts as number) >= 0)
      setIn(cfg, 'restart', 'maxRetries', app.max_restarts);
    else
      notes.unmapped(
        file,
        at('max_restarts'),
        `max_restarts: ${JSON.stringify(app.max_restarts)} is not a count`,
      );
  }
  const msKeys: [string, string, string][] = [
    ['min_uptime', 'restart', 'startSeconds'],
    ['restart_delay', 'restart', 'backoffMs'],
    ['exp_backoff_restart_delay', 'restart', 'backoffMs'],
    ['kill_timeout', 'stop', 'graceMs'],
  ];
  for (const [key, group, target] of msKeys) {
    if (app[key] === undefined) continue;
    const ms = durationMs(app[key]);
    if (ms === null) notes.unmapped(file, at(key), `${key}: ${JSON.stringify(app[key])} is not a duration`);
    else setIn(cfg, group, target, target === 'startSeconds' ? ms / 1000 : ms);
  }
  if (app.max_memory_restart !== undefined) {
    const mb = memoryMb(app.max_memory_restart);
    if (mb === null)
      notes.unmapped(
        file,
        at('max_memory_restart'),
        `max_memory_restart: ${JSON.stringify(app.max_memory_restart)} is not a size`,
      );
    else setIn(cfg, 'limits', 'maxRssMb', mb);
  }
  for (const key of Object.keys(app)) {
    if (MAPPED.has(key) || (envName !== undefined && key === `env_${envName}`)) continue;
    if (key.startsWith('env_')) continue; // other environments: chosen with --env
    notes.unmapped(file, at(key), `${key}: ${JSON.stringify(app[key])}: no nodewarden setting`);
  }
  const configs = Array.from({ length: instances }, () => structuredClone(cfg));
  return { name: nodeName(name), file, line, configs, instanced: instances > 1 };
}

/** Imports the apps of PM2 ecosystem files; `envName` picks `env_<name>` on top of `env`. */
export function importPm2(files: readonly string[], opts: { env?: string }): Imported {
  const notes = new Notes();
  const drafts: Draft[] = [];
  for (const f of files) {
    const file = path.resolve(f);
    const text = readInput(file);
    let value: unknown;
    if (/\.(c|m)?js$/.test(file)) value = loadJs(file);
    else {
      try {
        value = JSON.parse(text) as unknown;
      } catch (err) {
        throw badInput(file, null, `not JSON: ${(err as Error).message}`);
      }
    }
    const apps = Array.isArray(value) ? value : (value as { apps?: unknown } | null)?.apps;
    if (!Array.isArray(apps) || apps.length === 0)
      throw badInput(file, null, 'no apps: expected { "apps": [ … ] }');
    const lines = text.split(/\r?\n/);
    for (const app of apps) {
      if (typeof app !== 'object' || app === null || Array.isArray(app))
        throw badInput(file, null, 'an app is not an object');
      drafts.push(mapApp(app as Json, file, lines, opts.env, notes));
    }
  }
  return { drafts, notes: notes.list };
}
