import { test } from 'node:test';
import assert from 'node:assert/strict';
import { EventBus } from '../../../src/events/bus.js';
import { nullLogger } from '../../../src/logger.js';
import { attachStore } from '../../../src/store/attach.js';
import { openStore } from '../../../src/store/db.js';
import { FakeClock, nextTick, T0, tempDir, withStore } from './helpers.js';

test('events round-trip through the bus with every field', () =>
  withStore(async (store, bus) => {
    bus.emit({
      node: 'geth',
      type: 'restarting',
      reason: 'out_of_sync',
      details: { lag: 42, nested: { a: [1, 'x'] } },
    });
    await nextTick();
    const [e] = store.queryEvents();
    assert.ok(e && typeof e.id === 'number');
    assert.deepEqual(
      { ...e, id: 0 },
      {
        id: 0,
        ts: T0,
        node: 'geth',
        type: 'restarting',
        severity: 'info',
        reason: 'out_of_sync',
        details: { lag: 42, nested: { a: [1, 'x'] } },
      },
    );
  }));

test('one tick of appends is written in one transaction on setImmediate', () =>
  withStore(async (store, bus) => {
    let transactions = 0;
    const db = store.db as unknown as { transaction: (fn: () => void) => unknown };
    const original = db.transaction.bind(db);
    db.transaction = (fn) => {
      transactions++;
      return original(fn);
    };
    const rows = store.db.prepare('SELECT count(*) FROM events').pluck();
    for (let i = 0; i < 50; i++) bus.emit({ node: `n${i}`, type: 'started' });
    assert.equal(rows.get(), 0, 'nothing written synchronously');
    assert.equal(store.stats().backlog, 50);
    await nextTick();
    assert.equal(rows.get(), 50);
    assert.equal(transactions, 1);
    assert.equal(store.stats().backlog, 0);
  }));

test('queryEvents filters by node, type, time and limit, newest first', () =>
  withStore((store, bus, clock) => {
    const emitAt = (
      ts: number,
      node: string | null,
      type: 'started' | 'crashed' | 'manager_started',
    ): void => {
      clock.wall = ts;
      bus.emit({ node, type });
    };
    emitAt(T0 + 1000, null, 'manager_started');
    emitAt(T0 + 2000, 'a', 'started');
    emitAt(T0 + 3000, 'b', 'started');
    emitAt(T0 + 4000, 'a', 'crashed');
    emitAt(T0 + 5000, 'a', 'started');
    // reads flush what is pending: no tick needed
    const all = store.queryEvents();
    assert.deepEqual(
      all.map((e) => e.ts - T0),
      [5000, 4000, 3000, 2000, 1000],
    );
    assert.deepEqual(
      store.queryEvents({ node: 'a' }).map((e) => e.type),
      ['started', 'crashed', 'started'],
    );
    assert.deepEqual(
      store.queryEvents({ type: 'started' }).map((e) => e.node),
      ['a', 'b', 'a'],
    );
    assert.deepEqual(
      store.queryEvents({ type: ['crashed', 'manager_started'] }).map((e) => e.type),
      ['crashed', 'manager_started'],
    );
    assert.deepEqual(
      store.queryEvents({ sinceMs: T0 + 3000, untilMs: T0 + 5000 }).map((e) => e.ts - T0),
      [4000, 3000],
    );
    assert.deepEqual(
      store.queryEvents({ node: 'a', limit: 2 }).map((e) => e.ts - T0),
      [5000, 4000],
    );
    assert.deepEqual(
      store.queryEvents({ order: 'asc', limit: 2 }).map((e) => e.ts - T0),
      [1000, 2000],
    );
    assert.deepEqual(store.queryEvents({ node: 'nobody' }), []);
  }));

test('details that cannot be serialised are stored as a note, not a failed batch', () =>
  withStore((store, bus) => {
    const cyclic: Record<string, unknown> = {};
    cyclic['self'] = cyclic;
    bus.emit({ node: 'a', type: 'crashed', details: { cyclic } });
    bus.emit({ node: 'a', type: 'started', details: { big: 10n } as unknown as Record<string, unknown> });
    const [started, crashed] = store.queryEvents();
    assert.equal(started?.details['big'], '10');
    assert.match(String(crashed?.details['unserializable']), /circular/i);
    assert.equal(store.stats().writeErrors, 0);
  }));

test('events survive close and reopen (flushed at close)', () => {
  const { dir, cleanup } = tempDir();
  try {
    const clock = new FakeClock(T0);
    const bus = new EventBus(() => clock.wallNow());
    const first = openStore(dir, { logger: nullLogger, clock });
    attachStore(bus, first);
    bus.emit({ node: null, type: 'manager_stopped' });
    first.close(); // no tick passed: close must flush
    bus.emit({ node: null, type: 'manager_started' }); // after close: dropped and counted, never thrown
    assert.equal(first.stats().dropped, 1);
    const second = openStore(dir, { logger: nullLogger, clock });
    try {
      assert.deepEqual(
        second.queryEvents().map((e) => e.type),
        ['manager_stopped'],
      );
    } finally {
      second.close();
    }
  } finally {
    cleanup();
  }
});
