import { test } from 'node:test';
import assert from 'node:assert/strict';
import { EventBus } from '../../src/events/bus.js';

test('bus stamps, freezes and delivers events in order', () => {
  const bus = new EventBus(() => 1234);
  const seen: string[] = [];
  bus.on('event', (e) => seen.push(`${e.type}:${e.node}`));
  const e = bus.emit({ node: 'n1', type: 'crashed', details: { code: 3 } });
  bus.emit({ node: null, type: 'manager_started' });
  assert.deepEqual(seen, ['crashed:n1', 'manager_started:null']);
  assert.equal(e.ts, 1234);
  assert.equal(e.severity, 'warning');
  assert.ok(Object.isFrozen(e) && Object.isFrozen(e.details));
});

test('a throwing subscriber is counted and does not stop delivery', () => {
  const errors: unknown[] = [];
  const bus = new EventBus(Date.now, (err) => errors.push(err));
  let delivered = 0;
  bus.on('event', () => {
    throw new Error('boom');
  });
  bus.on('event', () => delivered++);
  bus.emit({ node: 'n', type: 'started' });
  assert.equal(delivered, 1);
  assert.equal(bus.consumerErrors, 1);
  assert.equal(errors.length, 1);
});

test('waitFor resolves on the first matching payload and unsubscribes', async () => {
  const bus = new EventBus();
  const p = bus.waitFor('state', (s) => s.to === 'running', { timeoutMs: 5000 });
  bus.emitState({ node: 'a', from: 'stopped', to: 'starting', pid: 1 });
  bus.emitState({ node: 'a', from: 'starting', to: 'running', pid: 1 });
  const got = await p;
  assert.equal(got.to, 'running');
});

test('waitFor rejects after its timeout', async () => {
  const bus = new EventBus();
  await assert.rejects(
    bus.waitFor('event', () => false, { timeoutMs: 5 }),
    /timed out/,
  );
});
