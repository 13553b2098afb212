import { describe, test } from 'node:test';
import assert from 'node:assert/strict';
import { TargetPolicy } from '../../../src/policy/targets.js';
import { FakeClock } from '../../helpers/fake-clock.js';

describe('TargetPolicy: up / down of a watch-only target', () => {
  test('unknown -> up on the first answer; up -> down after downAfter failures in a row; down -> up on an answer', () => {
    const clock = new FakeClock();
    const p = new TargetPolicy(clock);
    p.configure('t', 2);
    assert.equal(p.view('t')!.state, 'unknown');
    const first = p.reading('t', 'height', null);
    assert.deepEqual(first && [first.from, first.to, first.afterMs], ['unknown', 'up', null]);
    clock.advance(1000);
    assert.equal(p.reading('t', 'height', 'timed out'), null, 'one failure is not down yet');
    assert.equal(p.view('t')!.failures, 1);
    clock.advance(1000);
    const down = p.reading('t', 'height', 'ECONNREFUSED');
    assert.deepEqual(down && [down.from, down.to, down.error, down.failures, down.afterMs], [
      'up',
      'down',
      'ECONNREFUSED',
      2,
      2000,
    ]);
    assert.equal(p.reading('t', 'height', 'ECONNREFUSED'), null, 'down is said once');
    clock.advance(5000);
    const up = p.reading('t', 'height', null);
    assert.deepEqual(up && [up.from, up.to, up.afterMs], ['down', 'up', 5000]);
    assert.equal(p.view('t')!.lastError, null);
  });

  test('an answer between failures resets the count: a flapping probe below downAfter stays up', () => {
    const p = new TargetPolicy(new FakeClock());
    p.configure('t', 3);
    p.reading('t', 'h', null);
    for (let i = 0; i < 10; i++) {
      assert.equal(p.reading('t', 'h', 'x'), null);
      assert.equal(p.reading('t', 'h', 'x'), null);
      assert.equal(p.reading('t', 'h', null), null);
    }
    assert.equal(p.view('t')!.state, 'up');
  });

  test('a target never answering goes from unknown to down; failures alone never make it up', () => {
    const p = new TargetPolicy(new FakeClock());
    p.configure('t', 2);
    assert.equal(p.reading('t', 'h', 'refused'), null);
    assert.equal(p.view('t')!.state, 'unknown');
    const v = p.reading('t', 'h', 'refused');
    assert.deepEqual(v && [v.from, v.to], ['unknown', 'down']);
  });

  test('with two probes, the target stays down until the failing one answers again', () => {
    const p = new TargetPolicy(new FakeClock());
    p.configure('t', 1);
    p.reading('t', 'a', null);
    assert.equal(p.reading('t', 'b', 'refused')?.to, 'down');
    assert.equal(p.reading('t', 'a', null), null, 'another probe answering does not clear it');
    assert.equal(p.reading('t', 'b', null)?.to, 'up');
  });

  test('reconfiguring keeps the state and starts the counts again; unknown targets are ignored', () => {
    const p = new TargetPolicy(new FakeClock());
    p.configure('t', 2);
    p.reading('t', 'h', null);
    p.reading('t', 'h', 'x');
    p.configure('t', 2);
    assert.equal(p.view('t')!.state, 'up');
    assert.equal(p.reading('t', 'h', 'x'), null, 'the count started again');
    assert.equal(p.reading('nope', 'h', 'x'), null);
    p.forget('t');
    assert.equal(p.has('t'), false);
  });
});
