import { describe, test } from 'node:test';
import assert from 'node:assert/strict';
import { lowerMedian } from '../../../src/policy/sync-references.js';
import { runScript, tip } from './sync-harness.js';

/**
 * External references with quorum, on the sync harness (FakeClock, one round
 * of readings a second; stallMs 20 s, readings stale after 3 s, 3 failures in
 * a row make a reference failed). `tip(t)` is the true network height.
 */

const liar = (t: number): number => tip(t) + 1000;
const frozenAt = (ms: number) => (t: number) => tip(Math.min(t, ms));
const down = (): string => 'connect ECONNREFUSED 127.0.0.1:1';

describe('lowerMedian', () => {
  test('middle value; the lower middle one of an even count; null for none', () => {
    assert.equal(lowerMedian([]), null);
    assert.equal(lowerMedian([7]), 7);
    assert.equal(lowerMedian([9, 1]), 1);
    assert.equal(lowerMedian([5, 1000, 3]), 5);
    assert.equal(lowerMedian([4, 1, 1000, 3]), 3);
  });
});

describe('reference quorum', () => {
  test('median of references with one lying high, one stalled and one down: the honest tip, no false verdict', () => {
    const o = runScript({
      nodes: { a: tip },
      references: { h1: tip, h2: tip, liar, stalled: frozenAt(10_000), down },
      until: 60_000,
    });
    assert.deepEqual(o.events, [], 'a node following the network is never out of sync');
    assert.equal(o.health('a'), 'in_sync');
    o.referenceTimeline.forEach((r, t) => assert.equal(r, tip(t * 1000), `reference at ${t} s is the tip`));
    assert.deepEqual(o.referenceEvents, [
      'down:reference_failed(probe_failed)@2000',
      'stalled:reference_failed(stalled)@30000',
    ]);
  });

  test('the same references still let a truly lagging node go out of sync (restart), on time', () => {
    const o = runScript({
      nodes: { b: frozenAt(10_000) },
      references: { h1: tip, h2: tip, liar, stalled: frozenAt(10_000), down },
      until: 40_000,
    });
    // Alone in its group, b is judged against the references only: behind by > 5 from 16 s, windowMs 10 s.
    assert.deepEqual(o.events, ['b:out_of_sync@26000']);
    const ev = o.all.find((c) => c.event === 'out_of_sync')!.evidence;
    // Judged as the first reference of the round answered: the others still hold last second's height.
    assert.ok(ev.reference === tip(25_000) || ev.reference === tip(26_000), `reference ${ev.reference}`);
  });

  test('a stalled reference at the lagging node height does not block its verdict (median of three moves)', () => {
    const o = runScript({
      nodes: { b: frozenAt(10_000) },
      references: { h1: tip, h2: tip, stalled: frozenAt(10_000) },
      until: 40_000,
    });
    assert.deepEqual(o.events, ['b:out_of_sync@26000']);
    assert.equal(o.referenceTimeline[20], tip(20_000));
  });

  test('a lying reference left alone (the others down) is not followed: no verdict from it', () => {
    const o = runScript({
      nodes: { a: tip },
      references: { liar, d1: down, d2: down },
      until: 40_000,
    });
    assert.deepEqual(o.events, []);
    assert.equal(o.health('a'), 'in_sync');
    assert.equal(o.referenceTimeline.at(-1), tip(40_000), "the group's own height, not the lie");
    assert.deepEqual(o.referenceEvents, [
      'd1:reference_failed(probe_failed)@2000',
      'd2:reference_failed(probe_failed)@2000',
    ]);
  });

  test('with two references the lower one counts: a liar next to an honest one changes nothing', () => {
    const o = runScript({ nodes: { a: tip, b: tip }, references: { h1: tip, liar }, until: 30_000 });
    assert.deepEqual(o.events, []);
    assert.equal(o.referenceTimeline.at(-1), tip(30_000));
  });

  test('a lying reference among members in sync never makes one out of sync, even when most references lie low', () => {
    const o = runScript({
      nodes: { a: tip, b: tip },
      references: { liar, low1: () => 50, low2: () => 60 },
      until: 30_000,
    });
    assert.deepEqual(o.events, []);
    // Members are ours and count at their best: the low references cannot pull the reference down.
    assert.equal(o.referenceTimeline.at(-1), tip(30_000));
  });

  test('failures are episodes: a blip is nothing, a failing reference is told once and its recovery once', () => {
    const flaky = (t: number) => (t === 5_000 || t === 6_000 ? 'timeout' : tip(t));
    const outage = (t: number) => (t >= 10_000 && t < 40_000 ? 'HTTP 502' : tip(t));
    const o = runScript({ nodes: { a: tip }, references: { flaky, outage, h: tip }, until: 60_000 });
    assert.deepEqual(o.referenceEvents, [
      'outage:reference_failed(probe_failed)@12000',
      'outage:reference_recovered(probe_failed)@40000',
    ]);
    assert.deepEqual(o.events, [], 'no node verdict from a reference');
  });

  test('a stalled reference that moves again recovers', () => {
    const stuck = (t: number) => (t < 10_000 || t >= 45_000 ? tip(t) : tip(10_000));
    const o = runScript({ nodes: { a: tip }, references: { stuck, h1: tip, h2: tip }, until: 50_000 });
    assert.deepEqual(o.referenceEvents, [
      'stuck:reference_failed(stalled)@30000',
      'stuck:reference_recovered(stalled)@45000',
    ]);
  });
});
