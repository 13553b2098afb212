import { describe, test } from 'node:test';
import assert from 'node:assert/strict';
import type { NodeSpec, ProbeSpec, TargetSpec } from '../../../src/config/types.js';
import { EventBus } from '../../../src/events/bus.js';
import type { NodewardenEvent, TargetStateChange } from '../../../src/events/types.js';
import { nullLogger } from '../../../src/logger.js';
import { Observations } from '../../../src/monitoring/observations.js';
import type { ProbeResult, ProbeRunner } from '../../../src/monitoring/probes/index.js';
import { attachTargets, type TargetHost } from '../../../src/monitoring/targets.js';
import { FakeClock } from '../../helpers/fake-clock.js';

/** The target watcher on a FakeClock, with a probe runner the test answers by hand (no sockets, no sleeps). */

const INTERVAL = 1000;

function spec(name: string, extra: Partial<TargetSpec> = {}): TargetSpec {
  const probe: ProbeSpec = { type: 'http', url: `http://t/${name}`, intervalMs: INTERVAL, timeoutMs: 5000 };
  return {
    name,
    index: 1,
    file: `/cfg/targets/${name}.json`,
    description: null,
    labels: {},
    probes: { height: probe },
    intervalMs: INTERVAL,
    timeoutMs: 5000,
    downAfter: 2,
    sync: { group: null },
    ...extra,
  };
}

/** Flush the promise callbacks the prober chains after a probe settles. */
const settle = () => new Promise<void>((r) => setImmediate(r));

function harness(targets: TargetSpec[], answer: (name: string, clock: FakeClock) => Promise<ProbeResult>) {
  const clock = new FakeClock();
  const bus = new EventBus(() => clock.wallNow());
  const starts = new Map<string, number[]>();
  const inFlight = new Map<string, number>();
  let overlap = 0;
  const run: ProbeRunner = async (p) => {
    const name = p.url!.slice('http://t/'.length);
    (starts.get(name) ?? starts.set(name, []).get(name)!).push(clock.now());
    const n = (inFlight.get(name) ?? 0) + 1;
    inFlight.set(name, n);
    if (n > 1) overlap++;
    try {
      return await answer(name, clock);
    } finally {
      inFlight.set(name, inFlight.get(name)! - 1);
    }
  };
  const observations = new Observations();
  const host: TargetHost = {
    bus,
    clock,
    logger: nullLogger,
    observations,
    supervisor: {
      names: () => ['node-a'],
      spec: (n: string) => (n === 'node-a' ? ({ sync: { group: 'g' } } as NodeSpec) : undefined),
    },
    targets: () => targets,
    targetStatus: () => [],
    addWatcher: () => {},
  };
  const events: NodewardenEvent[] = [];
  const changes: TargetStateChange[] = [];
  bus.on('event', (e) => events.push(e));
  bus.on('target', (c) => changes.push(c));
  const w = attachTargets(host, { run });
  return { clock, host, w, starts, events, changes, observations, overlap: () => overlap };
}

/** What a probe with `path: height` reads from a good answer. */
const ok = (height = 1000): ProbeResult => ({ ok: true, value: height, seconds: 0.01 });

describe('target watcher', () => {
  test('200 targets, one of them hanging until its timeout: nobody waits for it, and it never overlaps itself', async () => {
    const targets = Array.from({ length: 200 }, (_, i) => spec(`t${i + 1}`));
    const h = harness(targets, (name, clock) =>
      name === 't7'
        ? new Promise((resolve) =>
            clock.setTimer(5000, () => resolve({ ok: false, error: 'timed out after 5000 ms', seconds: 5 })),
          )
        : Promise.resolve(ok()),
    );
    for (let t = 0; t < 30_000; t += 50) {
      h.clock.advance(50);
      await settle();
    }
    assert.equal(h.overlap(), 0, 'no target had two probes in flight');
    for (const t of targets) {
      const s = h.starts.get(t.name) ?? [];
      if (t.name === 't7') {
        // A probe that takes 5 s: the next one starts when it ends (its interval is long over), never earlier.
        assert.ok(s.length >= 5 && s.length <= 7, `t7 probed ${s.length} times`);
        // (The fake clock moves in 50 ms steps: a probe's end is seen at the end of its step.)
        for (let i = 1; i < s.length; i++) {
          const gap = s[i]! - s[i - 1]!;
          assert.ok(gap >= 5000 && gap <= 5050, `t7: ${gap} ms between two probes`);
        }
        continue;
      }
      assert.ok(s[0]! < INTERVAL, `${t.name}: first round within one interval (${s[0]})`);
      for (let i = 1; i < s.length; i++) assert.equal(s[i]! - s[i - 1]!, INTERVAL, `${t.name}: on schedule`);
      assert.ok(s.length >= 29, `${t.name} probed ${s.length} times`);
    }
    const firsts = targets.map((t) => h.starts.get(t.name)![0]!);
    assert.ok(new Set(firsts).size > 100, 'first rounds are spread over the interval, not all at once');
    assert.deepEqual(
      h.events.map((e) => [e.type, e.node]),
      [['target_down', 't7']],
    );
    assert.equal(h.w.status().find((r) => r.name === 't7')!.state, 'down');
  });

  test("a target in a sync group is shown against the group's reference height", async () => {
    const h = harness([spec('peer', { sync: { group: 'g' } }), spec('solo')], () => Promise.resolve(ok(990)));
    h.observations.update('node-a', { referenceHeight: 1000 });
    h.clock.advance(INTERVAL);
    await settle();
    const rows = new Map(h.w.status().map((r) => [r.name, r]));
    assert.deepEqual(
      [
        rows.get('peer')!.height,
        rows.get('peer')!.referenceHeight,
        rows.get('peer')!.lag,
        rows.get('peer')!.group,
      ],
      [990, 1000, 10, 'g'],
    );
    assert.deepEqual([rows.get('solo')!.referenceHeight, rows.get('solo')!.lag], [null, null]);
  });

  test('a height probe whose answer is no height is a failure: two make the target down', async () => {
    const h = harness([spec('x')], () => Promise.resolve({ ok: true, value: 'tip', seconds: 0 }));
    for (let i = 0; i < 3; i++) {
      h.clock.advance(INTERVAL);
      await settle();
    }
    assert.deepEqual(
      h.changes.map((c) => [c.node, c.from, c.to]),
      [['x', 'unknown', 'down']],
    );
  });
});
