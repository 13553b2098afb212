import { test } from 'node:test';
import assert from 'node:assert/strict';
import path from 'node:path';
import Database from 'better-sqlite3';
import { EventBus } from '../../../src/events/bus.js';
import { attachStore } from '../../../src/store/attach.js';
import { DB_FILE, openStore } from '../../../src/store/db.js';
import type { Store } from '../../../src/store/store.js';
import { FakeClock, MemoryLogger, nextTick, tempDir } from '../../unit/store/helpers.js';

const T0 = Date.UTC(2024, 0, 1);

interface Rig {
  dir: string;
  store: Store;
  bus: EventBus;
  clock: FakeClock;
  logger: MemoryLogger;
}

async function withRig(opts: { maxBacklog?: number }, fn: (r: Rig) => Promise<void>): Promise<void> {
  const { dir, cleanup } = tempDir();
  const clock = new FakeClock(T0);
  const logger = new MemoryLogger();
  const store = openStore(dir, { logger, clock, retryMs: 2000, ...opts });
  const bus = new EventBus(() => clock.wallNow());
  attachStore(bus, store);
  try {
    await fn({ dir, store, bus, clock, logger });
  } finally {
    store.close();
    cleanup();
  }
}

const count = (store: Store, table: string): number =>
  store.db.prepare(`SELECT count(*) FROM ${table}`).pluck().get() as number;
const errorLines = (logger: MemoryLogger): string[] =>
  logger.lines.filter((l) => l.level === 'error').map((l) => l.message);

test('a read-only database (SQLITE_READONLY): writes are kept, counted, logged once, and land after recovery', () =>
  withRig({}, async ({ store, bus, clock, logger }) => {
    bus.emit({ node: 'a', type: 'started' });
    await nextTick();
    assert.equal(count(store, 'events'), 1);

    store.db.pragma('query_only = ON'); // the connection now refuses every write: a real SQLITE_READONLY
    bus.emit({ node: 'a', type: 'crashed' });
    bus.emitState({ node: 'a', from: 'running', to: 'backoff', pid: null });
    store.recordSample({
      node: 'a',
      ts: T0,
      cpuPercent: 1,
      rssBytes: 1,
      height: 1,
      lag: 0,
      health: 'in_sync',
    });
    store.releaseSamples(); // samples are held for their minute: hand this one to the queue now
    await nextTick();
    assert.equal(bus.consumerErrors, 0, 'nothing thrown to the bus');
    assert.deepEqual(store.stats(), {
      writeErrors: 1,
      backlog: 3,
      dropped: 0,
      lastErrorCode: 'SQLITE_READONLY',
    });
    assert.match(
      errorLines(logger)[0] ?? '',
      /database write failed \(SQLITE_READONLY.*3 writes kept in memory/,
    );

    // while failing, ticks do not hammer the database: only the retry timer (and immediate writes) try
    bus.emit({ node: 'a', type: 'restarting', reason: 'crash' });
    await nextTick();
    assert.equal(store.stats().writeErrors, 1);
    assert.equal(store.recordProcess('a', { pid: 7, pgid: 7, startTime: '1', argv: ['x'] }, 'h'), false);
    assert.equal(store.stats().writeErrors, 2);
    assert.equal(store.stats().backlog, 5);
    clock.advance(2000); // retry: still read-only
    assert.equal(store.stats().writeErrors, 3);
    assert.equal(errorLines(logger).length, 1, 'failure log lines are rate-limited');

    store.db.pragma('query_only = OFF');
    clock.advance(2000); // retry succeeds
    assert.equal(store.stats().backlog, 0);
    assert.equal(store.stats().writeErrors, 3);
    assert.ok(logger.lines.some((l) => l.level === 'warn' && /writes recovered/.test(l.message)));
    assert.deepEqual(
      store.queryEvents({ order: 'asc' }).map((e) => e.type),
      ['started', 'crashed', 'restarting'],
    );
    assert.equal(count(store, 'samples_raw'), 1);
    assert.equal(count(store, 'state_intervals'), 1);
    assert.equal(store.loadNodes().get('a')?.process?.pid, 7);

    // back to normal batching
    bus.emit({ node: 'a', type: 'started' });
    await nextTick();
    assert.equal(count(store, 'events'), 4);
    assert.equal(clock.pendingTimers, 0, 'no retry left scheduled');
  }));

test('a lock held by another connection (SQLITE_BUSY) costs one short wait, then the batch lands', () =>
  withRig({}, async ({ dir, store, bus }) => {
    const other = new Database(path.join(dir, DB_FILE));
    try {
      other.exec('BEGIN IMMEDIATE'); // another writer holds the write lock
      bus.emit({ node: 'a', type: 'started' });
      const t = performance.now();
      await nextTick();
      assert.ok(performance.now() - t < 2000, 'busy timeout is short');
      assert.equal(store.stats().lastErrorCode, 'SQLITE_BUSY');
      assert.equal(store.stats().backlog, 1);
      other.exec('COMMIT');
      assert.equal(store.flush(), true);
      assert.equal(store.queryEvents().length, 1);
    } finally {
      if (other.inTransaction) other.exec('ROLLBACK');
      other.close();
    }
  }));

test('a full database (SQLITE_FULL) degrades and recovers when space returns', () =>
  withRig({}, async ({ store, bus }) => {
    const pages = store.db.pragma('page_count', { simple: true }) as number;
    store.db.pragma(`max_page_count = ${pages}`); // no room to grow: a real SQLITE_FULL
    bus.emit({ node: 'a', type: 'crashed', details: { output: 'x'.repeat(20_000) } });
    await nextTick();
    assert.equal(store.stats().lastErrorCode, 'SQLITE_FULL');
    assert.equal(store.stats().backlog, 1);
    assert.doesNotThrow(() => store.prune({ eventsDays: 1, samplesDays: 1 }));
    store.db.pragma('max_page_count = 1073741823');
    assert.equal(store.flush(), true);
    assert.equal(store.queryEvents()[0]?.details['output'], 'x'.repeat(20_000));
  }));

test('the backlog is bounded: the oldest ordinary writes go first, node rows are kept', () =>
  withRig({ maxBacklog: 3 }, async ({ store, bus }) => {
    store.db.pragma('query_only = ON');
    store.setHeld('a', true); // immediate write, refused: kept as important
    // in_sync is never folded (started would be: see the crash-loop tests), so each is a write of its own.
    for (let i = 0; i < 5; i++) bus.emit({ node: 'a', type: 'in_sync', details: { i } });
    await nextTick();
    assert.equal(store.stats().backlog, 3);
    assert.equal(store.stats().dropped, 3);
    store.db.pragma('query_only = OFF');
    assert.equal(store.flush(), true);
    assert.equal(store.loadNodes().get('a')?.held, true);
    assert.deepEqual(
      store.queryEvents({ order: 'asc' }).map((e) => e.details['i']),
      [3, 4],
    );
  }));

test('a row SQLite will never accept is dropped alone; the rest of its batch is written', () =>
  withRig({}, async ({ store, bus }) => {
    // A CHECK violation is permanent (not a database failure): only that write is dropped.
    store.db.exec(
      `CREATE TRIGGER refuse BEFORE INSERT ON events WHEN NEW.node = 'bad' BEGIN SELECT RAISE(ABORT, 'refused'); END`,
    );
    bus.emit({ node: 'ok1', type: 'started' });
    bus.emit({ node: 'bad', type: 'started' });
    bus.emit({ node: 'ok2', type: 'started' });
    await nextTick();
    assert.deepEqual(
      store.queryEvents({ order: 'asc' }).map((e) => e.node),
      ['ok1', 'ok2'],
    );
    assert.equal(store.stats().dropped, 1);
    assert.equal(store.stats().backlog, 0);
  }));
