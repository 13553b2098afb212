/**
 * Test fixture for the metrics and web suites: a real daemon on a fresh temp
 * dir running simulated nodes (`sim-node`), plus the waits those suites share.
 * `close()` stops the daemon (ending every node it started) and removes the dir.
 */
import fs from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { fileURLToPath } from 'node:url';
import { startDaemon, type Daemon } from '../../../src/daemon.js';

/** Path of the compiled sim node. */
export const SIM = fileURLToPath(new URL('../../../src/sim/sim-node.js', import.meta.url));

export interface Fleet {
  readonly daemon: Daemon;
  readonly dir: string;
  close(): Promise<void>;
}

/** Write a config for `names` (one node file each) and boot a daemon on it. */
export async function startFleet(names: readonly string[]): Promise<Fleet> {
  const dir = fs.mkdtempSync(path.join(os.tmpdir(), 'nw-'));
  const configDir = path.join(dir, 'configs');
  fs.mkdirSync(path.join(configDir, 'nodes'), { recursive: true });
  const write = (file: string, json: unknown): void =>
    fs.writeFileSync(path.join(configDir, file), JSON.stringify(json, null, 2));
  write('nodewarden.json', {
    stateDir: path.join(dir, 'state'),
    logDir: path.join(dir, 'logs'),
    startup: { concurrency: 0, intervalMs: 1 },
  });
  write('template.json', {
    binary: process.execPath,
    args: [SIM, '--name', '{{name}}'],
    dataDir: path.join(dir, 'data', '{{name}}'),
    restart: { startSeconds: 1, backoffMs: 100, backoffMaxMs: 1000 },
    stop: { graceMs: 2000 },
  });
  for (const n of names) write(path.join('nodes', `${n}.json`), {});
  let daemon: Daemon;
  try {
    daemon = await startDaemon({ configDir, consoleLog: false });
  } catch (err) {
    fs.rmSync(dir, { recursive: true, force: true });
    throw err;
  }
  return {
    daemon,
    dir,
    async close() {
      await daemon.stop();
      fs.rmSync(dir, { recursive: true, force: true });
    },
  };
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

/** Poll an external fact every 25 ms until true; throws after `timeoutMs` (a failure bound). */
export async function until(
  what: string,
  fact: () => boolean | Promise<boolean>,
  timeoutMs = 10_000,
): Promise<void> {
  const deadline = Date.now() + timeoutMs;
  while (!(await fact())) {
    if (Date.now() > deadline) throw new Error(`timed out after ${timeoutMs} ms waiting for ${what}`);
    await new Promise((r) => setTimeout(r, 25));
  }
}
