import { describe, test } from 'node:test';
import assert from 'node:assert/strict';
import type { EventType, NodewardenEvent } from '../../../src/events/types.js';
import { Throttle } from '../../../src/alerts/throttle.js';

const ON = new Set<string>(['crashed', 'fatal', 'out_of_sync', 'in_sync', 'unreachable', 'paused']);
const WINDOW = 300_000;
const T0 = 1_700_000_000_000;

function ev(type: EventType, ts: number, node: string | null = 'ant-1'): NodewardenEvent {
  return { ts, node, type, severity: 'warning', reason: null, details: {} };
}

describe('throttle: one message per node and condition per window', () => {
  test('the first crash is sent at once, with nothing suppressed', () => {
    const t = new Throttle();
    const out = t.onEvent(ev('crashed', T0), T0, WINDOW, ON);
    assert.equal(out.length, 1);
    assert.deepEqual(
      { ...out[0], event: out[0]!.event.type },
      {
        event: 'crashed',
        condition: 'crashed',
        resolved: false,
        suppressed: 0,
        suppressedSince: null,
      },
    );
  });

  test('a crash loop of 20 in the window: one message now, one summary at the window end counting 18 more', () => {
    const t = new Throttle();
    const sent = [];
    for (let i = 0; i < 20; i++)
      sent.push(...t.onEvent(ev('crashed', T0 + i * 5000), T0 + i * 5000, WINDOW, ON));
    assert.equal(sent.length, 1);
    assert.equal(t.nextFlushAt(WINDOW), T0 + WINDOW);
    assert.deepEqual(t.flushDue(T0 + WINDOW - 1, WINDOW), []);
    const [summary, ...rest] = t.flushDue(T0 + WINDOW, WINDOW);
    assert.equal(rest.length, 0);
    assert.equal(summary!.event.ts, T0 + 19 * 5000, 'the latest crash is the one shown');
    assert.equal(summary!.suppressed, 18);
    assert.equal(summary!.suppressedSince, T0 + 5000);
    assert.equal(t.nextFlushAt(WINDOW), null);
  });

  test('keys are separate per node and per type', () => {
    const t = new Throttle();
    assert.equal(t.onEvent(ev('crashed', T0, 'a'), T0, WINDOW, ON).length, 1);
    assert.equal(t.onEvent(ev('crashed', T0, 'b'), T0, WINDOW, ON).length, 1);
    assert.equal(t.onEvent(ev('fatal', T0, 'a'), T0, WINDOW, ON).length, 1);
    assert.equal(t.onEvent(ev('crashed', T0, null), T0, WINDOW, ON).length, 1);
  });

  test('types not in alerts.on are ignored', () => {
    const t = new Throttle();
    assert.deepEqual(t.onEvent(ev('backoff', T0), T0, WINDOW, ON), []);
    assert.deepEqual(t.takeDirty(), []);
  });

  test('after the window a new crash is sent and carries the count if no summary went out yet (late timer, restart)', () => {
    const t = new Throttle();
    t.onEvent(ev('crashed', T0), T0, WINDOW, ON);
    t.onEvent(ev('crashed', T0 + 1000), T0 + 1000, WINDOW, ON);
    t.onEvent(ev('crashed', T0 + 2000), T0 + 2000, WINDOW, ON);
    const [m] = t.onEvent(ev('crashed', T0 + WINDOW + 5), T0 + WINDOW + 5, WINDOW, ON);
    assert.equal(m!.suppressed, 2);
    assert.equal(m!.suppressedSince, T0 + 1000);
    assert.equal(t.nextFlushAt(WINDOW), null);
  });

  test('throttleSeconds 0 sends everything', () => {
    const t = new Throttle();
    for (let i = 0; i < 5; i++) assert.equal(t.onEvent(ev('crashed', T0), T0, 0, ON).length, 1);
  });
});

describe('throttle: resolved notes', () => {
  test('in_sync after an alerted out_of_sync sends a resolved note at once, under the same key', () => {
    const t = new Throttle();
    t.onEvent(ev('out_of_sync', T0), T0, WINDOW, ON);
    const [m, ...rest] = t.onEvent(ev('in_sync', T0 + 1000), T0 + 1000, WINDOW, ON);
    assert.equal(rest.length, 0);
    assert.equal(m!.resolved, true);
    assert.equal(m!.condition, 'out_of_sync');
    assert.equal(m!.event.type, 'in_sync');
    assert.equal(t.get('ant-1', 'out_of_sync')!.open, false);
  });

  test('in_sync with nothing open sends nothing (a node reaching sync at startup is not news)', () => {
    const t = new Throttle();
    assert.deepEqual(t.onEvent(ev('in_sync', T0), T0, WINDOW, ON), []);
  });

  test('in_sync also resolves unreachable; resumed resolves paused; started resolves fatal', () => {
    const t = new Throttle();
    t.onEvent(ev('unreachable', T0), T0, WINDOW, ON);
    assert.equal(t.onEvent(ev('in_sync', T0 + 1), T0 + 1, WINDOW, ON)[0]!.condition, 'unreachable');
    t.onEvent(ev('paused', T0), T0, WINDOW, ON);
    assert.equal(t.onEvent(ev('resumed', T0 + 1), T0 + 1, WINDOW, ON)[0]!.condition, 'paused');
    t.onEvent(ev('fatal', T0), T0, WINDOW, ON);
    const [recovered] = t.onEvent(ev('started', T0 + 1), T0 + 1, WINDOW, ON);
    assert.equal(recovered!.condition, 'fatal');
    assert.equal(recovered!.resolved, true);
    assert.deepEqual(
      t.onEvent(ev('started', T0 + 2), T0 + 2, WINDOW, ON),
      [],
      'an ordinary start is no alert',
    );
  });

  test('a flapping node mails once, then its resolution, then one summary per window', () => {
    const t = new Throttle();
    const out = [];
    for (let i = 0; i < 10; i++) {
      out.push(...t.onEvent(ev('out_of_sync', T0 + i * 20_000), T0 + i * 20_000, WINDOW, ON));
      out.push(...t.onEvent(ev('in_sync', T0 + i * 20_000 + 10_000), T0 + i * 20_000 + 10_000, WINDOW, ON));
    }
    assert.deepEqual(
      out.map((m) => [m.event.type, m.resolved]),
      [
        ['out_of_sync', false],
        ['in_sync', true],
      ],
    );
    const [summary] = t.flushDue(T0 + WINDOW, WINDOW);
    assert.equal(summary!.event.type, 'in_sync', 'the current state (resolved) is what the summary shows');
    assert.equal(summary!.resolved, true);
    assert.equal(summary!.suppressed, 9);
  });

  test('state survives a restart: a new Throttle built from the saved states keeps the window and the count', () => {
    const t = new Throttle();
    t.onEvent(ev('crashed', T0), T0, WINDOW, ON);
    t.onEvent(ev('crashed', T0 + 1000), T0 + 1000, WINDOW, ON);
    const saved = t.takeDirty();
    const again = new Throttle(saved);
    assert.deepEqual(again.onEvent(ev('crashed', T0 + 2000), T0 + 2000, WINDOW, ON), []);
    const [summary] = again.flushDue(T0 + WINDOW, WINDOW);
    assert.equal(summary!.suppressed, 1);
  });
});
