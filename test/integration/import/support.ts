/**
 * What the import suites share: the real-world-shaped definitions under
 * test/fixtures/import/, copied into a temp root with their absolute paths
 * (/opt, /etc, /var, /srv) moved under it, the executables they name, and a
 * config dir to import into.
 */
import { after } from 'node:test';
import assert from 'node:assert/strict';
import fs from 'node:fs';
import path from 'node:path';
import { runCli, tmpDir } from '../../helpers/daemon.js';

export const FIXTURES = path.resolve(
  import.meta.dirname,
  '..',
  '..',
  '..',
  '..',
  'test',
  'fixtures',
  'import',
);

/** A fresh temp root per call, removed after the suite. */
export function suiteRoots(): () => string {
  const dirs: string[] = [];
  after(() => dirs.forEach((d) => fs.rmSync(d, { recursive: true, force: true })));
  return () => {
    const d = tmpDir();
    dirs.push(d);
    return d;
  };
}

/** Copies fixtures/import/<kind> under `root`, rewriting the absolute paths in every file to lie under it. */
export function rootFixtures(kind: 'systemd' | 'supervisord' | 'pm2', root: string): void {
  fs.cpSync(path.join(FIXTURES, kind), root, { recursive: true });
  const walk = (dir: string): void => {
    for (const e of fs.readdirSync(dir, { withFileTypes: true })) {
      const p = path.join(dir, e.name);
      if (e.isDirectory()) walk(p);
      else {
        const text = fs.readFileSync(p, 'utf8');
        fs.writeFileSync(p, text.replace(/(^|[\s="'\-:])\/(opt|etc|var|srv)\//gm, `$1${root}/$2/`));
      }
    }
  };
  walk(root);
}

/** An executable that exits 0 (the programs the definitions name). */
export function executable(file: string): void {
  fs.mkdirSync(path.dirname(file), { recursive: true });
  fs.writeFileSync(file, '#!/bin/sh\nexit 0\n', { mode: 0o755 });
}

/** `<root>/configs` with only nodewarden.json (state and logs under root): no template.json, no nodes. */
export function bareConfig(root: string): string {
  const dir = path.join(root, 'configs');
  fs.mkdirSync(dir);
  fs.writeFileSync(
    path.join(dir, 'nodewarden.json'),
    JSON.stringify({ stateDir: path.join(root, 'state'), logDir: path.join(root, 'logs') }),
  );
  return dir;
}

/** Every file under `dir`, relative path → content (to show nothing changed). */
export function snapshot(dir: string): Record<string, string> {
  const out: Record<string, string> = {};
  const walk = (d: string): void => {
    for (const e of fs.readdirSync(d, { withFileTypes: true })) {
      const p = path.join(d, e.name);
      if (e.isDirectory()) walk(p);
      else out[path.relative(dir, p)] = fs.readFileSync(p, 'utf8');
    }
  };
  walk(dir);
  return out;
}

/** A node as `nodewarden config show` prints it. */
export async function show(configDir: string, node: string): Promise<Record<string, unknown>> {
  const r = await runCli(configDir, ['config', 'show', node]);
  assert.equal(r.code, 0, r.stderr);
  return JSON.parse(r.stdout) as Record<string, unknown>;
}

/** `nodewarden config check` passes, with this many nodes. */
export async function checkPasses(configDir: string, nodes: number): Promise<void> {
  const r = await runCli(configDir, ['config', 'check']);
  assert.equal(r.code, 0, r.stderr + r.stdout);
  assert.match(r.stdout, new RegExp(`is valid: ${nodes} node\\(s\\)`));
}

export function readJson(file: string): Record<string, unknown> {
  return JSON.parse(fs.readFileSync(file, 'utf8')) as Record<string, unknown>;
}
