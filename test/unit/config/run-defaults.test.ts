import { test } from 'node:test';
import assert from 'node:assert/strict';
import { loadConfig } from '../../../src/config/load.js';
import { runDefaults } from '../../../src/config/node-validate.js';
import { MemorySecrets } from '../../../src/config/secrets.js';
import { configDirMaker } from './fixture.js';

/**
 * runDefaults is what code without a config (a removed node's survivor, test
 * specs) builds a NodeSpec from: it must be exactly what the loader gives a
 * node that sets nothing but its binary and dataDir.
 */

const configDir = configDirMaker();

test('runDefaults: every default the loader gives a node that sets nothing', () => {
  const dir = configDir({ 'nodes/geth.json': {} });
  const [n] = loadConfig(dir, { secrets: new MemorySecrets() }).nodes;
  assert.ok(n);
  const { sync, ...rest } = runDefaults();
  for (const [key, value] of Object.entries(rest)) {
    assert.deepEqual(n[key as keyof typeof n], value, key);
  }
  const { group: _group, ...loadedSync } = n.sync;
  assert.deepEqual(loadedSync, sync);
});

test('runDefaults: each call is a fresh copy', () => {
  const a = runDefaults();
  (a.restart as { policy: string }).policy = 'never';
  (a.args as string[]).push('--x');
  assert.equal(runDefaults().restart.policy, 'always');
  assert.deepEqual(runDefaults().args, []);
});
