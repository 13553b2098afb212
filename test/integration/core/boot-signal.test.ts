/**
 * A stop signal that reaches `nodewarden run` while it is still booting a
 * large fleet (pacing off) stops it like any other: the manager exits 0
 * after stopping every node it had launched, and no node is left running
 * unsupervised.
 */
import { test } from 'node:test';
import assert from 'node:assert/strict';
import fs from 'node:fs';
import path from 'node:path';
import { useFleets, waitUntil } from './harness.js';

const N = 200;
const fleet = useFleets();

test(`SIGTERM while ${N} nodes boot: exit 0, every launched node stopped, none left running`, async () => {
  const nodes: Record<string, Record<string, never>> = {};
  for (let i = 1; i <= N; i++) nodes[`b${String(i).padStart(3, '0')}`] = {};
  const f = fleet({
    nodes,
    template: { binary: '/bin/sleep', args: ['100000'], stop: { graceMs: 3000 } },
  });
  const m = f.startManager();
  // The store is opened early in the boot, before the config's nodes are built and launched.
  await waitUntil(
    () => fs.existsSync(path.join(f.stateDir, 'nodewarden.db')),
    'the store file exists',
    30_000,
  );
  m.signal('SIGTERM');
  const exit = await m.waitExit(120_000);
  assert.deepEqual(
    exit,
    { code: 0, signal: null },
    `exit after SIGTERM during boot; stderr: ${m.stderr().slice(-600)}`,
  );
  assert.match(m.stderr(), /SIGTERM: .*stopping every node/);
  assert.deepEqual(f.ownedPids(), [], 'no node process outlives the manager');
});
