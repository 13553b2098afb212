import { describe, test } from 'node:test';
import assert from 'node:assert/strict';
import { EventBus } from '../../../src/events/bus.js';
import { RestartTracker } from '../../../src/metrics/restarts.js';

/** Bus traffic as a runner produces it: the state change, then the step's events, then the spawn is counted. */
function harness() {
  const bus = new EventBus();
  const restarts = new Map<string, number>([['n', 0]]);
  const tracker = new RestartTracker(bus, (n) => restarts.get(n), ['n']);
  const settled = (): Promise<void> => new Promise((r) => setImmediate(r));
  const toStarting = (from: string, opts: { restarting?: string; counted: boolean }): void => {
    bus.emitState({ node: 'n', from, to: 'starting', pid: null });
    if (opts.restarting) bus.emit({ node: 'n', type: 'restarting', reason: opts.restarting });
    if (opts.counted) restarts.set('n', restarts.get('n')! + 1);
  };
  const counts = (): Record<string, number> =>
    Object.fromEntries([...tracker.entries()].map(([, reason, c]) => [reason, c]));
  return { bus, restarts, tracker, settled, toStarting, counts };
}

describe('RestartTracker (restart reasons for nodewarden_node_restarts_total)', () => {
  test('backoff --retryDue--> starting takes the reason of the backoff event', async () => {
    const h = harness();
    h.bus.emit({ node: 'n', type: 'backoff', reason: 'failed_start' });
    h.toStarting('backoff', { counted: true });
    await h.settled();
    assert.deepEqual(h.counts(), { failed_start: 1 });
  });

  test('a restarting event names the reason, even when told after the state change', async () => {
    const h = harness();
    h.toStarting('fatal', { restarting: 'crash', counted: true });
    h.toStarting('running', { restarting: 'out_of_sync', counted: true });
    await h.settled();
    assert.deepEqual(h.counts(), { crash: 1, out_of_sync: 1 });
  });

  test('an operator start is not a restart, and a stop drops a pending reason', async () => {
    const h = harness();
    h.toStarting('stopped', { counted: false });
    h.bus.emit({ node: 'n', type: 'restarting', reason: 'manual' });
    h.bus.emitState({ node: 'n', from: 'stopping', to: 'stopped', pid: null });
    h.toStarting('stopped', { counted: false });
    await h.settled();
    assert.deepEqual(h.counts(), {});
  });

  test('forget() drops a removed node; close() stops counting', async () => {
    const h = harness();
    h.toStarting('running', { restarting: 'manual', counted: true });
    await h.settled();
    h.tracker.forget('n');
    assert.deepEqual(h.counts(), {});
    h.tracker.close();
    h.toStarting('running', { restarting: 'manual', counted: true });
    await h.settled();
    assert.deepEqual(h.counts(), {});
  });
});
