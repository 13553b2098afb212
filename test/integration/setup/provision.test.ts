/**
 * The test command provisions its real peers first (scripts/provision.mjs): on
 * a machine without them, and where it cannot install, it stops at once with
 * one line naming the command to run — before anything is built.
 */
import { after, describe, test } from 'node:test';
import assert from 'node:assert/strict';
import fs from 'node:fs';
import path from 'node:path';
import { execa } from 'execa';
import { tmpDir } from '../../helpers/daemon.js';

const REPO = path.resolve(import.meta.dirname, '..', '..', '..', '..');
const SCRIPT = path.join(REPO, 'scripts', 'provision.mjs');

const roots: string[] = [];
after(() => {
  for (const r of roots) fs.rmSync(r, { recursive: true, force: true });
});

/** A fake machine root holding executables at the given absolute paths. */
function machineWith(bins: string[]): string {
  const root = tmpDir();
  roots.push(root);
  for (const bin of bins) {
    fs.mkdirSync(path.join(root, path.dirname(bin)), { recursive: true });
    fs.writeFileSync(path.join(root, bin), '#!/bin/sh\nexit 0\n', { mode: 0o755 });
  }
  return root;
}

/** Where provisioning looks for each peer, every one it needs. */
const EVERY_PEER = [
  '/usr/bin/supervisord',
  '/usr/bin/runsvdir',
  '/usr/bin/promtool',
  '/usr/bin/prometheus',
  '/usr/bin/chromium',
  '/usr/bin/zsh',
  '/usr/bin/ansible-playbook',
  '/usr/bin/monerod',
  '/usr/bin/litecoind',
];

/** A fake machine root with every peer but the given ones. */
const machineWithout = (...missing: string[]): string =>
  machineWith(EVERY_PEER.filter((b) => !missing.includes(b)));

const run = (root: string) => execa(process.execPath, [SCRIPT, '--root', root], { reject: false });

describe('provisioning the test peers', () => {
  test('a bare machine that cannot install stops at once with one line naming the command', async () => {
    const r = await run(machineWith([]));
    assert.equal(r.exitCode, 1);
    assert.equal(r.stdout, '');
    const lines = r.stderr.split('\n').filter(Boolean);
    assert.equal(lines.length, 1, r.stderr);
    assert.match(
      lines[0]!,
      /need supervisord, runsvdir, promtool, prometheus, chromium, zsh, ansible-playbook, monerod, litecoind: run `.*apt-get install -y .*supervisor runit prometheus chromium zsh ansible monero litecoind/,
    );
  });

  test('only the missing peers are named', async () => {
    const r = await run(machineWithout('/usr/bin/chromium'));
    assert.equal(r.exitCode, 1);
    assert.match(r.stderr, /need chromium: run `.*install -y --no-install-recommends chromium'/);
    assert.doesNotMatch(r.stderr, /supervisor /);
  });

  test('the prometheus server is a peer of its own, installed from the same package as promtool', async () => {
    const r = await run(machineWithout('/usr/bin/prometheus'));
    assert.equal(r.exitCode, 1);
    assert.match(r.stderr, /need prometheus: run `.*install -y --no-install-recommends prometheus'/);
  });

  test("runit, the benchmark's C floor, is a peer of its own", async () => {
    const r = await run(machineWithout('/usr/bin/runsvdir'));
    assert.equal(r.exitCode, 1);
    assert.match(r.stderr, /need runsvdir: run `.*install -y --no-install-recommends runit'/);
  });

  test('a machine that has every peer goes on silently', async () => {
    const r = await run(machineWith(EVERY_PEER));
    assert.equal(r.exitCode, 0);
    assert.equal(r.stderr, '');
  });

  test('npm test provisions before it builds or runs anything', () => {
    const pkg = JSON.parse(fs.readFileSync(path.join(REPO, 'package.json'), 'utf8')) as {
      scripts: Record<string, string>;
    };
    assert.match(pkg.scripts.test!, /^node scripts\/provision\.mjs && /);
    const ci = fs.readFileSync(path.join(REPO, '.ci', 'run'), 'utf8');
    assert.match(ci, /npm install[^\n]*&& npm test/);
  });
});
