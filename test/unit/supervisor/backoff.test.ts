import { describe, test } from 'node:test';
import assert from 'node:assert/strict';
import {
  BACKOFF_JITTER,
  backoffDelay,
  MIN_SPAWN_INTERVAL_MS,
  retryTime,
} from '../../../src/supervisor/backoff.js';

const settings = { backoffMs: 1000, backoffMaxMs: 60_000 };
const mid = () => 0.5; // no jitter

describe('backoffDelay', () => {
  test('doubles from backoffMs per failure and stops at backoffMaxMs', () => {
    const schedule = [1, 2, 3, 4, 5, 6, 7, 8, 20, 5000].map((n) => backoffDelay(n, settings, mid));
    assert.deepEqual(schedule, [1000, 2000, 4000, 8000, 16_000, 32_000, 60_000, 60_000, 60_000, 60_000]);
  });

  test('jitter stays within ±20 % and never exceeds the cap', () => {
    for (const r of [0, 0.001, 0.25, 0.5, 0.75, 0.999999]) {
      for (const n of [1, 3, 6]) {
        const base = 1000 * 2 ** (n - 1);
        const d = backoffDelay(n, settings, () => r);
        assert.ok(d >= Math.floor(base * (1 - BACKOFF_JITTER)), `n=${n} r=${r}: ${d}`);
        assert.ok(d <= Math.ceil(base * (1 + BACKOFF_JITTER)), `n=${n} r=${r}: ${d}`);
      }
      const capped = backoffDelay(10, settings, () => r);
      assert.ok(capped <= 60_000 && capped >= 48_000, `capped r=${r}: ${capped}`);
    }
    assert.equal(
      backoffDelay(1, settings, () => 0),
      800,
    );
    assert.equal(
      backoffDelay(1, settings, () => 0.999999),
      1200,
    );
  });

  test('attempt below 1 is treated as the first failure; zero backoff is zero', () => {
    assert.equal(backoffDelay(0, settings, mid), 1000);
    assert.equal(backoffDelay(3, { backoffMs: 0, backoffMaxMs: 60_000 }, mid), 0);
  });

  test('a random source outside [0, 1) is clamped', () => {
    assert.equal(
      backoffDelay(1, settings, () => 7),
      1200,
    );
    assert.equal(
      backoffDelay(1, settings, () => -3),
      800,
    );
  });
});

describe('retryTime', () => {
  test('is the backoff delay when the last spawn is long past', () => {
    assert.equal(retryTime(50_000, 2000, 10_000), 52_000);
  });

  test('never lets two spawns be closer than the 1 s floor', () => {
    assert.equal(MIN_SPAWN_INTERVAL_MS, 1000);
    assert.equal(retryTime(10_050, 100, 10_000), 11_000);
  });
});
