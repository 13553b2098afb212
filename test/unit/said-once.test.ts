import { describe, test } from 'node:test';
import assert from 'node:assert/strict';
import { SaidOnce } from '../../src/monitoring/said-once.js';

describe('SaidOnce', () => {
  test('a condition is said when it begins or changes, and again after it was over', () => {
    const said = new SaidOnce();
    assert.equal(said.fresh('a', 'restart:held'), true);
    assert.equal(said.fresh('a', 'restart:held'), false, 'the same again is not said');
    assert.equal(said.fresh('b', 'restart:held'), true, 'per node');
    assert.equal(said.fresh('a', 'restart:min_healthy'), true, 'a change is said');
    assert.equal(said.fresh('a', 'restart:min_healthy'), false);
    said.forget('a');
    assert.equal(said.fresh('a', 'restart:min_healthy'), true, 'said again once it was over');
    assert.equal(said.fresh('b', 'restart:held'), false, 'forgetting one node leaves the others');
  });
});
