/**
 * `uptime --rank` over a real store file: state intervals and probe runs
 * written through the Store API (nodes as the supervisor records them,
 * watch-only targets as `up`/`down` intervals), ranked by uptime, then by
 * median probe latency; exact medians from every run within the last day,
 * histogram medians for longer windows (runs at the window's leading edge); retention of the probe records; the uptime
 * export's ranking columns.
 */
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { exportUptime } from '../../../src/store/exports.js';
import { probeRecorder } from '../../../src/store/attach.js';
import { bucketLatencyMs, latencyBucket } from '../../../src/store/probes.js';
import type { Store } from '../../../src/store/store.js';
import { T0, withPlainStore } from './helpers.js';

const at = (s: number): number => T0 + s * 1000;
const HOUR = 3600;

const state = (store: Store, node: string, to: string, s: number, pid: number | null = null): void =>
  store.recordState({ node, from: '?', to, pid, ts: at(s) });

const probe = (store: Store, name: string, s: number, ms: number, ok = true): void =>
  store.recordProbe({ name, probe: 'height', ts: at(s), seconds: ms / 1000, ok });

test('rank: uptime first (hand-computed from the transitions), then median latency; targets rank with nodes', () => {
  withPlainStore((store, clock) => {
    // Nodes, as the supervisor records them (with their crash-safety row).
    store.recordProcess('steady', null, null);
    store.recordProcess('flaky', null, null);
    store.recordProcess('slow', null, null);
    state(store, 'steady', 'running', 0, 10);
    state(store, 'slow', 'running', 0, 11);
    // flaky: running 0–600 s, crashed → backoff 600–900 s, running again from 900 s.
    state(store, 'flaky', 'running', 0, 12);
    state(store, 'flaky', 'exited', 600);
    state(store, 'flaky', 'backoff', 601);
    state(store, 'flaky', 'starting', 900, 13);
    state(store, 'flaky', 'running', 901, 13);
    // A watch-only target: up 0–1000 s, down 1000–1500 s, up again from 1500 s.
    state(store, 'explorer', 'up', 0);
    state(store, 'explorer', 'down', 1000);
    state(store, 'explorer', 'up', 1500);
    // A target up the whole time, probed fastest of all.
    state(store, 'pool', 'up', 0);
    for (let s = 10; s < 3600; s += 60) {
      probe(store, 'steady', s, 5);
      probe(store, 'slow', s, 300);
      probe(store, 'flaky', s, 1);
      probe(store, 'explorer', s, 2, s < 1000 || s >= 1500);
      probe(store, 'pool', s, 0.5);
    }
    clock.wall = at(HOUR);
    const rows = store.rank({ sinceMs: T0, untilMs: at(HOUR) });
    assert.deepEqual(
      rows.map((r) => [r.rank, r.name, r.kind]),
      [
        [1, 'pool', 'target'],
        [2, 'steady', 'node'],
        [3, 'slow', 'node'],
        [4, 'flaky', 'node'],
        [5, 'explorer', 'target'],
      ],
    );
    const by = new Map(rows.map((r) => [r.name, r]));
    // flaky: up 600 + (3600 − 901) = 3299 of 3600 s.
    assert.equal(by.get('flaky')!.upSeconds, 3299);
    assert.equal(by.get('flaky')!.uptimePercent, (100 * 3299) / 3600);
    assert.equal(by.get('flaky')!.intervals, 5);
    // explorer: up 1000 + 2100 = 3100 of 3600 s; down counts against, never as no data.
    assert.equal(by.get('explorer')!.uptimePercent, (100 * 3100) / 3600);
    assert.equal(by.get('explorer')!.observedSeconds, 3600);
    assert.equal(by.get('explorer')!.intervals, 3);
    // steady and slow tie at 100 %: the lower median latency ranks first.
    assert.equal(by.get('steady')!.uptimePercent, 100);
    assert.equal(by.get('slow')!.uptimePercent, 100);
    assert.equal(by.get('steady')!.medianLatencyMs, 5);
    assert.equal(by.get('slow')!.medianLatencyMs, 300);
    assert.equal(by.get('steady')!.probeSamples, 60);
    assert.equal(by.get('steady')!.failedProbes, 0);
    assert.equal(by.get('steady')!.latencySource, 'raw');
    // explorer failed the 8 runs at 1030 … 1450 s; its median is over the successful ones.
    assert.equal(by.get('explorer')!.failedProbes, 8);
    assert.equal(by.get('explorer')!.probeSamples, 60);
    assert.equal(by.get('explorer')!.medianLatencyMs, 2);
  });
});

test('rank: a name with no observed time ranks last; one without successful probe runs after those with', () => {
  withPlainStore((store, clock) => {
    store.recordProcess('a', null, null);
    store.recordProcess('b', null, null);
    state(store, 'a', 'running', 0, 1);
    state(store, 'b', 'running', 0, 2);
    probe(store, 'a', 10, 50, false);
    probe(store, 'b', 10, 400);
    // Probe runs of a name that has no interval at all: no uptime figure.
    probe(store, 'ghost', 20, 1);
    clock.wall = at(100);
    const rows = store.rank({ sinceMs: T0 });
    assert.deepEqual(
      rows.map((r) => [r.name, r.uptimePercent, r.medianLatencyMs]),
      [
        ['b', 100, 400],
        ['a', 100, null],
        ['ghost', null, 1],
      ],
    );
    assert.equal(rows[2]!.kind, 'target');
    assert.equal(rows[2]!.intervals, 0);
  });
});

test('rank: the exact median of every run (odd and even counts)', () => {
  withPlainStore((store, clock) => {
    state(store, 'odd', 'running', 0, 1);
    state(store, 'even', 'running', 0, 2);
    [30, 10, 20].forEach((ms, i) => probe(store, 'odd', 10 + i, ms));
    [40, 10, 20, 30].forEach((ms, i) => probe(store, 'even', 10 + i, ms));
    clock.wall = at(100);
    const by = new Map(store.rank({ sinceMs: T0 }).map((r) => [r.name, r]));
    assert.equal(by.get('odd')!.medianLatencyMs, 20);
    assert.equal(by.get('even')!.medianLatencyMs, 25);
  });
});

test('rank: a window longer than an hour reads the hourly histograms (median within ±5 %), counts stay exact', () => {
  withPlainStore((store, clock) => {
    state(store, 'n', 'running', 0, 1);
    // Three days of one run a minute: mostly 37 ms, every third 120 ms, some 900 ms; every 11th fails.
    let runs = 0;
    for (let s = 0; s < 3 * 24 * HOUR; s += 60) {
      const ms = runs % 3 === 2 ? 120 : runs % 7 === 0 ? 900 : 37;
      probe(store, 'n', s, ms, runs % 11 !== 0);
      runs++;
    }
    clock.wall = at(3 * 24 * HOUR);
    const [row] = store.rank({ sinceMs: T0 });
    assert.equal(row!.latencySource, 'histogram');
    assert.equal(row!.probeSamples, runs);
    assert.equal(row!.failedProbes, Math.ceil(runs / 11));
    // The lower middle of the successful runs, from the raw rows still there.
    const ok = store.db
      .prepare('SELECT seconds * 1000 FROM probe_samples WHERE ok = 1 ORDER BY seconds')
      .pluck()
      .all() as number[];
    const middle = ok[Math.ceil(ok.length / 2) - 1]!;
    assert.ok(
      Math.abs(row!.medianLatencyMs! - middle) / middle <= 0.05,
      `${row!.medianLatencyMs} vs ${middle}`,
    );
    // An hour within the last day: the exact median of every run.
    const [recent] = store.rank({ sinceMs: at(3 * 24 * HOUR - HOUR) });
    assert.equal(recent!.latencySource, 'raw');
    // Within the last day, off the hour: whole hours from the histograms, the leading part from the runs.
    const since = at(2 * 24 * HOUR + 1234);
    const [edge] = store.rank({ sinceMs: since });
    assert.equal(edge!.latencySource, 'histogram');
    const count = (sql: string): number => store.db.prepare(sql).pluck().get(since) as number;
    assert.equal(edge!.probeSamples, count('SELECT count(*) FROM probe_samples WHERE ts >= ?'));
    assert.equal(edge!.failedProbes, count('SELECT count(*) FROM probe_samples WHERE ts >= ? AND ok = 0'));
  });
});

test('latency buckets: each value falls in a bucket whose middle is within 5 %', () => {
  for (const ms of [0.02, 0.5, 1, 3.3, 37, 120, 299.9, 300, 1000, 30_000]) {
    const mid = bucketLatencyMs(latencyBucket(ms));
    assert.ok(Math.abs(mid - ms) / ms <= 0.05, `${ms} → ${mid}`);
  }
  assert.equal(latencyBucket(0), 0);
});

test('probe runs are pruned: raw after a day, hourly histograms after samplesDays', () => {
  withPlainStore((store, clock) => {
    probe(store, 'n', 0, 10);
    clock.wall = at(3 * 24 * HOUR);
    probe(store, 'n', 3 * 24 * HOUR - 60, 10);
    const r = store.prune({ eventsDays: 30, samplesDays: 2 });
    assert.equal(r!.probeSamples, 1);
    assert.equal(r!.probeHours, 1);
    assert.equal(store.db.prepare('SELECT count(*) FROM probe_samples').pluck().get(), 1);
    assert.equal(store.db.prepare('SELECT count(*) FROM probe_hour').pluck().get(), 1);
  });
});

test("probeRecorder keeps a node's height probe and every probe of a target", () => {
  withPlainStore((store, clock) => {
    const nodes = new Set(['n']);
    const rec = probeRecorder(
      store,
      (x) => nodes.has(x),
      () => clock.wallNow(),
    );
    rec('n', 'height', 0.01, true);
    rec('n', 'version', 0.01, true);
    rec('t', 'status', 0.02, false);
    store.flush();
    assert.deepEqual(store.db.prepare('SELECT name, probe, ok FROM probe_samples ORDER BY name').all(), [
      { name: 'n', probe: 'height', ok: 1 },
      { name: 't', probe: 'status', ok: 0 },
    ]);
  });
});

test('200 targets probed in one tick are written in one transaction', () => {
  withPlainStore((store, clock) => {
    let commits = 0;
    const real = store.db.transaction.bind(store.db);
    // The write queue commits each batch with `transaction(fn).immediate()`.
    store.db.transaction = ((fn: () => void) => {
      const t = real(fn);
      return {
        immediate: () => {
          commits++;
          t.immediate();
        },
      };
    }) as unknown as typeof store.db.transaction;
    for (let i = 0; i < 200; i++) probe(store, `t-${i}`, 1, i);
    store.flush();
    clock.wall = at(10);
    assert.equal(commits, 1);
    assert.equal(store.db.prepare('SELECT count(*) FROM probe_samples').pluck().get(), 200);
  });
});

test('export uptime carries the ranking columns after the existing ones', () => {
  withPlainStore((store, clock) => {
    store.recordProcess('a', null, null);
    state(store, 'a', 'running', 0, 1);
    state(store, 't', 'up', 0);
    state(store, 't', 'down', 50);
    probe(store, 'a', 10, 12.3456);
    clock.wall = at(100);
    const csv = exportUptime(store, { sinceMs: T0 }, 'csv').split('\r\n');
    assert.equal(
      csv[0],
      'node,uptimePercent,upSeconds,observedSeconds,from,to,rank,kind,intervals,medianLatencyMs,probeSamples,failedProbes,latencySource',
    );
    assert.equal(csv[1], 't,50,50,100,2024-01-01T00:00:00.000Z,2024-01-01T00:01:40.000Z,2,target,2,,0,0,');
    assert.equal(
      csv[2],
      'a,100,100,100,2024-01-01T00:00:00.000Z,2024-01-01T00:01:40.000Z,1,node,1,12.346,1,0,raw',
    );
  });
});
