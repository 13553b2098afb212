import { describe, test } from 'node:test';
import assert from 'node:assert/strict';
import type { NodeSpec } from '../../../src/config/types.js';
import type { RestartAnswer } from '../../../src/policy/rollout.js';
import { Rollouts } from '../../../src/policy/rollouts.js';
import { FakeClock } from '../../helpers/fake-clock.js';

/** The keeper of rollouts alone: a node is in one rollout at a time, free again once passed. */

function spec(name: string): NodeSpec {
  return {
    name,
    sync: { group: 'g', minHealthy: 0 },
    restart: { startSeconds: 1 },
    probes: {},
  } as unknown as NodeSpec;
}

const flush = (): Promise<void> => new Promise((r) => setImmediate(r));

describe('Rollouts', () => {
  test('a second rollout leaves out the nodes of the first until they pass', async () => {
    const states = new Map(['a', 'b'].map((n) => [n, 'running']));
    let stateFns: Array<(n: string, to: string) => void> = [];
    const set = (n: string, to: string): void => {
      states.set(n, to);
      for (const f of [...stateFns]) f(n, to);
    };
    const restarted: string[] = [];
    const rollouts = new Rollouts(
      {
        spec: (n) => (states.has(n) ? spec(n) : undefined),
        state: (n) => states.get(n),
        health: () => undefined,
        restart: (n): RestartAnswer => {
          restarted.push(n);
          set(n, 'stopping');
          return { outcome: 'done' };
        },
      },
      {
        onState: (fn) => {
          stateFns.push(fn);
          return () => (stateFns = stateFns.filter((f) => f !== fn));
        },
        onObservation: () => () => {},
      },
      new FakeClock(),
      () => ({ parallel: 0, gateMs: 60_000 }),
    );
    const first = rollouts.begin(['a', 'b']);
    assert.deepEqual(first.busy, []);
    assert.deepEqual(restarted, ['a']);
    const second = rollouts.begin(['a', 'b']);
    assert.deepEqual(second.busy, ['a', 'b']);
    assert.deepEqual(await second.rollout.done, []);
    assert.deepEqual(restarted, ['a'], 'the second rollout restarted nothing');
    set('a', 'starting');
    set('a', 'running');
    await flush();
    assert.equal(rollouts.inRollout('a'), false, 'a passed its gate: free again');
    assert.equal(rollouts.inRollout('b'), true);
    assert.deepEqual(restarted, ['a', 'b']);
    set('b', 'starting');
    set('b', 'running');
    const results = await first.rollout.done;
    assert.ok(results.every((r) => r.ok));
    assert.equal(rollouts.inRollout('b'), false);
    const third = rollouts.begin(['a']);
    assert.deepEqual(third.busy, []);
  });
});
