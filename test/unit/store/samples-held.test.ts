import { test } from 'node:test';
import assert from 'node:assert/strict';
import { nullLogger } from '../../../src/logger.js';
import { openStore } from '../../../src/store/db.js';
import type { Store } from '../../../src/store/store.js';
import type { SampleInput } from '../../../src/store/types.js';
import { FakeClock, nextTick, tempDir } from './helpers.js';

const M0 = Date.UTC(2024, 0, 1, 10, 0);
const MINUTE = 60_000;

function withStore(fn: (store: Store) => Promise<void>): Promise<void> {
  const { dir, cleanup } = tempDir();
  const store = openStore(dir, { logger: nullLogger, clock: new FakeClock(M0) });
  return fn(store).finally(() => {
    store.close();
    cleanup();
  });
}

const rows = (store: Store, table: string): number =>
  store.db.prepare(`SELECT count(*) FROM ${table}`).pluck().get() as number;

const sample = (ts: number, s: Partial<SampleInput>): SampleInput => ({
  node: 'a',
  ts,
  cpuPercent: null,
  rssBytes: null,
  height: null,
  lag: null,
  health: null,
  ...s,
});

test('samples wait in memory for their minute to end, then land raw and folded per node-minute', () =>
  withStore(async (store) => {
    store.recordSample(sample(M0 + 5000, { cpuPercent: 1, rssBytes: 10, height: 5, health: 'syncing' }));
    store.recordSample(sample(M0 + 5000, { node: 'b', cpuPercent: 7, rssBytes: 70 }));
    store.recordSample(sample(M0 + 10_000, { rssBytes: 30, lag: 2 }));
    store.recordSample(sample(M0 + 15_000, { cpuPercent: 3, rssBytes: 20, lag: 1, health: 'in_sync' }));
    await nextTick();
    assert.equal(rows(store, 'samples_raw'), 0, 'held while the minute lasts');

    store.recordSample(sample(M0 + MINUTE + 5000, { cpuPercent: 2, height: 6 }));
    await nextTick();
    assert.equal(rows(store, 'samples_raw'), 4, 'the next minute releases the previous one');
    const minute = (node: string, ts: number) =>
      store.db.prepare('SELECT * FROM samples_minute WHERE node = ? AND minute_ts = ?').get(node, ts);
    assert.deepEqual(minute('a', M0), {
      node: 'a',
      minute_ts: M0,
      n: 3,
      cpu_n: 2,
      cpu_sum: 4,
      cpu_max: 3,
      rss_max: 30,
      height_last: 5,
      lag_max: 2,
      health_last: 'in_sync',
      last_ts: M0 + 15_000,
    });
    assert.equal((minute('b', M0) as { n: number }).n, 1);

    // a reader sees the samples still held; a later part of the same minute folds into the written row
    assert.equal(store.querySamples({ sinceMs: M0 + MINUTE, resolution: 'raw' }).length, 1);
    store.recordSample(sample(M0 + MINUTE + 10_000, { cpuPercent: 4, rssBytes: 5, lag: 9 }));
    store.recordSample(sample(M0 + MINUTE + 15_000, { height: 7, health: 'in_sync' }));
    assert.deepEqual(store.querySamples({ node: 'a', sinceMs: M0 + MINUTE, resolution: 'minute' }), [
      {
        node: 'a',
        ts: M0 + MINUTE,
        samples: 3,
        cpuAvg: 3,
        cpuMax: 4,
        rssMax: 5,
        height: 7,
        lagMax: 9,
        health: 'in_sync',
      },
    ]);
    assert.equal(rows(store, 'samples_raw'), 7);
  }));

test('closing the store writes the samples held', async () => {
  const { dir, cleanup } = tempDir();
  try {
    let store = openStore(dir, { logger: nullLogger, clock: new FakeClock(M0) });
    store.recordSample(sample(M0 + 5000, { cpuPercent: 1 }));
    store.close();
    store = openStore(dir, { logger: nullLogger, clock: new FakeClock(M0) });
    assert.equal(rows(store, 'samples_raw'), 1);
    assert.equal(rows(store, 'samples_minute'), 1);
    store.close();
  } finally {
    cleanup();
  }
});

test('a large minute reaches the database a slice per turn of the event loop; a read takes the rest at once', () =>
  withStore(async (store) => {
    for (let i = 0; i < 1200; i++) store.recordSample(sample(M0 + i, { node: `n${i % 300}`, cpuPercent: 1 }));
    store.recordSample(sample(M0 + MINUTE, { cpuPercent: 1 }));
    await nextTick();
    assert.equal(rows(store, 'samples_raw'), 500, 'one slice in this turn');
    assert.equal(store.querySamples({ sinceMs: M0, resolution: 'raw' }).length, 1201);
    assert.equal(rows(store, 'samples_minute'), 301);
    await nextTick();
    await nextTick();
    assert.equal(rows(store, 'samples_raw'), 1201, 'nothing written twice');
  }));
