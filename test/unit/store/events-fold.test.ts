import { test } from 'node:test';
import assert from 'node:assert/strict';
import { EventBus } from '../../../src/events/bus.js';
import type { EventInput } from '../../../src/events/types.js';
import { FOLD_WINDOW_MS } from '../../../src/store/event-store.js';
import type { Store } from '../../../src/store/store.js';
import type { StoredEvent } from '../../../src/store/types.js';
import { nextTick, T0, withStore } from './helpers.js';

/** One turn of a crash loop as the state machine reports it: crash, immediate restart, started. */
function crashCycle(bus: EventBus, node: string, i: number, code = 1): void {
  const facts = { code, signal: null, uptimeMs: 30 + i };
  bus.emit({ node, type: 'crashed', details: facts });
  bus.emit({ node, type: 'restarting', reason: 'crash', details: facts });
  bus.emit({ node, type: 'started', details: { pid: 1000 + i, attempt: 0 } });
}

/** Occurrences a row stands for: its `count`, or 1 for a row of one event. */
const occurrences = (e: StoredEvent): number =>
  typeof e.details['count'] === 'number' ? e.details['count'] : 1;
const total = (rows: StoredEvent[], type: string): number =>
  rows.filter((e) => e.type === type).reduce((n, e) => n + occurrences(e), 0);
/** Rows in the events table, after writing what is pending. */
function rowCount(store: Store): number {
  store.flush();
  return store.db.prepare('SELECT count(*) FROM events').pluck().get() as number;
}

test('a crash loop is stored as two rows per kind a minute, their counts adding up to every event', () =>
  withStore(async (store, bus, clock) => {
    for (let i = 0; i < 500; i++) {
      crashCycle(bus, 'loop', i);
      clock.advance(40); // 25 crashes a second
      if (i % 50 === 0) await nextTick(); // several write batches, as in a running manager
    }
    const rows = store.queryEvents({ node: 'loop', order: 'asc', limit: 1000 });
    // 500 cycles × 40 ms = 20 s: one window, so per type the first event and one row for the repeats.
    assert.deepEqual(
      rows.map((e) => [e.type, occurrences(e)]),
      [
        ['crashed', 1],
        ['restarting', 1],
        ['started', 1],
        ['crashed', 499],
        ['restarting', 499],
        ['started', 499],
      ],
    );
    const repeats = rows[3]!;
    assert.equal(repeats.details['firstTs'], T0 + 40);
    assert.equal(repeats.details['lastTs'], T0 + 499 * 40);
    assert.equal(repeats.ts, T0 + 499 * 40, 'the row is dated by the latest repeat');
    assert.equal(repeats.details['uptimeMs'], 30 + 499, 'and carries its details');
    assert.equal(repeats.details['code'], 1);
    assert.equal(rows[5]!.details['pid'], 1499);
  }));

test('a loop running for minutes writes two rows per kind per minute', () =>
  withStore((store, bus, clock) => {
    const minutes = 5;
    const cycles = (minutes * FOLD_WINDOW_MS) / 100;
    for (let i = 0; i < cycles; i++) {
      crashCycle(bus, 'loop', i);
      clock.advance(100);
    }
    const rows = store.queryEvents({ node: 'loop', limit: 10_000 });
    assert.equal(rows.length, 3 * 2 * minutes);
    for (const type of ['crashed', 'restarting', 'started']) assert.equal(total(rows, type), cycles);
  }));

test('any other event of the node ends the fold; what follows gets rows of its own', () =>
  withStore((store, bus, clock) => {
    for (let i = 0; i < 3; i++) crashCycle(bus, 'a', i);
    clock.advance(1000);
    bus.emit({ node: 'a', type: 'stopped', details: { code: null, signal: null, escalated: false } });
    bus.emit({ node: 'a', type: 'started', details: { pid: 7, attempt: 0 } });
    bus.emit({ node: 'a', type: 'crashed', details: { code: 1, signal: null } });
    const rows = store.queryEvents({ node: 'a', order: 'asc' });
    assert.deepEqual(
      rows.map((e) => [e.type, occurrences(e)]),
      [
        ['crashed', 1],
        ['restarting', 1],
        ['started', 1],
        ['crashed', 2],
        ['restarting', 2],
        ['started', 2],
        ['stopped', 1],
        ['started', 1],
        ['crashed', 1],
      ],
    );
  }));

test('a different exit code, reason or node is a different kind: never folded together', () =>
  withStore((store, bus) => {
    const emit = (e: EventInput): void => void bus.emit(e);
    emit({ node: 'a', type: 'crashed', details: { code: 1, signal: null } });
    emit({ node: 'a', type: 'crashed', details: { code: 2, signal: null } });
    emit({ node: 'a', type: 'crashed', details: { code: null, signal: 'SIGKILL' } });
    emit({ node: 'b', type: 'crashed', details: { code: 1, signal: null } });
    emit({ node: 'a', type: 'restarting', reason: 'crash', details: {} });
    emit({ node: 'a', type: 'restarting', reason: 'manual', details: {} });
    assert.equal(rowCount(store), 6);
    // The second of a kind starts the repeats row; the third updates it.
    emit({ node: 'a', type: 'crashed', details: { code: 2, signal: null } });
    emit({ node: 'a', type: 'crashed', details: { code: 2, signal: null } });
    assert.equal(rowCount(store), 7);
    assert.deepEqual(
      store
        .queryEvents({ node: 'a', type: 'crashed', order: 'asc' })
        .map((e) => [e.details['code'], occurrences(e)]),
      [
        [1, 1],
        [2, 1],
        [null, 1],
        [2, 2],
      ],
    );
  }));

test('events that are not repeated by a crash loop are never folded', () =>
  withStore((store, bus) => {
    for (let i = 0; i < 5; i++) bus.emit({ node: 'a', type: 'out_of_sync', details: { lag: i } });
    for (let i = 0; i < 5; i++) bus.emit({ node: null, type: 'config_error', details: { i } });
    assert.equal(rowCount(store), 10);
  }));

test('a repeats row pruned meanwhile: the next repeat writes a new row standing for all repeats so far', () =>
  withStore((store, bus, clock) => {
    for (let i = 0; i < 4; i++) {
      bus.emit({ node: 'a', type: 'crashed', details: { code: 1, signal: null, i } });
      clock.advance(10);
    }
    store.flush();
    store.db.prepare(`DELETE FROM events WHERE json_extract(details, '$.count') = 3`).run();
    bus.emit({ node: 'a', type: 'crashed', details: { code: 1, signal: null, i: 4 } });
    const rows = store.queryEvents({ node: 'a', order: 'asc' });
    assert.deepEqual(
      rows.map((e) => [e.details['i'], occurrences(e)]),
      [
        [0, 1],
        [4, 4],
      ],
    );
  }));

test('retention.maxEvents: prune keeps the newest maxEvents rows, oldest (by time, then id) deleted first', () =>
  withStore((store, bus, clock) => {
    for (let i = 0; i < 300; i++) {
      bus.emit({ node: `n${i % 7}`, type: 'in_sync', details: { i } });
      if (i % 3 === 2) clock.advance(1000); // three events share each timestamp
    }
    const r = store.prune({ eventsDays: 90, samplesDays: 30, maxEvents: 100 });
    assert.equal(r?.events, 200);
    assert.equal(rowCount(store), 100);
    const kept = store.queryEvents({ order: 'asc', limit: 1000 }).map((e) => e.details['i']);
    assert.deepEqual(
      kept,
      Array.from({ length: 100 }, (_, k) => 200 + k),
    );
    assert.equal(store.prune({ eventsDays: 90, samplesDays: 30, maxEvents: 100 })?.events, 0);
  }));

test('retention: the age bound and the count bound both apply in one prune', () =>
  withStore((store, bus, clock) => {
    for (let i = 0; i < 50; i++) {
      bus.emit({ node: 'a', type: 'in_sync', details: { i } });
      clock.advance(86_400_000); // one a day
    }
    // 50 days of events; 10 days kept by age, and of those at most 4.
    const r = store.prune({ eventsDays: 10, samplesDays: 30, maxEvents: 4 });
    assert.equal(r?.events, 46);
    assert.deepEqual(
      store.queryEvents({ order: 'asc' }).map((e) => e.details['i']),
      [46, 47, 48, 49],
    );
  }));
