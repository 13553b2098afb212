import { test } from 'node:test';
import assert from 'node:assert/strict';
import path from 'node:path';
import Database from 'better-sqlite3';
import { DB_FILE, openStore } from '../../../src/store/db.js';
import { FakeClock, MemoryLogger, tempDir } from './helpers.js';

const T0 = Date.UTC(2024, 0, 1);

test('node rows: process identity, restart count, desired state and hold are written at once and survive reopen', () => {
  const { dir, cleanup } = tempDir();
  try {
    const clock = new FakeClock(T0);
    const store = openStore(dir, { logger: new MemoryLogger(), clock });
    const identity = { pid: 1234, pgid: 1234, startTime: '5678', argv: ['/bin/node', '--port', '12001'] };
    assert.equal(store.recordProcess('ant-1', identity, 'hash1', 3), true);
    assert.equal(store.setDesired('ant-1', 'stopped'), true);
    clock.advance(1000);
    assert.equal(store.setHeld('ant-1', true), true);
    assert.equal(store.setHeld('ant-2', false), true); // a row created by hold alone
    // immediate: committed and visible to another connection before any tick
    const reader = new Database(path.join(dir, DB_FILE), { readonly: true });
    assert.equal(reader.prepare('SELECT count(*) FROM nodes').pluck().get(), 2);
    reader.close();
    store.close();

    const again = openStore(dir, { logger: new MemoryLogger(), clock });
    try {
      const nodes = again.loadNodes();
      assert.deepEqual(nodes.get('ant-1'), {
        name: 'ant-1',
        desired: 'stopped',
        held: true,
        process: identity,
        runHash: 'hash1',
        restarts: 3,
        updatedTs: T0 + 1000,
      });
      assert.deepEqual(nodes.get('ant-2'), {
        name: 'ant-2',
        desired: null,
        held: false,
        process: null,
        runHash: null,
        restarts: 0,
        updatedTs: T0 + 1000,
      });
      // the process is gone: identity cleared, desired and hold kept
      again.recordProcess('ant-1', null, 'hash1');
      const gone = again.loadNodes().get('ant-1');
      assert.equal(gone?.process, null);
      assert.equal(gone?.desired, 'stopped');
      assert.equal(gone?.held, true);
      assert.equal(gone?.restarts, 3, 'a record without a count keeps the one stored');
      again.forgetNode('ant-2');
      assert.deepEqual([...again.loadNodes().keys()], ['ant-1']);
    } finally {
      again.close();
    }
  } finally {
    cleanup();
  }
});

test('an unreadable argv means no identity (never re-adopt on a guess), with a warning', () => {
  const { dir, cleanup } = tempDir();
  const logger = new MemoryLogger();
  const store = openStore(dir, { logger });
  try {
    store.db
      .prepare(
        `INSERT INTO nodes (name, pid, pgid, start_time, argv, updated_ts) VALUES ('x', 1, 1, '2', 'not json', 0)`,
      )
      .run();
    assert.equal(store.loadNodes().get('x')?.process, null);
    assert.match(logger.lines[0]?.message ?? '', /node x has an unreadable argv/);
  } finally {
    store.close();
    cleanup();
  }
});

test('secrets: 32 random bytes in hex, generated once per node and key, stable across reopen, never logged', () => {
  const { dir, cleanup } = tempDir();
  const logger = new MemoryLogger();
  try {
    const first = openStore(dir, { logger });
    const a = first.secrets.get('geth', 'rpcpassword');
    const b = first.secrets.get('geth', 'other');
    const c = first.secrets.get('reth', 'rpcpassword');
    assert.match(a, /^[0-9a-f]{64}$/);
    assert.equal(new Set([a, b, c]).size, 3);
    assert.equal(first.secrets.get('geth', 'rpcpassword'), a);
    first.close();

    const second = openStore(dir, { logger });
    try {
      assert.equal(second.secrets.get('geth', 'rpcpassword'), a);
      assert.equal(second.secrets.get('reth', 'rpcpassword'), c);
    } finally {
      second.close();
    }
    for (const v of [a, b, c]) assert.ok(!logger.text().includes(v), 'a secret value reached the log');
  } finally {
    cleanup();
  }
});

test('a secret that cannot be stored is refused with E_STORE, never handed out unsaved', () => {
  const { dir, cleanup } = tempDir();
  const logger = new MemoryLogger();
  const store = openStore(dir, { logger });
  try {
    const kept = store.secrets.get('geth', 'kept');
    store.db.pragma('query_only = ON'); // every write now fails with SQLITE_READONLY
    assert.throws(
      () => store.secrets.get('geth', 'new'),
      (err: unknown) =>
        (err as { code?: string }).code === 'E_STORE' &&
        /secret "new" of node geth/.test((err as Error).message),
    );
    assert.equal(store.secrets.get('geth', 'kept'), kept, 'known secrets still readable');
    assert.equal(store.stats().writeErrors, 1);
    assert.equal(store.stats().lastErrorCode, 'SQLITE_READONLY');
    store.db.pragma('query_only = OFF');
    assert.match(store.secrets.get('geth', 'new'), /^[0-9a-f]{64}$/);
    assert.ok(!logger.text().includes(kept));
  } finally {
    store.close();
    cleanup();
  }
});
