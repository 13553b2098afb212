import { test } from 'node:test';
import assert from 'node:assert/strict';
import { EventBus } from '../../../src/events/bus.js';
import { attachStore } from '../../../src/store/attach.js';
import type { SampleInput } from '../../../src/store/types.js';
import { T0, withPlainStore } from './helpers.js';

const MIN = 60_000;
const DAY = 86_400_000;

const sample = (over: Partial<SampleInput> & { ts: number }): SampleInput => ({
  node: 'a',
  cpuPercent: null,
  rssBytes: null,
  height: null,
  lag: null,
  health: null,
  ...over,
});

test('samples fold into per-minute aggregates: avg/max cpu, max rss, last height, max lag, last health', () =>
  withPlainStore((store) => {
    store.recordSample(
      sample({ ts: T0 + 1_000, cpuPercent: 10, rssBytes: 500, height: 100, lag: 5, health: 'syncing' }),
    );
    store.recordSample(
      sample({ ts: T0 + 20_000, cpuPercent: 30, rssBytes: 900, height: 103, lag: 2, health: 'in_sync' }),
    );
    // a failed probe: no height, no health; cpu still known
    store.recordSample(sample({ ts: T0 + 40_000, cpuPercent: 20, rssBytes: 700 }));
    store.recordSample(
      sample({ ts: T0 + MIN + 5_000, cpuPercent: 50, rssBytes: 100, height: 110, lag: 0, health: 'in_sync' }),
    );
    store.recordSample(sample({ node: 'b', ts: T0 + 2_000, cpuPercent: 1.5 }));

    const raw = store.querySamples({ node: 'a', sinceMs: T0, resolution: 'raw' });
    assert.equal(raw.length, 4);
    assert.deepEqual(raw[0], {
      node: 'a',
      ts: T0 + 1_000,
      cpuPercent: 10,
      rssBytes: 500,
      height: 100,
      lag: 5,
      health: 'syncing',
    });

    const minutes = store.querySamples({ node: 'a', sinceMs: T0, resolution: 'minute' });
    assert.deepEqual(minutes, [
      {
        node: 'a',
        ts: T0,
        samples: 3,
        cpuAvg: 20,
        cpuMax: 30,
        rssMax: 900,
        height: 103,
        lagMax: 5,
        health: 'in_sync',
      },
      {
        node: 'a',
        ts: T0 + MIN,
        samples: 1,
        cpuAvg: 50,
        cpuMax: 50,
        rssMax: 100,
        height: 110,
        lagMax: 0,
        health: 'in_sync',
      },
    ]);
    const all = store.querySamples({ sinceMs: T0, untilMs: T0 + MIN, resolution: 'minute' });
    assert.deepEqual(
      all.map((m) => [m.node, m.samples, m.cpuAvg]),
      [
        ['a', 3, 20],
        ['b', 1, 1.5],
      ],
    );
  }));

test('a minute with no cpu readings has a null average, not zero', () =>
  withPlainStore((store) => {
    store.recordSample(sample({ ts: T0, height: 5 }));
    const [m] = store.querySamples({ sinceMs: T0, resolution: 'minute' });
    assert.equal(m?.cpuAvg, null);
    assert.equal(m?.cpuMax, null);
    assert.equal(m?.height, 5);
  }));

test('prune keeps raw samples one day, minutes samplesDays, events and closed intervals eventsDays', () =>
  withPlainStore((store, clock) => {
    const bus = new EventBus(() => clock.wallNow());
    attachStore(bus, store);
    // day 0: an event, an interval that closes, samples
    bus.emitState({ node: 'a', from: 'stopped', to: 'running', pid: 1 });
    bus.emit({ node: 'a', type: 'started' });
    store.recordSample(sample({ ts: clock.wall, cpuPercent: 1 }));
    clock.advance(DAY / 2);
    bus.emitState({ node: 'a', from: 'running', to: 'stopped', pid: null }); // closes the day-0 interval
    // day 3: fresh data
    clock.advance(3 * DAY);
    bus.emit({ node: 'a', type: 'crashed' });
    store.recordSample(sample({ ts: clock.wall, cpuPercent: 2 }));

    const now = clock.wallNow();
    assert.deepEqual(store.prune({ eventsDays: 30, samplesDays: 7 }, now), {
      events: 0,
      intervals: 0,
      rawSamples: 1,
      minuteSamples: 0,
      probeSamples: 0,
      probeHours: 0,
    });
    assert.equal(store.querySamples({ sinceMs: 0, resolution: 'raw' }).length, 1);
    assert.equal(store.querySamples({ sinceMs: 0, resolution: 'minute' }).length, 2);

    assert.deepEqual(store.prune({ eventsDays: 2, samplesDays: 2 }, now), {
      events: 1,
      intervals: 1,
      rawSamples: 0,
      minuteSamples: 1,
      probeSamples: 0,
      probeHours: 0,
    });
    assert.deepEqual(
      store.queryEvents().map((e) => e.type),
      ['crashed'],
    );
    // the still-open interval is never pruned: the node's current state stays known
    assert.equal(
      store.db.prepare('SELECT count(*) FROM state_intervals WHERE end_ts IS NULL').pluck().get(),
      1,
    );
    assert.equal(store.querySamples({ sinceMs: 0, resolution: 'minute' }).length, 1);
  }));

test('prune defaults to the injected clock', () =>
  withPlainStore((store, clock) => {
    store.recordSample(sample({ ts: clock.wall }));
    clock.advance(DAY + 1);
    assert.equal(store.prune({ eventsDays: 30, samplesDays: 30 })?.rawSamples, 1);
  }));
