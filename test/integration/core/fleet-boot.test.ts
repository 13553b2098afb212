/**
 * A manager booting a fleet with pacing off (startup.concurrency 0,
 * intervalMs 0): every spawn is synchronous, so the pacer lets the event loop
 * turn between bursts of launches. While the fleet is still being started,
 * what already happened is in the store (and the manager serves requests),
 * and once it is up every node's `started` event is recorded.
 */
import { test } from 'node:test';
import assert from 'node:assert/strict';
import path from 'node:path';
import Database from 'better-sqlite3';
import { startTestDaemon, waitUntil } from '../../helpers/daemon.js';
import { DB_FILE } from '../../../src/store/db.js';

const N = 200;

function countEvents(file: string, type: string): number {
  const db = new Database(file, { readonly: true, fileMustExist: true });
  try {
    return (db.prepare('SELECT count(*) AS n FROM events WHERE type = ?').get(type) as { n: number }).n;
  } finally {
    db.close();
  }
}

test(`booting ${N} unpaced nodes: the store is written while they start, and holds every started event`, async () => {
  const nodes: Record<string, Record<string, never>> = {};
  for (let i = 1; i <= N; i++) nodes[`s${String(i).padStart(3, '0')}`] = {};
  const t = await startTestDaemon({
    nodes,
    template: { binary: '/bin/sleep', args: ['100000'], restart: { startSeconds: 1 } },
  });
  try {
    const file = path.join(t.daemon.manager.stateDir, DB_FILE);
    // Launches still to come once boot has returned: each one looks, through a
    // connection of its own, at what the store file already holds.
    const seenAtLaunch: number[] = [];
    const off = t.daemon.bus.on('state', (s) => {
      if (s.to === 'starting') seenAtLaunch.push(countEvents(file, 'manager_started'));
    });
    // A failure bound, not a timing: 200 launches on a loaded 2-core machine can take a while.
    await waitUntil(
      () =>
        t.daemon.supervisor
          .names()
          .every((n) => t.daemon.supervisor.runner(n)?.snapshot().state === 'running'),
      `all ${N} nodes running`,
      180_000,
    );
    off();
    assert.ok(
      seenAtLaunch.length > 0,
      'some nodes are launched after boot returned (the loop turns while a fleet starts)',
    );
    assert.ok(
      seenAtLaunch.every((n) => n === 1),
      `manager_started is in the store before the later launches (seen: ${seenAtLaunch.join(',')})`,
    );
    await waitUntil(() => countEvents(file, 'started') === N, `${N} started events in the store`, 30_000);
    const r = await t.cli(['events', '--type', 'started', '--limit', String(N + 10), '--json']);
    assert.equal(r.code, 0, r.stderr);
    const events = JSON.parse(r.stdout) as Array<{ node: string }>;
    assert.equal(
      new Set(events.map((e) => e.node)).size,
      N,
      'one started event per node, read through the CLI',
    );
  } finally {
    await t.close();
  }
});
