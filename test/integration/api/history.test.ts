/**
 * `GET /api/nodes/:name/history` and `GET /api/uptime?timeline=1` over the
 * daemon's socket, against a real daemon sampling simulated nodes every
 * 100 ms: the series are the stored samples (all of them when they fit,
 * one per bucket when they do not), never more points than asked for, and
 * the timelines show the crashes the daemon recorded.
 */
import { after, before, describe, test } from 'node:test';
import assert from 'node:assert/strict';
import fs from 'node:fs';
import { NodewardenError } from '../../../src/errors.js';
import type { HistoryResponse, SeriesPoint } from '../../../src/protocol/types.js';
import type { RawSample } from '../../../src/store/types.js';
import { tmpDir, waitUntil, type TestDaemon } from '../../helpers/daemon.js';
import { startSteadyAndCrashy } from '../health/support.js';

describe('history API', { timeout: 120_000 }, () => {
  let t: TestDaemon;
  let chainDir: string;

  before(async () => {
    chainDir = tmpDir();
    t = await startSteadyAndCrashy(chainDir);
    // enough samples of steady for buckets to hold several each, and two crashes of crashy
    await waitUntil(
      () => t.daemon.store.querySamples({ node: 'steady', sinceMs: 0, resolution: 'raw' }).length >= 40,
      '40 samples of steady',
      30_000,
    );
    // steady recorded for longer than the 5 s window of the downsampling test
    await waitUntil(
      () =>
        (t.daemon.store.querySamples({ node: 'steady', sinceMs: 0, resolution: 'raw', limit: 1 })[0]?.ts ??
          Infinity) <
        Date.now() - 6000,
      'the first sample of steady 6 s old',
      30_000,
    );
  });

  after(async () => {
    await t?.close();
    if (chainDir) fs.rmSync(chainDir, { recursive: true, force: true });
  });

  const stored = (node: string, h: HistoryResponse): RawSample[] =>
    (t.daemon.store.querySamples({ node, sinceMs: 0, resolution: 'raw' }) as RawSample[]).filter(
      (s) => s.ts >= h.sinceMs && s.ts <= h.untilMs,
    );

  test('with room for every sample, each series is exactly the stored samples', async () => {
    // 30 s over 1000 buckets: 30 ms each, less than the 100 ms between two samples
    const h = await t.client.history('steady', { since: '30s', points: 1000 });
    assert.equal(h.source, 'raw');
    assert.equal(h.node, 'steady');
    assert.ok(h.fromMs >= h.sinceMs && h.step === Math.ceil((h.untilMs - h.fromMs) / 1000), `step ${h.step}`);
    assert.ok(h.step <= 30);
    const rows = stored('steady', h);
    assert.ok(rows.length >= 20 && rows.length <= 300, `${rows.length} samples`);
    const pick = (f: (s: RawSample) => number | null): SeriesPoint[] =>
      rows.flatMap((s) => (f(s) === null ? [] : [[s.ts, f(s)!] as SeriesPoint]));
    assert.deepEqual(
      h.series.cpu,
      pick((s) => s.cpuPercent),
    );
    assert.deepEqual(
      h.series.rss,
      pick((s) => s.rssBytes),
    );
    assert.deepEqual(
      h.series.height,
      pick((s) => s.height),
    );
    assert.deepEqual(
      h.series.lag,
      pick((s) => s.lag),
    );
    assert.deepEqual(
      h.series.reference,
      pick((s) => (s.height === null || s.lag === null ? null : s.height + s.lag)),
    );
    assert.ok(h.series.height!.length > 10, 'the height probe fed the samples');
    assert.ok(h.series.height!.at(-1)![1] > h.series.height![0]![1], 'the chain moved');
  });

  test('downsampled: at most `points` per series, one per bucket, the last height and the highest cpu', async () => {
    const points = 8;
    const h = await t.client.history('steady', { since: '5s', points, fields: 'height,cpu' });
    assert.deepEqual(Object.keys(h.series).sort(), ['cpu', 'height']);
    assert.equal(h.fromMs, h.sinceMs, 'steady is older than the window');
    assert.equal(h.step, 625, '5 s / 8 (under a second: whole ms)');
    const rows = stored('steady', h);
    const bucketOf = (ts: number): number =>
      Math.min(Math.ceil((h.untilMs - h.fromMs) / h.step) - 1, Math.floor((ts - h.fromMs) / h.step));
    for (const [field, keep] of [
      ['height', 'last'],
      ['cpu', 'max'],
    ] as const) {
      const series = h.series[field]!;
      assert.ok(series.length >= 1 && series.length <= points, `${field}: ${series.length} points`);
      const buckets = series.map(([ts]) => bucketOf(ts));
      assert.equal(new Set(buckets).size, buckets.length, `${field}: one point per bucket`);
      for (const [ts, v] of series) {
        const inBucket = rows.filter((s) => bucketOf(s.ts) === bucketOf(ts));
        const values = inBucket
          .map((s) => (field === 'height' ? s.height : s.cpuPercent))
          .filter((x) => x !== null);
        const expected = keep === 'last' ? values.at(-1) : Math.max(...(values as number[]));
        assert.equal(v, expected, `${field} at ${ts}`);
        assert.ok(
          inBucket.some((s) => s.ts === ts),
          `${field}: ${ts} is a stored sample's time`,
        );
      }
    }
  });

  test('a long window reads the per-minute aggregates, bounded too', async () => {
    const h = await t.client.history('steady', { since: '7d', points: 50 });
    assert.equal(h.source, 'minute');
    assert.ok(h.step >= 60_000 && h.step % 60_000 === 0, `step ${h.step}`);
    const minutes = t.daemon.store.querySamples({ node: 'steady', sinceMs: h.sinceMs, resolution: 'minute' });
    for (const field of ['height', 'cpu', 'rss', 'lag', 'reference'] as const) {
      const series = h.series[field]!;
      assert.ok(series.length <= 50, `${field}: ${series.length} points`);
      for (const [ts] of series)
        assert.ok(
          minutes.some((m) => m.ts === ts),
          `${field}: ${ts} is a stored minute`,
        );
    }
    assert.ok(h.series.rss!.length >= 1);
    const last = minutes.filter((m) => m.ts === h.series.rss!.at(-1)![0]).at(-1)!;
    assert.equal(h.series.rss!.at(-1)![1], last.rssMax);
  });

  test('uptime with timeline=1: state segments, restart ticks from the recorded crashes, nodes by state', async () => {
    const u = await t.client.uptimeTimeline({ since: '1h', points: 100 });
    const crashy = u.nodes.find((n) => n.node === 'crashy')!;
    const steady = u.nodes.find((n) => n.node === 'steady')!;
    assert.ok(crashy.timeline && steady.timeline);
    assert.ok(steady.timeline.segments.some((s) => s[2] === 'running'));
    for (const n of [crashy, steady]) {
      const segs = n.timeline!.segments;
      assert.ok(segs.length >= 1 && segs.length <= 100);
      for (let i = 0; i < segs.length; i++) {
        assert.ok(segs[i]![0] < segs[i]![1], 'a segment has length');
        assert.ok(segs[i]![0] >= u.sinceMs && segs[i]![1] <= u.untilMs, 'inside the window');
        if (i > 0) assert.ok(segs[i]![0] >= segs[i - 1]![1], 'in time order, not overlapping');
      }
    }
    // every recorded crash is a tick (a crash and its restart within a second are one tick)
    const crashes = t.daemon.store
      .queryEvents({
        node: 'crashy',
        type: 'crashed',
        sinceMs: u.sinceMs,
        untilMs: u.untilMs + 1,
        order: 'asc',
      })
      .map((e) => e.ts);
    const ticks = crashy.timeline!.restarts;
    assert.ok(ticks.length >= 2, JSON.stringify(ticks));
    for (const c of crashes)
      assert.ok(
        ticks.some(([ts]) => Math.abs(ts - c) <= 1000),
        `crash at ${c} has a tick`,
      );
    assert.deepEqual(steady.timeline!.restarts, []);
    // nodes by state: never more than the nodes, and the last point counts both
    const { states } = u;
    assert.ok(states && states.ts.length >= 1 && states.ts.length <= 100);
    for (let i = 0; i < states.ts.length; i++) {
      const sum = Object.values(states.counts).reduce((a, c) => a + c[i]!, 0);
      assert.ok(sum <= 2, `at most 2 nodes at ${states.ts[i]}`);
    }
    const lastSum = Object.values(states.counts).reduce((a, c) => a + c.at(-1)!, 0);
    assert.equal(lastSum, 2);
    // compatible: without timeline=1 the answer is what it was
    const plain = await t.client.uptime('1h');
    assert.equal(plain.states, undefined);
    assert.ok(plain.nodes.every((n) => n.timeline === undefined));
  });

  test('bad input is refused naming the key and the value; an unknown node is 404', async () => {
    const refused = async (p: Promise<unknown>, code: string, match: RegExp): Promise<void> => {
      await assert.rejects(p, (err: unknown) => {
        assert.ok(err instanceof NodewardenError, String(err));
        assert.equal(err.code, code);
        assert.match(err.message, match);
        return true;
      });
    };
    await refused(t.client.history('steady', { fields: 'height,mood' }), 'E_BAD_REQUEST', /fields.*"mood"/);
    await refused(t.client.history('steady', { since: 'yesterday' }), 'E_BAD_REQUEST', /since.*"yesterday"/);
    await refused(t.client.history('steady', { points: 5000 }), 'E_BAD_REQUEST', /points/);
    await refused(t.client.history('nosuch'), 'E_NODE_NOT_FOUND', /nosuch/);
  });
});
