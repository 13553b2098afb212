import { test } from 'node:test';
import assert from 'node:assert/strict';
import { MASK } from '../../src/config/issues.js';
import { Redaction } from '../../src/config/redact.js';
import { EventBus } from '../../src/events/bus.js';
import type { NodewardenEvent, ProcessRecord } from '../../src/events/types.js';

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

test('with a redactor, event reasons and details are masked before delivery; process records keep the exact argv', () => {
  const secret = '0123456789abcdef0123456789abcdef';
  const redaction = new Redaction();
  redaction.learn([secret]);
  const bus = new EventBus(() => 1);
  bus.redactWith(redaction);
  const seen: NodewardenEvent[] = [];
  const records: ProcessRecord[] = [];
  bus.on('event', (e) => seen.push(e));
  bus.on('process', (p) => records.push(p));
  const argv = ['/bin/geth', `--rpcpassword=${secret}`];
  const details = { pid: 5, argv };
  bus.emit({ node: 'n', type: 'orphan_reaped', reason: `argv ${secret} differs`, details });
  bus.emitProcess({ node: 'n', identity: { pid: 5, pgid: 5, startTime: '9', argv }, runHash: 'h' });
  assert.equal(seen[0]!.reason, `argv ${MASK} differs`);
  assert.deepEqual(seen[0]!.details, { pid: 5, argv: ['/bin/geth', `--rpcpassword=${MASK}`] });
  assert.ok(Object.isFrozen(seen[0]!.details));
  assert.equal(details.argv[1], `--rpcpassword=${secret}`, "the emitter's object is untouched");
  assert.deepEqual(records[0]!.identity!.argv, argv, 're-adoption compares the real argv');
});
