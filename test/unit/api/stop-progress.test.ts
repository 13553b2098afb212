/**
 * StopProgressFeed: the stop steps runners tell on the bus become the lines
 * `stop --wait` and `shutdown --wait` print, with a reminder every 10 s while
 * the grace lasts (fake clock: no waiting), only for the followed nodes.
 */
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { StopProgressFeed } from '../../../src/api/progress.js';
import { EventBus } from '../../../src/events/bus.js';
import type { ProgressLine } from '../../../src/protocol/types.js';
import { renderProgress } from '../../../src/cli/render/progress.js';
import { FakeClock } from '../../helpers/fake-clock.js';

function setup(): { bus: EventBus; clock: FakeClock; lines: ProgressLine[]; feed: StopProgressFeed } {
  const clock = new FakeClock();
  const bus = new EventBus(() => clock.wallNow());
  const lines: ProgressLine[] = [];
  const feed = new StopProgressFeed(bus, clock, (l) => lines.push(l));
  return { bus, clock, lines, feed };
}

test('signal, a reminder every 10 s while the grace lasts, SIGKILL when it is over, then stopped', () => {
  const { bus, clock, lines, feed } = setup();
  bus.emitStop('kmd-1', { step: 'signal', signal: 'SIGTERM', graceMs: 120_000 });
  clock.advance(10_000);
  clock.advance(10_000);
  assert.deepEqual(lines.map(renderProgress), [
    'kmd-1: SIGTERM sent (grace 120s)',
    'kmd-1: still stopping, 110s of grace left',
    'kmd-1: still stopping, 100s of grace left',
  ]);
  clock.advance(100_000);
  // The reminders stop before the grace ends: the SIGKILL line tells that moment.
  assert.equal(lines.length, 2 + 10);
  assert.equal(renderProgress(lines.at(-1)!), 'kmd-1: still stopping, 10s of grace left');
  bus.emitStop('kmd-1', { step: 'kill', reason: 'grace over' });
  bus.emitStop('kmd-1', {
    step: 'stopped',
    exitCode: null,
    exitSignal: 'SIGKILL',
    elapsedMs: 120_040,
    next: 'stopped',
  });
  clock.advance(60_000);
  assert.deepEqual(lines.slice(-2).map(renderProgress), [
    'kmd-1: SIGKILL sent (grace over)',
    'kmd-1: stopped (signal SIGKILL, 120.0s)',
  ]);
  assert.equal(lines.length, 14, 'nothing after the end');
  feed.close();
});

test('a node that stops within its grace ends its reminders; the exit code and duration are shown', () => {
  const { bus, clock, lines, feed } = setup();
  bus.emitStop('a', { step: 'signal', signal: 'SIGINT', graceMs: 30_000 });
  clock.advance(12_000);
  bus.emitStop('a', { step: 'stopped', exitCode: 0, exitSignal: null, elapsedMs: 12_345, next: 'stopped' });
  clock.advance(60_000);
  assert.deepEqual(lines.map(renderProgress), [
    'a: SIGINT sent (grace 30s)',
    'a: still stopping, 20s of grace left',
    'a: stopped (exit 0, 12.3s)',
  ]);
  feed.close();
});

test('only the followed nodes are told; close ends listening and reminding', () => {
  const { bus, clock, lines, feed } = setup();
  feed.follow(['b']);
  bus.emitStop('a', { step: 'signal', signal: 'SIGTERM', graceMs: 60_000 });
  bus.emitStop('b', { step: 'signal', signal: 'SIGTERM', graceMs: 60_000 });
  clock.advance(10_000);
  assert.deepEqual(
    lines.map((l) => [l.node, l.step]),
    [
      ['b', 'signal'],
      ['b', 'waiting'],
    ],
  );
  feed.close();
  clock.advance(30_000);
  bus.emitStop('b', { step: 'kill', reason: 'kill requested' });
  assert.equal(lines.length, 2);
});

test('an adopted process ends with an unknown exit; a short grace shows its tenths', () => {
  assert.equal(
    renderProgress({ type: 'progress', ts: 0, node: 'x', step: 'signal', signal: 'SIGTERM', graceMs: 2500 }),
    'x: SIGTERM sent (grace 2.5s)',
  );
  assert.equal(
    renderProgress({
      type: 'progress',
      ts: 0,
      node: 'x',
      step: 'stopped',
      exitCode: null,
      exitSignal: null,
      elapsedMs: 3200,
    }),
    'x: stopped (exit unknown, 3.2s)',
  );
});
