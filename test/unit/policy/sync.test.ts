import { describe, test } from 'node:test';
import assert from 'node:assert/strict';
import { toHeight } from '../../../src/monitoring/probes/value.js';
import { runScript, tip } from './sync-harness.js';

/**
 * The sync rules of DESIGN §3 as table tests: scripted readings on a FakeClock,
 * no sleeps. Defaults (sync-harness.ts): maxLag 5, windowMs 10 s, stallMs 20 s,
 * startupGraceMs 5 s, unreachable after 3 failures, readings stale after 3 s,
 * one reading per node per second, the tip moving one block a second.
 */

const frozenAfter = (ms: number) => (t: number) => tip(Math.min(t, ms));

/** A block a second until 10 s (height 110), idle until 70 s, one block (111), then idle again. */
const idleChain = (t: number): number => (t < 10_000 ? tip(Math.max(0, t)) : t < 70_000 ? 110 : 111);

/** Gaps between blocks of a slow chain, in minutes (mean about 10, like Bitcoin's), repeated. */
const GAPS_MIN = [10, 25, 1, 10, 15, 4, 20, 8, 12, 3];

/** Height of the slow chain at t ms: 500 at t ≤ 0, one block at the end of each gap. */
function slowChain(t: number): number {
  let h = 500;
  let at = 0;
  for (let i = 0; ; i++) {
    at += GAPS_MIN[i % GAPS_MIN.length]! * 60_000;
    if (at > t) return h;
    h++;
  }
}

describe('sync verdicts', () => {
  const cases: { name: string; run: () => void }[] = [
    {
      name: 'a group following the tip is in sync, with no events',
      run: () => {
        const o = runScript({ nodes: { a: tip, b: tip, c: tip }, until: 30_000 });
        assert.deepEqual(o.events, []);
        for (const n of ['a', 'b', 'c']) assert.equal(o.health(n), 'in_sync');
      },
    },
    {
      name: 'no verdict during startupGraceMs after a start',
      run: () => {
        const o = runScript({ nodes: { a: tip, b: () => 0 }, until: 4_000 });
        assert.deepEqual(o.timeline.b, ['unknown', 'unknown', 'unknown', 'unknown', 'unknown']);
        assert.deepEqual(o.changes, []);
      },
    },
    {
      name: 'a stalled node (lag above maxLag, not shrinking, for windowMs) is out_of_sync once',
      run: () => {
        const o = runScript({ nodes: { a: tip, b: frozenAfter(10_000) }, until: 40_000 });
        // b falls > 5 behind at t=16 s; 10 s later (t=26 s) it is out of sync.
        assert.deepEqual(o.events, ['b:out_of_sync@26000']);
        assert.equal(o.health('a'), 'in_sync');
        const ev = o.all.find((c) => c.event === 'out_of_sync')!.evidence;
        assert.equal(ev.rule, 'lag');
        assert.equal(ev.height, 110);
        assert.equal(ev.reference, 126);
        assert.equal(ev.lag, 16);
        assert.equal(ev.since, o.clock.wallNow() - (40_000 - 16_000));
        assert.equal(o.timeline.b[16], 'syncing', 'behind for less than windowMs: syncing');
      },
    },
    {
      name: 'a frozen height is out_of_sync by the stall rule (stallMs after the chain moved on), before the lag window',
      run: () => {
        // Height frozen at 110 from t=10 s; the tip moves on at 11 s; windowMs too long for the lag rule.
        const o = runScript({
          nodes: { a: tip, b: frozenAfter(10_000) },
          settings: { windowMs: 60_000 },
          until: 35_000,
        });
        assert.deepEqual(o.events, ['b:out_of_sync@31000']);
        const ev = o.all.at(-1)!.evidence;
        assert.equal(ev.rule, 'stall');
        assert.equal(ev.lag, 21);
      },
    },
    {
      name: 'regression: a node within maxLag is never out of sync, frozen or not',
      run: () => {
        // Height frozen at 110 from t=10 s; maxLag too big for it ever to be exceeded.
        const o = runScript({
          nodes: { a: tip, b: frozenAfter(10_000) },
          settings: { maxLag: 1000 },
          until: 60_000,
        });
        assert.deepEqual(o.events, []);
        assert.ok(!o.timeline.b!.includes('out_of_sync'), o.changes.join(' '));
        assert.equal(o.health('b'), 'in_sync');
        assert.equal(o.policy.view('b').lag, 50);
      },
    },
    {
      name: 'regression: a chain idle for longer than stallMs moves one block; nodes that see it 1 s or 3 s late stay in sync',
      run: () => {
        // The tip moves one block a second until 10 s, idles for 60 s (3 × stallMs), moves one block, idles.
        const o = runScript({
          nodes: { a: idleChain, b: (t) => idleChain(t - 1_000), c: (t) => idleChain(t - 3_000) },
          until: 120_000,
        });
        assert.deepEqual(o.events, []);
        assert.deepEqual(o.changes, [
          'a:unknown->in_sync@5000',
          'b:unknown->in_sync@5000',
          'c:unknown->in_sync@5000',
        ]);
        // At 70 s b is one block behind for a second, c for three: lag 1, in sync.
        assert.equal(o.policy.view('c').lag, 0);
        for (const n of ['a', 'b', 'c'])
          assert.ok(
            o.timeline[n]!.every((h, i) => i < 5 || h === 'in_sync'),
            n,
          );
      },
    },
    {
      name: 'after an idle spell the stall rule still sees a node left behind once the chain moves on',
      run: () => {
        // The chain idles from 10 s to 70 s, then moves a block a second; b stays at 110.
        const moving = (t: number) => (t < 70_000 ? idleChain(t) : 110 + Math.floor((t - 69_000) / 1000));
        const o = runScript({
          nodes: { a: moving, b: (t) => Math.min(moving(t), 110) },
          settings: { windowMs: 60_000 },
          until: 100_000,
        });
        // The reference first rose past 110 at 70 s: stallMs (20 s) later b is out of sync; the idle minute never counted.
        assert.deepEqual(o.events, ['b:out_of_sync@90000']);
        assert.equal(o.all.at(-1)!.evidence.rule, 'stall');
        assert.equal(o.timeline.b![89], 'syncing');
      },
    },
    {
      name: 'regression: a chain with 10-minute blocks (and a 25-minute gap) keeps every node in sync with the defaults',
      run: () => {
        // DESIGN defaults: maxLag 10, windowMs 5 min, stallMs 10 min, grace 2 min; probes every 10 s.
        const o = runScript({
          nodes: {
            fast: slowChain,
            late: (t) => slowChain(t - 30_000),
            laggard: (t) => slowChain(t - 120_000),
          },
          settings: {
            maxLag: 10,
            windowMs: 300_000,
            stallMs: 600_000,
            startupGraceMs: 120_000,
            staleMs: 30_000,
          },
          tick: 10_000,
          until: 3 * 3_600_000,
        });
        assert.deepEqual(o.events, []);
        for (const n of ['fast', 'late', 'laggard']) {
          assert.ok(
            o.timeline[n]!.every((h, i) => i < 12 || h === 'in_sync'),
            `${n}: ${o.changes.join(' ')}`,
          );
        }
        assert.ok(slowChain(3 * 3_600_000) - slowChain(0) >= 15, 'the chain did move');
      },
    },
    {
      name: 'regression: heights as decimal strings that gain a digit keep counting ("999" -> "1000")',
      run: () => {
        // Tip 995 at t=0; string readings pass through the probes' toHeight, as in production.
        const strTip = (t: number) => toHeight(String(995 + Math.floor(t / 1000)));
        const o = runScript({
          nodes: { a: strTip, b: strTip, stuck: (t) => toHeight(t < 3_000 ? String(995 + t / 1000) : '999') },
          until: 30_000,
        });
        assert.equal(o.health('a'), 'in_sync');
        assert.equal(o.health('b'), 'in_sync');
        assert.equal(o.policy.view('a').height, 1025);
        assert.equal(o.health('stuck'), 'out_of_sync', '"999" is behind "1000", not ahead of it');
        assert.deepEqual(
          o.events.map((e) => e.split('@')[0]),
          ['stuck:out_of_sync'],
        );
      },
    },
    {
      name: 'a node ahead of the reference is never out of sync',
      run: () => {
        // The reference probe (a slow explorer) is 30 blocks behind; a is ahead of it and of b.
        const o = runScript({
          nodes: { a: (t) => tip(t) + 20, b: tip },
          reference: (t) => tip(t) - 30,
          until: 60_000,
        });
        assert.equal(o.health('a'), 'in_sync');
        assert.ok(!o.timeline.a!.includes('out_of_sync'));
        assert.equal(o.policy.view('a').lag, 0);
        // b is 20 behind a, the max, and stays there: out of sync (it is a's pace that counts).
        assert.equal(o.health('b'), 'out_of_sync');
      },
    },
    {
      name: 'a node far behind but catching up is syncing, never out of sync, then in sync (no events)',
      run: () => {
        const o = runScript({
          nodes: { a: tip, b: (t) => Math.min(tip(t), 10 + 4 * Math.floor(t / 1000)) },
          until: 40_000,
        });
        assert.ok(o.timeline.b!.includes('syncing'));
        assert.ok(!o.timeline.b!.includes('out_of_sync'));
        assert.equal(o.health('b'), 'in_sync');
        assert.deepEqual(o.events, []);
      },
    },
    {
      name: 'a constant lag above maxLag is out_of_sync after windowMs',
      run: () => {
        const o = runScript({ nodes: { a: tip, b: (t) => tip(t) - 8 }, until: 20_000 });
        // grace ends at 5 s, behind from 5 s, out of sync at 15 s.
        assert.deepEqual(o.events, ['b:out_of_sync@15000']);
      },
    },
    {
      name: 'a lag that shrinks only sometimes: syncing while it shrinks over the window',
      run: () => {
        // b gains 2 blocks every 2 s against the tip's 2: the lag holds, then shrinks by 3 in bursts.
        const b = (t: number) => tip(t) - Math.max(0, 40 - 3 * Math.floor(t / 5000));
        const o = runScript({ nodes: { a: tip, b }, until: 60_000 });
        assert.ok(!o.timeline.b!.includes('out_of_sync'), o.changes.join(' '));
      },
    },
    {
      name: 'unreachable after forSamples failures in a row; in_sync closes the episode',
      run: () => {
        const b = (t: number) => (t >= 10_000 && t < 15_000 ? 'ECONNREFUSED 127.0.0.1:1' : tip(t));
        const o = runScript({ nodes: { a: tip, b }, until: 20_000 });
        assert.deepEqual(o.events, ['b:unreachable@12000', 'b:in_sync@15000']);
        const ev = o.all.find((c) => c.event === 'unreachable')!.evidence;
        assert.equal(ev.error, 'ECONNREFUSED 127.0.0.1:1');
        assert.equal(ev.failures, 3);
        assert.equal(o.timeline.b![11], 'in_sync', 'two failures are not yet unreachable');
      },
    },
    {
      name: 'a failed probe is never a reading: failures keep the last height and do not refresh it',
      run: () => {
        // b's probe fails twice a cycle of three (never 3 in a row): its last good reading ages.
        const b = (t: number) => ((t / 1000) % 3 === 0 ? 100 : 'not a height: "abc"');
        const o = runScript({ nodes: { a: tip, b }, until: 30_000 });
        assert.equal(o.policy.view('b').height, 100);
        assert.ok(!o.timeline.b!.includes('unreachable'));
        assert.equal(o.health('b'), 'out_of_sync');
      },
    },
    {
      name: 'regression: the startup grace restarts at every start',
      run: () => {
        const o = runScript({
          nodes: { a: tip, b: (t) => tip(t) - 8 },
          restarts: { b: [20_000] },
          until: 40_000,
        });
        // out of sync at 15 s; restarted at 20 s: no verdict until 25 s, then judged afresh (out again at 35 s).
        assert.equal(o.timeline.b![19], 'out_of_sync');
        for (let s = 20; s < 25; s++) assert.equal(o.timeline.b![s], 'unknown', `t=${s}s`);
        assert.equal(o.timeline.b![25], 'syncing');
        assert.equal(o.timeline.b![35], 'out_of_sync');
        assert.deepEqual(o.events, ['b:out_of_sync@15000'], 'one episode: no second event');
      },
    },
    {
      name: 'stale readings are ignored for the reference',
      run: () => {
        // b reported a bogus far-ahead height once, then nothing: after 3 s it no longer sets the pace.
        const o = runScript({ nodes: { a: tip, b: (t) => (t === 0 ? 10_000 : undefined) }, until: 20_000 });
        assert.equal(o.health('a'), 'in_sync');
        assert.equal(o.policy.view('a').referenceHeight, tip(20_000));
      },
    },
    {
      name: 'an out-of-sync member does not set the pace',
      run: () => {
        const o = runScript({ nodes: { a: tip, b: frozenAfter(10_000) }, until: 30_000 });
        assert.equal(o.policy.referenceHeight('g'), tip(30_000));
        assert.equal(o.health('b'), 'out_of_sync');
      },
    },
    {
      name: 'a singleton without a reference cannot see its own stall (it is its own reference)',
      run: () => {
        const o = runScript({ nodes: { solo: frozenAfter(10_000) }, until: 60_000 });
        assert.equal(o.health('solo'), 'in_sync');
      },
    },
    {
      name: 'a singleton with a reference probe is judged against it',
      run: () => {
        const o = runScript({
          nodes: { solo: frozenAfter(10_000) },
          reference: tip,
          settings: { windowMs: 60_000 },
          until: 35_000,
        });
        assert.deepEqual(o.events, ['solo:out_of_sync@31000']);
        assert.equal(o.all.at(-1)!.evidence.rule, 'stall');
      },
    },
    {
      name: 'a whole group stalled at one height, with a reference probe: every node out of sync',
      run: () => {
        const o = runScript({
          nodes: { a: frozenAfter(8_000), b: frozenAfter(8_000) },
          reference: tip,
          until: 30_000,
        });
        assert.equal(o.health('a'), 'out_of_sync');
        assert.equal(o.health('b'), 'out_of_sync');
      },
    },
  ];
  for (const c of cases) test(c.name, c.run);
});

describe('sync policy bookkeeping', () => {
  test('a stopped node has no verdict and no event; the episode survives to the next start', () => {
    const o = runScript({ nodes: { a: tip, b: (t) => tip(t) - 8 }, until: 16_000 });
    assert.equal(o.health('b'), 'out_of_sync');
    o.policy.stopped('b');
    assert.equal(o.health('b'), 'unknown');
    assert.equal(o.policy.episode('b'), 'out_of_sync');
    o.policy.started('b');
    o.clock.advance(6_000);
    o.policy.height('a', tip(22_000));
    const cs = o.policy.height('b', tip(22_000));
    assert.deepEqual(
      cs.map((c) => [c.to, c.event]),
      [['in_sync', 'in_sync']],
      'the recovery closes the episode',
    );
  });

  test('a reading of a node that is not running is ignored', () => {
    const o = runScript({ nodes: { a: tip }, until: 6_000 });
    o.policy.stopped('a');
    assert.deepEqual(o.policy.height('a', 5), []);
    assert.equal(o.policy.view('a').height, null);
  });
});
