import fs from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import assert from 'node:assert/strict';
import { after } from 'node:test';
import { ConfigError, loadConfig, type LoadOptions } from '../../../src/config/load.js';
import { MemorySecrets } from '../../../src/config/secrets.js';

/**
 * Config directories for the config tests, written into a fresh temp dir.
 * `files` maps a path relative to the config dir to its content: strings are
 * written as they are (for malformed JSON), anything else as JSON.
 */
export function makeConfigDir(files: Record<string, unknown>): string {
  const dir = fs.mkdtempSync(path.join(os.tmpdir(), 'nw-'));
  writeFiles(dir, files);
  return dir;
}

export function writeFiles(dir: string, files: Record<string, unknown>): void {
  for (const [rel, content] of Object.entries(files)) {
    const file = path.join(dir, rel);
    fs.mkdirSync(path.dirname(file), { recursive: true });
    fs.writeFileSync(file, typeof content === 'string' ? content : JSON.stringify(content, null, 2));
  }
}

/** Writes an executable shell script at `<dir>/<rel>` and returns its absolute path. */
export function makeExecutable(dir: string, rel = 'bin/fake-node', mode = 0o755): string {
  const file = path.join(dir, rel);
  fs.mkdirSync(path.dirname(file), { recursive: true });
  fs.writeFileSync(file, '#!/bin/sh\nexit 0\n');
  fs.chmodSync(file, mode);
  return file;
}

export function removeDir(dir: string): void {
  fs.rmSync(dir, { recursive: true, force: true });
}

/** A minimal valid template: every node runs the fake binary in `data/<name>`. */
export const BASE_TEMPLATE = { binary: './bin/fake-node', dataDir: 'data/{{name}}' };

/**
 * For one test file: a maker of config dirs holding the base template, the
 * fake binary and `files`, every one removed after the file's tests.
 */
export function configDirMaker(): (files: Record<string, unknown>) => string {
  const dirs: string[] = [];
  after(() => dirs.forEach(removeDir));
  return (files) => {
    const dir = makeConfigDir({ 'template.json': BASE_TEMPLATE, ...files });
    makeExecutable(dir);
    dirs.push(dir);
    return dir;
  };
}

/** Loads `dir` expecting a ConfigError and returns its issues with files made relative. */
export function expectIssues(
  dir: string,
  opts: Partial<LoadOptions> = {},
): { file: string | null; key: string; message: string; value?: unknown }[] {
  try {
    loadConfig(dir, { secrets: new MemorySecrets(), ...opts });
  } catch (err) {
    if (!(err instanceof ConfigError)) throw err;
    assert.equal(err.code, 'E_CONFIG_INVALID');
    return err.issues.map((i) => ({ ...i, file: i.file === null ? null : path.relative(dir, i.file) }));
  }
  assert.fail('expected a ConfigError');
}

/** Asserts that one issue has this file and key, and that its message matches. */
export function assertIssue(
  issues: ReturnType<typeof expectIssues>,
  file: string,
  key: string,
  message: RegExp,
): { file: string | null; key: string; message: string; value?: unknown } {
  const found = issues.find((i) => i.file === file && i.key === key && message.test(i.message));
  assert.ok(found, `no issue ${file}: ${key}: ${String(message)} among:\n${JSON.stringify(issues, null, 1)}`);
  return found;
}
