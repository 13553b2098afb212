import { describe, test } from 'node:test';
import assert from 'node:assert/strict';
import { LAUNCHES_PER_TURN, StartPacer, type StartGate } from '../../../src/supervisor/pacer.js';
import { findCycles } from '../../../src/config/depends.js';
import { FakeClock } from '../../helpers/fake-clock.js';

describe('StartPacer gate (dependsOn)', () => {
  test('a node its gate holds keeps its place; the nodes behind it go ahead; poke() lets it go', () => {
    const clock = new FakeClock();
    const launched: string[] = [];
    const ready = new Set(['a', 'c']);
    const pacer = new StartPacer(
      { concurrency: 0, intervalMs: 0 },
      clock,
      (n) => launched.push(n),
      (n): StartGate => (ready.has(n) ? { ready: true } : { ready: false, recheckInMs: null }),
    );
    pacer.enqueue(['a', 'b', 'c']);
    assert.deepEqual(launched, ['a', 'c']);
    assert.equal(pacer.isQueued('b'), true);
    pacer.poke();
    assert.deepEqual(launched, ['a', 'c'], 'still held');
    ready.add('b');
    pacer.poke();
    assert.deepEqual(launched, ['a', 'c', 'b']);
    assert.equal(pacer.pending, 0);
  });

  test('a bounded wait is asked again by itself when it runs out', () => {
    const clock = new FakeClock();
    const launched: string[] = [];
    const until = 5000;
    const pacer = new StartPacer(
      { concurrency: 0, intervalMs: 0 },
      clock,
      (n) => launched.push(n),
      (): StartGate =>
        clock.now() >= until ? { ready: true } : { ready: false, recheckInMs: until - clock.now() },
    );
    pacer.enqueue(['b']);
    clock.advance(4999);
    assert.deepEqual(launched, []);
    clock.advance(1);
    assert.deepEqual(launched, ['b']);
  });

  test('clear() drops the wait timer with the queue', () => {
    const clock = new FakeClock();
    const launched: string[] = [];
    const pacer = new StartPacer(
      { concurrency: 0, intervalMs: 0 },
      clock,
      (n) => launched.push(n),
      () => ({ ready: false, recheckInMs: 1000 }),
    );
    pacer.enqueue(['b']);
    pacer.clear();
    clock.advance(5000);
    assert.deepEqual(launched, []);
  });
});

describe('findCycles', () => {
  test('each cycle once, from its smallest name; a chain has none', () => {
    const g = new Map<string, string[]>([
      ['c', ['b']],
      ['b', ['a']],
      ['a', ['c']],
      ['x', ['x']],
      ['p', ['q']],
      ['q', []],
    ]);
    assert.deepEqual(findCycles(g), [['a', 'c', 'b'], ['x']]);
    assert.deepEqual(
      findCycles(
        new Map([
          ['c', ['b']],
          ['b', ['a']],
          ['a', []],
        ]),
      ),
      [],
    );
  });
});

describe('StartPacer bursts', () => {
  test('unpaced launches go LAUNCHES_PER_TURN at a time, the rest once the event loop turns', async () => {
    const clock = new FakeClock();
    const launched: string[] = [];
    const pacer = new StartPacer({ concurrency: 0, intervalMs: 0 }, clock, (n) => launched.push(n));
    const names = Array.from({ length: LAUNCHES_PER_TURN * 3 + 1 }, (_, i) => `n${i}`);
    pacer.enqueue(names);
    assert.equal(launched.length, LAUNCHES_PER_TURN, 'the first burst, synchronously');
    await new Promise((r) => setImmediate(r));
    assert.equal(launched.length, LAUNCHES_PER_TURN * 2, 'the next burst after one turn');
    await new Promise((r) => setImmediate(r));
    await new Promise((r) => setImmediate(r));
    assert.deepEqual(launched, names, 'all of them, in order');
    assert.equal(pacer.pending, 0);
  });

  test('clear() drops the rest of a burst', async () => {
    const clock = new FakeClock();
    const launched: string[] = [];
    const pacer = new StartPacer({ concurrency: 0, intervalMs: 0 }, clock, (n) => launched.push(n));
    pacer.enqueue(Array.from({ length: LAUNCHES_PER_TURN * 2 }, (_, i) => `n${i}`));
    pacer.clear();
    await new Promise((r) => setImmediate(r));
    assert.equal(launched.length, LAUNCHES_PER_TURN);
  });
});
