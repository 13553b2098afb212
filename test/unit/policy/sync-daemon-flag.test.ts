import { describe, test } from 'node:test';
import assert from 'node:assert/strict';
import { runScript, tip } from './sync-harness.js';

/**
 * The daemon's own syncing flag (a chain preset's probe) in the sync rules, on
 * the FakeClock of sync-harness.ts (maxLag 5, windowMs 10 s, stallMs 20 s,
 * grace 5 s, one reading a second, the tip one block a second).
 */

/** Starts at 0 and gains one block every 2 s: far behind, and falling further behind the tip. */
const slowSync = (t: number): number => Math.floor(t / 2000);

describe('sync verdicts with the daemon saying it is syncing', () => {
  test('a node that says syncing is syncing while its height moves, however far behind; without the flag it is out_of_sync', () => {
    const flagged = runScript({
      nodes: { a: tip, b: (t) => ({ height: slowSync(t), syncing: true }) },
      until: 60_000,
    });
    assert.deepEqual(flagged.events, []);
    assert.ok(
      flagged.timeline.b!.slice(5).every((h) => h === 'syncing'),
      flagged.timeline.b!.join(','),
    );
    assert.equal(flagged.all.at(-1)!.evidence.rule, 'daemon_syncing');

    // The same heights with no flag: lag grows for windowMs, so out_of_sync.
    const unflagged = runScript({ nodes: { a: tip, b: slowSync }, until: 60_000 });
    assert.ok(unflagged.events.includes('b:out_of_sync@15000'), unflagged.events.join(','));
  });

  test('a node that says syncing but whose height stays put for stallMs is out_of_sync (stall), even alone', () => {
    // Rises to 10 by t=10 s, then stuck at 10 while still saying it syncs.
    const stuck = (t: number) => ({ height: Math.min(10, Math.floor(t / 1000)), syncing: true });
    const o = runScript({ nodes: { b: stuck }, until: 40_000 });
    // Height 10 first seen at t=10 s; stallMs 20 s later the flag no longer shields it.
    assert.deepEqual(o.events, ['b:out_of_sync@30000']);
    const ev = o.all.at(-1)!.evidence;
    assert.equal(ev.rule, 'stall');
    assert.equal(ev.height, 10);
    assert.equal(o.timeline.b![29], 'syncing');
  });

  test('a node within maxLag that says syncing is syncing; when the flag clears it is in sync', () => {
    const o = runScript({
      nodes: { a: tip, b: (t) => ({ height: tip(t) - 1, syncing: t < 20_000 }) },
      until: 30_000,
    });
    assert.equal(o.timeline.b![10], 'syncing');
    assert.equal(o.health('b'), 'in_sync');
    assert.deepEqual(o.events, []);
  });

  test('once the flag clears, the usual rules judge a node that is still far behind and not catching up', () => {
    const o = runScript({
      nodes: { a: tip, b: (t) => ({ height: slowSync(t), syncing: t < 20_000 }) },
      until: 60_000,
    });
    assert.equal(o.timeline.b![19], 'syncing');
    // The lag was tracked all along (behind by more than maxLag since 15 s, growing): the moment the
    // daemon stops saying it syncs, it has been behind for over windowMs and is judged at once.
    assert.deepEqual(o.events, ['b:out_of_sync@20000']);
    assert.equal(o.all.at(-1)!.evidence.rule, 'lag');
  });

  test('no verdict during the startup grace, flag or not', () => {
    const o = runScript({ nodes: { b: (t) => ({ height: slowSync(t), syncing: true }) }, until: 4_000 });
    assert.ok(o.timeline.b!.every((h) => h === 'unknown'));
  });
});
