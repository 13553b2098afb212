import { describe, test } from 'node:test';
import assert from 'node:assert/strict';
import { MAX_PAUSE_MS, MIN_PAUSE_MS, nextPause } from '../../../src/logs/capture.js';

const CAP = 64 * 1024;

describe('nextPause: how long a FIFO is left alone after a read', () => {
  test('reads that find the pipe nearly empty double the pause, from the minimum up to the maximum', () => {
    let pause = 0;
    const seen: number[] = [];
    for (let i = 0; i < 10; i++) seen.push((pause = nextPause(pause, 100, CAP)));
    assert.equal(seen[0], MIN_PAUSE_MS);
    assert.equal(seen[1], MIN_PAUSE_MS * 2);
    for (let i = 1; i < seen.length; i++)
      assert.ok(seen[i]! >= seen[i - 1]!, `never shrinks: ${seen.join(',')}`);
    assert.equal(seen.at(-1), MAX_PAUSE_MS);
  });

  test('a read that finds the pipe full drops the pause to 0 (read on at once): the node may have waited', () => {
    assert.equal(nextPause(MAX_PAUSE_MS, CAP, CAP), 0);
    assert.equal(nextPause(MAX_PAUSE_MS, 2 * CAP, CAP), 0);
  });

  test('a read that finds the pipe half full halves the pause; below the minimum it is 0', () => {
    assert.equal(nextPause(40, CAP / 2, CAP), 20);
    assert.equal(nextPause(1.5, CAP / 2, CAP), 0);
  });

  test('between 1/8 and 1/2 full the pause stays as it is', () => {
    assert.equal(nextPause(8, CAP / 4, CAP), 8);
    assert.equal(nextPause(0, CAP / 4, CAP), 0);
  });
});
