/**
 * Checking and writing an import: nothing is written unless every new file
 * is new and the config dir with them loads as `config check` loads it; then
 * every file is created (never replaced).
 */
import fs from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { ConfigError, loadConfig } from '../config/load.js';
import { MaskedSecrets } from '../config/secrets.js';
import { NodewardenError } from '../errors.js';
import type { Json } from './model.js';

/** One file an import creates. */
export interface PlannedFile {
  /** Absolute path. */
  readonly path: string;
  readonly text: string;
}

/** The JSON text of a written file. */
export function fileText(body: Json): string {
  return JSON.stringify(body, null, 2) + '\n';
}

/** Refuses files that exist already, naming each. */
export function refuseExisting(configDir: string, files: readonly PlannedFile[]): void {
  const taken = files.filter((f) => fs.existsSync(f.path));
  if (taken.length === 0) return;
  const list = taken.map((f) => `  ${path.relative(configDir, f.path)}: exists already (not overwritten)`);
  throw new NodewardenError(
    'E_BAD_REQUEST',
    `import: nothing written; ${taken.length} file(s) would be replaced:\n${list.join('\n')}`,
    { hint: 'move or rename those node files (or the programs) and import again' },
  );
}

/**
 * A scratch copy of the config dir next to it (so relative paths resolve the
 * same): links to everything but nodes/ and the planned files, which are
 * written into it. Returns its path; the caller removes it.
 */
function overlay(configDir: string, files: readonly PlannedFile[]): string {
  let dir: string;
  try {
    dir = fs.mkdtempSync(path.join(path.dirname(configDir), '.nodewarden-import-'));
  } catch {
    dir = fs.mkdtempSync(path.join(os.tmpdir(), 'nodewarden-import-'));
  }
  const planned = new Set(files.map((f) => path.relative(configDir, f.path)));
  for (const entry of fs.readdirSync(configDir)) {
    if (entry === 'nodes' || planned.has(entry)) continue;
    fs.symlinkSync(path.join(configDir, entry), path.join(dir, entry));
  }
  fs.mkdirSync(path.join(dir, 'nodes'));
  const nodesDir = path.join(configDir, 'nodes');
  if (fs.existsSync(nodesDir))
    for (const entry of fs.readdirSync(nodesDir)) {
      // A planned file is written into the scratch copy, never through a link to the real one.
      if (planned.has(path.join('nodes', entry))) continue;
      fs.symlinkSync(path.join(nodesDir, entry), path.join(dir, 'nodes', entry));
    }
  for (const f of files) fs.writeFileSync(path.join(dir, path.relative(configDir, f.path)), f.text);
  return dir;
}

/** Loads the config dir as it would be with `files` added; a ConfigError names the real paths. */
export function checkWith(configDir: string, files: readonly PlannedFile[]): void {
  const dir = overlay(configDir, files);
  try {
    loadConfig(dir, { secrets: new MaskedSecrets() });
  } catch (err) {
    if (!(err instanceof ConfigError)) throw err;
    const real = (f: string | null): string | null => (f === null ? null : f.replace(dir, configDir));
    const issues = err.issues.map((i) => ({ ...i, file: real(i.file) }));
    throw new ConfigError(
      configDir,
      issues,
      'nothing was written: fix the definitions (or the existing config) and import again',
    );
  } finally {
    fs.rmSync(dir, { recursive: true, force: true });
  }
}

/** Creates every file (exclusively); on a failure removes the ones created and rethrows. */
export function writeAll(configDir: string, files: readonly PlannedFile[]): void {
  fs.mkdirSync(path.join(configDir, 'nodes'), { recursive: true });
  const done: string[] = [];
  try {
    for (const f of files) {
      fs.writeFileSync(f.path, f.text, { flag: 'wx' });
      done.push(f.path);
    }
  } catch (err) {
    for (const p of done) fs.rmSync(p, { force: true });
    throw err;
  }
}
