/**
 * Test fixture for the metrics and web suites: a real daemon (the shared
 * test/helpers/daemon.ts one) on a fresh temp dir running simulated nodes,
 * plus the event-driven wait those suites share. `close()` stops the daemon,
 * ends any node process left and removes the dir.
 */
import type { Daemon } from '../../../src/daemon.js';
import { simArgs, startTestDaemon, type TestDaemon } from '../../helpers/daemon.js';
import type { Json } from '../../helpers/sim-config.js';

export type Fleet = TestDaemon;

/** Boot a daemon on a config of `names` (one sim node file each, 2 s stop grace), with optional manager settings. */
export function startFleet(names: readonly string[], manager?: Json): Promise<Fleet> {
  return startTestDaemon({
    nodes: Object.fromEntries(names.map((n) => [n, {}])),
    template: { args: simArgs(), stop: { graceMs: 2000 } },
    ...(manager !== undefined && { manager }),
  });
}

/** Resolve once every named node is in `state` (subscribe first, then check: no missed change). */
export function waitState(
  daemon: Daemon,
  names: readonly string[],
  state: string,
  timeoutMs = 10_000,
): Promise<void> {
  const reached = (): boolean => names.every((n) => daemon.supervisor.runner(n)?.snapshot().state === state);
  return new Promise((resolve, reject) => {
    const off = daemon.bus.on('state', () => {
      if (reached()) finish();
    });
    const timer = setTimeout(() => {
      off();
      reject(new Error(`timed out after ${timeoutMs} ms waiting for ${names.join(', ')} to be ${state}`));
    }, timeoutMs);
    const finish = (): void => {
      off();
      clearTimeout(timer);
      resolve();
    };
    if (reached()) finish();
  });
}
