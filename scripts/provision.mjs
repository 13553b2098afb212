#!/usr/bin/env node
// Makes sure the real peers the test suite drives are on this machine before
// anything is built: Debian's supervisord (nodewarden under a real supervisor;
// also a peer of `npm run bench`, like runit's runsvdir, the bench's C floor),
// promtool and prometheus from the prometheus package (the metrics page and the
// alert rules are checked with promtool; the dashboard's queries run on a
// private prometheus that scrapes a test daemon),
// chromium (the status page is tested in a real browser through playwright-core),
// zsh (the zsh completion script is run under it), ansible (the Ansible role
// is applied to localhost with ansible-playbook) and two real chain daemons
// the chain presets are tested against on private offline chains: monerod
// (monero, the monerod preset) and litecoind (a Bitcoin Core fork, the
// bitcoind preset).
// As root with apt-get, it installs what is missing; otherwise it stops at once
// with the one command to run. Usage: node scripts/provision.mjs [--check]
import { spawnSync } from 'node:child_process';
import fs from 'node:fs';

/** Debian package → the program the tests run from it, where the tests run it. */
const PEERS = [
  { pkg: 'supervisor', bin: '/usr/bin/supervisord' },
  { pkg: 'runit', bin: '/usr/bin/runsvdir' },
  { pkg: 'prometheus', bin: '/usr/bin/promtool' },
  { pkg: 'prometheus', bin: '/usr/bin/prometheus' },
  { pkg: 'chromium', bin: '/usr/bin/chromium' },
  { pkg: 'zsh', bin: '/usr/bin/zsh' },
  { pkg: 'ansible', bin: '/usr/bin/ansible-playbook' },
  { pkg: 'monero', bin: '/usr/bin/monerod' },
  { pkg: 'litecoind', bin: '/usr/bin/litecoind' },
];

// `--root DIR` looks for the programs under DIR instead of / and never installs
// (the suite uses it to see what a bare machine gets); `--check` never installs.
const rootAt = process.argv.indexOf('--root');
const root = rootAt > 0 ? (process.argv[rootAt + 1] ?? '') : '';
const installed = (bin) => {
  try {
    fs.accessSync(`${root}${bin}`, fs.constants.X_OK);
    return true;
  } catch {
    return false;
  }
};
const onPath = (bin) =>
  (process.env.PATH ?? '/usr/bin:/bin')
    .split(':')
    .concat('/usr/bin', '/usr/sbin')
    .some((dir) => installed(`${dir}/${bin}`));

const missing = PEERS.filter((p) => !installed(p.bin));
if (missing.length === 0) process.exit(0);

const pkgs = [...new Set(missing.map((p) => p.pkg))];
const command = `apt-get update && apt-get install -y --no-install-recommends ${pkgs.join(' ')}`;
const canInstall =
  process.getuid?.() === 0 && root === '' && onPath('apt-get') && !process.argv.includes('--check');
if (!canInstall) {
  console.error(
    `nodewarden tests need ${missing.map((p) => p.bin.split('/').pop()).join(', ')}: run \`sudo sh -c '${command}'\` and try again`,
  );
  process.exit(1);
}

console.error(`installing the tests' peers: ${pkgs.join(', ')} (Debian packages)`);
// Package scripts must not start system services (supervisord, runsvdir, prometheus): the
// tests run private instances. policy-rc.d says so to invoke-rc.d, unless the
// machine already has one of its own.
const policy = '/usr/sbin/policy-rc.d';
const ownPolicy = !fs.existsSync(policy);
if (ownPolicy) fs.writeFileSync(policy, '#!/bin/sh\nexit 101\n', { mode: 0o755 });
const env = { ...process.env, DEBIAN_FRONTEND: 'noninteractive' };
const run = (args) =>
  spawnSync('apt-get', args, { stdio: ['ignore', 'inherit', 'inherit'], env }).status === 0;
let ok;
try {
  // The package lists may be stale or missing on a fresh machine: update once if the first try fails.
  ok =
    run(['install', '-y', '-qq', '--no-install-recommends', ...pkgs]) ||
    (run(['update', '-qq']) && run(['install', '-y', '-qq', '--no-install-recommends', ...pkgs]));
} finally {
  if (ownPolicy) fs.rmSync(policy, { force: true });
}
const still = PEERS.filter((p) => !installed(p.bin));
if (!ok || still.length > 0) {
  console.error(
    `nodewarden tests need ${still.map((p) => p.bin.split('/').pop()).join(', ') || pkgs.join(', ')}; apt-get failed: run \`${command}\` and try again`,
  );
  process.exit(1);
}
