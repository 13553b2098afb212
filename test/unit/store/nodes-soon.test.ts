import { test } from 'node:test';
import assert from 'node:assert/strict';
import path from 'node:path';
import Database from 'better-sqlite3';
import { DB_FILE, openStore } from '../../../src/store/db.js';
import { FakeClock, MemoryLogger, T0, tempDir } from './helpers.js';

test('node rows written `soon`: a burst lands together at the end of the current microtasks, before any I/O or timer', async () => {
  const { dir, cleanup } = tempDir();
  const store = openStore(dir, { logger: new MemoryLogger(), clock: new FakeClock(T0) });
  const reader = new Database(path.join(dir, DB_FILE), { readonly: true });
  try {
    const count = (): number => reader.prepare('SELECT count(*) FROM nodes').pluck().get() as number;
    for (let i = 1; i <= 50; i++) {
      const identity = {
        pid: 1000 + i,
        pgid: 1000 + i,
        startTime: String(i),
        argv: ['/bin/node', String(i)],
      };
      assert.equal(store.setDesired(`n-${i}`, 'running', 'soon'), true);
      assert.equal(store.setHeld(`n-${i}`, false, 'soon'), true);
      assert.equal(store.recordProcess(`n-${i}`, identity, `hash${i}`, undefined, 'soon'), true);
    }
    // The last word on a row wins, in order: n-1 is stopped again within the same burst.
    store.setDesired('n-1', 'stopped', 'soon');
    store.recordProcess('n-1', null, null, undefined, 'soon');
    assert.equal(count(), 0, 'nothing written one call at a time');
    await Promise.resolve();
    assert.equal(count(), 50, 'the whole burst is committed after the current microtasks');
    const rows = store.loadNodes();
    assert.equal(rows.get('n-1')?.desired, 'stopped');
    assert.equal(rows.get('n-1')?.process, null);
    assert.equal(rows.get('n-50')?.desired, 'running');
    assert.deepEqual(rows.get('n-50')?.process, {
      pid: 1050,
      pgid: 1050,
      startTime: '50',
      argv: ['/bin/node', '50'],
    });
    assert.equal(rows.get('n-50')?.runHash, 'hash50');
  } finally {
    reader.close();
    store.close();
    cleanup();
  }
});

test('a `soon` write that meets a closed store is refused and counted, never thrown', () => {
  const { dir, cleanup } = tempDir();
  const store = openStore(dir, { logger: new MemoryLogger(), clock: new FakeClock(T0) });
  try {
    store.close();
    assert.equal(store.setDesired('late', 'running', 'soon'), false);
    assert.equal(store.stats().dropped, 1);
  } finally {
    cleanup();
  }
});
