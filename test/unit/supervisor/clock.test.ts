import { describe, test } from 'node:test';
import assert from 'node:assert/strict';
import { MAX_TIMEOUT_MS, SystemClock } from '../../../src/supervisor/clock.js';
import { FakeClock } from '../../helpers/fake-clock.js';

/** Resolves after `ms` through the same clock, so timer order (not speed) decides what a test sees. */
const after = (clock: SystemClock, ms: number): Promise<void> =>
  new Promise((resolve) => clock.setTimer(ms, resolve));

/** Collects process warnings (a setTimeout over 2^31 ms raises TimeoutOverflowWarning). */
function watchWarnings(): { names: string[]; stop: () => void } {
  const names: string[] = [];
  const on = (w: Error): void => void names.push(w.name);
  process.on('warning', on);
  return { names, stop: () => process.off('warning', on) };
}

describe('SystemClock', () => {
  test('a timer longer than 2^31 ms does not fire early, raises no overflow warning, and clears', async () => {
    const clock = new SystemClock();
    const warnings = watchWarnings();
    let fired = false;
    const long = clock.setTimer(MAX_TIMEOUT_MS + 1000, () => (fired = true));
    const month = clock.setTimer(30 * 86_400_000, () => (fired = true));
    // A plain setTimeout of this length would fire after 1 ms, long before this 100 ms timer.
    await after(clock, 100);
    await new Promise((r) => setImmediate(r)); // a warning is emitted on the next tick
    assert.equal(fired, false);
    assert.deepEqual(warnings.names, []);
    warnings.stop();
    assert.equal(clock.pendingCount(), 2);
    clock.clearTimer(long);
    clock.clearTimer(month);
    assert.equal(clock.pendingCount(), 0, 'no hop is left armed');
  });

  test('a timer longer than one hop is chained and fires once, not before its due time', async () => {
    const clock = new SystemClock(20);
    const start = clock.now();
    let firedAt = -1;
    let calls = 0;
    await new Promise<void>((resolve) =>
      clock.setTimer(110, () => {
        calls++;
        firedAt = clock.now();
        resolve();
      }),
    );
    // setTimeout may fire up to 1 ms early; the chain re-aims each hop at the due time.
    assert.ok(firedAt - start >= 109, `fired ${firedAt - start} ms after it was set`);
    await after(clock, 50);
    assert.equal(calls, 1);
    assert.equal(clock.pendingCount(), 0);
  });

  test('clearing a chained timer between hops stops it', async () => {
    const clock = new SystemClock(20);
    let fired = false;
    const h = clock.setTimer(100, () => (fired = true));
    await after(clock, 30); // past the first hop
    assert.equal(clock.pendingCount(), 1, 'the next hop is armed');
    clock.clearTimer(h);
    await after(clock, 150);
    assert.equal(fired, false);
    assert.equal(clock.pendingCount(), 0);
  });

  test('a negative or NaN delay fires as soon as possible', async () => {
    const clock = new SystemClock();
    const order: string[] = [];
    clock.setTimer(-5, () => order.push('negative'));
    clock.setTimer(NaN, () => order.push('nan'));
    await after(clock, 20);
    assert.deepEqual(order, ['negative', 'nan']);
  });
});

describe('FakeClock agrees with SystemClock', () => {
  test('a timer beyond 2^31 ms fires exactly at its due time; negative and NaN fire at once', () => {
    const clock = new FakeClock();
    const seen: string[] = [];
    clock.setTimer(MAX_TIMEOUT_MS + 1000, () => seen.push(`long@${clock.now()}`));
    clock.setTimer(NaN, () => seen.push(`nan@${clock.now()}`));
    clock.setTimer(-1, () => seen.push(`negative@${clock.now()}`));
    clock.advance(MAX_TIMEOUT_MS);
    assert.deepEqual(seen, ['nan@0', 'negative@0']);
    clock.advance(1000);
    assert.deepEqual(seen, ['nan@0', 'negative@0', `long@${MAX_TIMEOUT_MS + 1000}`]);
  });
});
