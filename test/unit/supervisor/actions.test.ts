import { describe, test } from 'node:test';
import assert from 'node:assert/strict';
import type { NodeSpec } from '../../../src/config/types.js';
import { EventBus } from '../../../src/events/bus.js';
import type { NodewardenEvent } from '../../../src/events/types.js';
import { FakeClock } from '../../helpers/fake-clock.js';
import { flush } from '../../helpers/fake-driver.js';
import { fakeSupervisor } from '../../helpers/fake-supervisor.js';
import { testSpec } from './fixtures.js';

/**
 * `Supervisor.act`, the one entry point of policy actions: holds and the sync
 * group's `sync.minHealthy` are applied there, for every kind and reason.
 */

function spec(name: string, group: string, minHealthy: number): NodeSpec {
  const base = testSpec({ name, restart: { startSeconds: 1 }, stop: { graceMs: 5000 } });
  return { ...base, sync: { ...base.sync, group, minHealthy } };
}

async function setup(specs: NodeSpec[]) {
  const clock = new FakeClock({ now: 0 });
  const bus = new EventBus(() => clock.wallNow());
  const { supervisor: sup, driver } = await fakeSupervisor(specs, { clock, bus });
  const events: NodewardenEvent[] = [];
  bus.on('event', (e) => events.push(e));
  sup.start(sup.names());
  await flush();
  clock.advance(1100);
  await flush();
  for (const n of sup.names()) assert.equal(sup.runner(n)!.snapshot().state, 'running', n);
  const state = (n: string) => sup.runner(n)!.snapshot().state;
  return { sup, driver, events, state };
}

describe('Supervisor.act', () => {
  test('regression: a resource restart respects sync.minHealthy like a sync restart (running members only)', async () => {
    const { sup, state } = await setup([spec('a', 'g', 2), spec('b', 'g', 2), spec('c', 'g', 1)]);
    assert.deepEqual(sup.act({ kind: 'restart', node: 'a', reason: 'resource' }), { outcome: 'done' });
    assert.equal(state('a'), 'stopping');
    // a is stopping: two running members left, the group's floor is 2.
    for (const reason of ['resource', 'out_of_sync', 'config'] as const) {
      assert.deepEqual(sup.act({ kind: 'restart', node: 'b', reason }), {
        outcome: 'deferred',
        why: 'min_healthy',
        details: { group: 'g', running: 2, minHealthy: 2 },
      });
    }
    assert.equal(
      sup.act({ kind: 'pause', node: 'c', reason: 'pressure' }).outcome,
      'deferred',
      'a pause is held to the same floor',
    );
    assert.equal(sup.act({ kind: 'stop', node: 'c', reason: 'policy' }).outcome, 'deferred');
    assert.equal(state('b'), 'running');
    assert.equal(state('c'), 'running');
  });

  test('a node alone in its group is exempt; a stop for a node removed from the config is never deferred', async () => {
    const { sup, state } = await setup([spec('solo', 'solo', 1), spec('a', 'g', 2), spec('b', 'g', 2)]);
    assert.equal(sup.act({ kind: 'restart', node: 'solo', reason: 'unreachable' }).outcome, 'done');
    assert.equal(state('solo'), 'stopping');
    const out = sup.act({ kind: 'stop', node: 'a', reason: 'config' });
    assert.equal(out.outcome, 'done');
    assert.ok(out.outcome === 'done' && out.stopped instanceof Promise);
    assert.equal(state('a'), 'stopping');
  });

  test('holds: automatic actions are refused, operator-driven restarts and stops pass', async () => {
    const { sup, state, events } = await setup([spec('a', 'a', 1), spec('b', 'b', 1)]);
    sup.hold(['a']);
    for (const reason of ['crash', 'out_of_sync', 'unreachable', 'resource'] as const)
      assert.deepEqual(sup.act({ kind: 'restart', node: 'a', reason }), { outcome: 'refused', why: 'held' });
    assert.deepEqual(sup.act({ kind: 'pause', node: 'a', reason: 'pressure' }), {
      outcome: 'refused',
      why: 'held',
    });
    assert.equal(state('a'), 'running');
    assert.equal(sup.act({ kind: 'restart', node: 'a', reason: 'config' }).outcome, 'done');
    assert.ok(events.some((e) => e.type === 'restarting' && e.node === 'a' && e.reason === 'config'));
  });

  test('pause, then resume; an action with nothing to do, or on no node, is refused and said so', async () => {
    const { sup, driver, state, events } = await setup([spec('a', 'a', 1)]);
    assert.deepEqual(sup.act({ kind: 'resume', node: 'a', reason: 'pressure' }), {
      outcome: 'refused',
      why: 'no_effect',
    });
    assert.deepEqual(sup.act({ kind: 'restart', node: 'nope', reason: 'resource' }), {
      outcome: 'refused',
      why: 'no_such_node',
    });
    assert.equal(
      sup.act({ kind: 'pause', node: 'a', reason: 'pressure', details: { trigger: 'memory' } }).outcome,
      'done',
    );
    driver.exit(driver.last.identity.pid, 0, null);
    await flush();
    assert.equal(state('a'), 'paused');
    assert.equal(events.find((e) => e.type === 'paused')!.details.trigger, 'memory');
    assert.equal(sup.act({ kind: 'resume', node: 'a', reason: 'pressure' }).outcome, 'done');
    assert.equal(state('a'), 'starting');
  });
});
