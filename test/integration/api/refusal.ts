/**
 * Starts that must be refused for the control setup alone: a fleet of one
 * node with a TCP listener, and the check that `run` refuses it as invalid
 * config (the message says why) before any node is touched.
 */
import assert from 'node:assert/strict';
import { startDaemon } from '../../../src/daemon.js';
import { tmpDir, writeConfig } from '../../helpers/daemon.js';
import { freePort } from './tcp.js';

/** A fresh directory (added to `dirs` for removal) whose config runs node `n` and listens on TCP `host` at a free port. */
export async function fleetWithHttp(
  dirs: string[],
  host: string,
): Promise<{ dir: string; configDir: string }> {
  const dir = tmpDir();
  dirs.push(dir);
  const configDir = writeConfig(dir, {
    nodes: { n: {} },
    manager: { control: { http: { host, port: await freePort() } } },
  });
  return { dir, configDir };
}

/** Starting a daemon from configDir fails with E_CONFIG_INVALID and a message matching `message`. */
export async function assertConfigRefused(configDir: string, message: RegExp): Promise<void> {
  await assert.rejects(startDaemon({ configDir, consoleLog: false }), (err: Error & { code?: string }) => {
    assert.equal(err.code, 'E_CONFIG_INVALID');
    assert.match(err.message, message);
    return true;
  });
}
