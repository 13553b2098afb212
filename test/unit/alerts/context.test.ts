import { test } from 'node:test';
import assert from 'node:assert/strict';
import { buildContext, type ContextSources } from '../../../src/alerts/context.js';
import type { Renderable } from '../../../src/alerts/context.js';
import { SOURCES } from './harness.js';

/** The live observation has moved on since the event: the mail must not show it. */
const LATER: ContextSources = {
  ...SOURCES,
  observe: () => ({ health: 'in_sync', height: 2000, referenceHeight: 2001, lag: 1 }),
};

function decision(type: string, details: Record<string, unknown>): Renderable {
  return {
    event: { id: 7, ts: Date.now(), node: 'geth', type, severity: 'warning', reason: 'lag', details },
    suppressed: 0,
    suppressedSince: null,
    condition: type,
    resolved: false,
  } as unknown as Renderable;
}

test('a sync event shows the heights it recorded, not the live ones at render time', async () => {
  const ctx = await buildContext(
    decision('out_of_sync', { height: 900, referenceHeight: 1000, reference: 1000, lag: 100 }),
    LATER,
  );
  assert.equal(ctx.node.height, 900);
  assert.equal(ctx.node.referenceHeight, 1000);
  assert.equal(ctx.node.lag, 100);
});

test('an event stored before referenceHeight was recorded uses its `reference`; a null stays null', async () => {
  const old = await buildContext(decision('out_of_sync', { height: 5, reference: 50, lag: 45 }), LATER);
  assert.equal(old.node.referenceHeight, 50);
  const unknown = await buildContext(decision('unreachable', { height: null, referenceHeight: null }), LATER);
  assert.equal(unknown.node.height, null);
  assert.equal(unknown.node.referenceHeight, null);
  assert.equal(unknown.node.lag, 1, 'a figure the event does not carry is the live one');
});

test('an event without heights (a crash) shows the live observation', async () => {
  const ctx = await buildContext(decision('crashed', { code: 1, signal: null, uptimeMs: 10 }), LATER);
  assert.equal(ctx.node.height, 2000);
  assert.equal(ctx.node.referenceHeight, 2001);
});
