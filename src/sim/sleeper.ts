#!/usr/bin/env node
/**
 * The grandchild a sim node spawns with `--spawn-child`: it just sleeps, stays
 * alive when its parent dies (so only a tree/group kill ends it) and, with
 * `--ignore-sigterm`, shrugs off SIGTERM too. It reports on stdout, which the
 * parent relays: `SLEEPER READY` once its handlers are installed, and
 * `SLEEPER SIGTERM ignored` for every ignored SIGTERM.
 *
 * With `--daemonize` it first forks itself into a new session (the classic
 * daemon double fork), reports `SLEEPER DAEMON pid=<n>` and exits 0; the
 * daemon writes to the same stdout, so its reports still reach the parent.
 */
import { spawn } from 'node:child_process';

// The parent may be gone: writes to its closed pipe must not kill the sleeper.
process.stdout.on('error', () => {});

function report(line: string): void {
  process.stdout.write(line + '\n');
}

const args = process.argv.slice(2);
if (args.includes('--daemonize')) {
  const daemon = spawn(process.execPath, [process.argv[1]!, ...args.filter((a) => a !== '--daemonize')], {
    detached: true,
    stdio: ['ignore', 'inherit', 'ignore'],
  });
  // Reported before this process exits, so the parent knows the pid before the daemon's READY.
  process.stdout.write(`SLEEPER DAEMON pid=${daemon.pid}\n`, () => process.exit(0));
} else {
  if (args.includes('--ignore-sigterm')) {
    process.on('SIGTERM', () => report('SLEEPER SIGTERM ignored'));
  }
  setInterval(() => {}, 1 << 30);
  report('SLEEPER READY');
}
