#!/usr/bin/env node
/**
 * The grandchild a sim node spawns with `--spawn-child`: it just sleeps, stays
 * alive when its parent dies (so only a tree/group kill ends it) and, with
 * `--ignore-sigterm`, shrugs off SIGTERM too. It reports on stdout, which the
 * parent relays: `SLEEPER READY` once its handlers are installed, and
 * `SLEEPER SIGTERM ignored` for every ignored SIGTERM.
 */

// The parent may be gone: writes to its closed pipe must not kill the sleeper.
process.stdout.on('error', () => {});

function report(line: string): void {
  process.stdout.write(line + '\n');
}

if (process.argv.includes('--ignore-sigterm')) {
  process.on('SIGTERM', () => report('SLEEPER SIGTERM ignored'));
}
setInterval(() => {}, 1 << 30);
report('SLEEPER READY');
