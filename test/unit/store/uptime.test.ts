import { test } from 'node:test';
import assert from 'node:assert/strict';
import { EventBus } from '../../../src/events/bus.js';
import { nullLogger } from '../../../src/logger.js';
import { attachStore } from '../../../src/store/attach.js';
import { openStore } from '../../../src/store/db.js';
import type { Store } from '../../../src/store/store.js';
import { computeUptime, type Interval } from '../../../src/store/uptime.js';
import { UPTIME_SCENARIOS, type UptimeScenario } from '../../fixtures/db/uptime-scenarios.js';
import { FakeClock, tempDir } from './helpers.js';

const T0 = Date.UTC(2024, 0, 1);
const at = (s: number): number => T0 + s * 1000;

/** Replay a scenario through a real bus into a real store (restarts reopen the file). */
function replay(dir: string, scenario: UptimeScenario, clock: FakeClock): Store {
  const open = (): { store: Store; bus: EventBus; detach: () => void } => {
    const store = openStore(dir, { logger: nullLogger, clock });
    const bus = new EventBus(() => clock.wallNow());
    return { store, bus, detach: attachStore(bus, store) };
  };
  let cur = open();
  for (const step of scenario.steps) {
    clock.wall = at(step.at);
    if ('restart' in step) {
      cur.detach();
      cur.store.close();
      cur = open();
    } else if ('sample' in step) {
      cur.store.recordSample({
        node: step.sample,
        ts: clock.wall,
        cpuPercent: 1,
        rssBytes: 1,
        height: null,
        lag: null,
        health: null,
      });
    } else if ('to' in step) {
      cur.bus.emitState({ node: step.node, from: '?', to: step.to, pid: step.pid ?? null });
    } else if (step.event === 'adopted') {
      cur.bus.emit({ node: step.node, type: 'adopted', details: { pid: step.pid } });
    } else {
      cur.bus.emit({ node: null, type: step.event });
    }
  }
  clock.wall = at(scenario.query.now);
  return cur.store;
}

for (const scenario of UPTIME_SCENARIOS) {
  test(`uptime: ${scenario.name}`, () => {
    const { dir, cleanup } = tempDir();
    const store = replay(dir, scenario, new FakeClock(T0));
    try {
      const q = scenario.query;
      const rows = store.uptime({
        sinceMs: at(q.since),
        untilMs: at(q.until),
        ...(q.nodes && { nodes: q.nodes }),
      });
      assert.deepEqual(
        rows.map((r) => r.node),
        scenario.expect.map((e) => e.node),
        'nodes, worst first',
      );
      rows.forEach((r, i) => {
        const e = scenario.expect[i]!;
        if (e.percent === null) assert.equal(r.uptimePercent, null, r.node);
        else {
          assert.ok(
            r.uptimePercent !== null && Math.abs(r.uptimePercent - e.percent) <= 0.05,
            `${r.node}: ${r.uptimePercent} ≠ ${e.percent}`,
          );
        }
        assert.ok(
          Math.abs(r.observedSeconds - e.observed) < 0.001,
          `${r.node} observed ${r.observedSeconds} ≠ ${e.observed}`,
        );
        assert.ok(r.upSeconds >= 0 && r.upSeconds <= r.observedSeconds, `${r.node}: up within [0, observed]`);
      });
    } finally {
      store.close();
      cleanup();
    }
  });
}

test('computeUptime stays within [0, 100] for arbitrary intervals (never negative)', () => {
  // A deterministic pseudo-random walk over messy input: overlaps, reversed and open intervals.
  let seed = 7;
  const rand = (n: number): number => (seed = (seed * 1103515245 + 12345) % 2 ** 31) % n;
  for (let round = 0; round < 200; round++) {
    const intervals: Interval[] = [];
    for (let i = 0; i < 8; i++) {
      const start = rand(2000);
      const end = rand(4) === 0 ? null : start + rand(800) - 200;
      intervals.push({ node: `n${rand(3)}`, state: rand(2) ? 'running' : 'stopped', start, end });
    }
    const firstSeen = new Map<string, number>();
    for (const iv of intervals)
      firstSeen.set(iv.node, Math.min(firstSeen.get(iv.node) ?? Infinity, iv.start));
    const since = rand(1500);
    const rows = computeUptime(intervals, firstSeen, { sinceMs: since, untilMs: since + rand(1500) }, 1800);
    for (const r of rows) {
      assert.ok(
        r.upSeconds >= 0 && r.observedSeconds >= 0 && r.upSeconds <= r.observedSeconds,
        JSON.stringify(r),
      );
      if (r.uptimePercent !== null)
        assert.ok(r.uptimePercent >= 0 && r.uptimePercent <= 100, JSON.stringify(r));
    }
  }
});

test('uptime with since after until reports no negative time', () => {
  const rows = computeUptime(
    [{ node: 'a', state: 'running', start: 0, end: null }],
    new Map([['a', 0]]),
    { sinceMs: 500, untilMs: 100, nodes: ['a'] },
    1000,
  );
  assert.equal(rows[0]?.observedSeconds, 0);
  assert.equal(rows[0]?.uptimePercent, null);
});
