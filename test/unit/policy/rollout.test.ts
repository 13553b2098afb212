import { describe, test } from 'node:test';
import assert from 'node:assert/strict';
import type { NodeSpec } from '../../../src/config/types.js';
import { Rollout, type RestartAnswer, type RolloutStep } from '../../../src/policy/rollout.js';
import { FakeClock } from '../../helpers/fake-clock.js';

/**
 * The rollout's decisions alone: a fake manager whose nodes change state only
 * when the test says so, and a fake clock for the gate's bound.
 */

function spec(name: string, group: string, height = false): NodeSpec {
  return {
    name,
    sync: { group, minHealthy: 0 },
    restart: { startSeconds: 1 },
    probes: height ? { height: {} } : {},
  } as unknown as NodeSpec;
}

class FakeFleet {
  readonly states = new Map<string, string>();
  readonly health = new Map<string, string>();
  readonly restarted: string[] = [];
  defer = new Set<string>();
  private stateFns: Array<(n: string, to: string) => void> = [];
  private healthFns: Array<(n: string) => void> = [];
  constructor(readonly specs: NodeSpec[]) {
    for (const s of specs) this.states.set(s.name, 'running');
  }
  host = {
    spec: (n: string) => this.specs.find((s) => s.name === n),
    state: (n: string) => this.states.get(n),
    health: (n: string) => this.health.get(n),
    restart: (n: string): RestartAnswer => {
      if (this.defer.has(n)) return { outcome: 'deferred', why: 'min_healthy' };
      this.restarted.push(n);
      this.set(n, 'stopping');
      return { outcome: 'done' };
    },
  };
  feed = {
    onState: (fn: (n: string, to: string) => void) => {
      this.stateFns.push(fn);
      return () => (this.stateFns = this.stateFns.filter((f) => f !== fn));
    },
    onObservation: (fn: (n: string) => void) => {
      this.healthFns.push(fn);
      return () => (this.healthFns = this.healthFns.filter((f) => f !== fn));
    },
  };
  set(n: string, to: string): void {
    this.states.set(n, to);
    for (const f of [...this.stateFns]) f(n, to);
  }
  setHealth(n: string, h: string): void {
    this.health.set(n, h);
    for (const f of [...this.healthFns]) f(n);
  }
  /** The restarted node comes back: starting, then running. */
  up(n: string): void {
    this.set(n, 'starting');
    this.set(n, 'running');
  }
}

const flush = (): Promise<void> => new Promise((r) => setImmediate(r));

describe('Rollout', () => {
  test('one node at a time within a group; the next waits for in_sync when there is a height probe', async () => {
    const fleet = new FakeFleet([spec('a', 'g', true), spec('b', 'g', true)]);
    const clock = new FakeClock();
    const r = new Rollout(fleet.host, fleet.feed, clock, ['a', 'b'], { parallel: 0, gateMs: 10_000 }).start();
    assert.deepEqual(fleet.restarted, ['a']);
    fleet.up('a');
    await flush();
    assert.deepEqual(fleet.restarted, ['a'], 'b waits for a to be in sync');
    fleet.setHealth('a', 'in_sync');
    await flush();
    assert.deepEqual(fleet.restarted, ['a', 'b']);
    fleet.up('b');
    fleet.setHealth('b', 'in_sync');
    const res = await r.done;
    assert.deepEqual(
      res.map((x) => x.ok),
      [true, true],
    );
  });

  test('a gate not passed within gateMs fails the node and stops its group; other groups go on', async () => {
    const fleet = new FakeFleet([spec('a', 'g', true), spec('b', 'g'), spec('c', 'h')]);
    const clock = new FakeClock();
    const steps: RolloutStep[] = [];
    const r = new Rollout(
      fleet.host,
      fleet.feed,
      clock,
      ['a', 'b', 'c'],
      { parallel: 1, gateMs: 5000 },
      (s) => steps.push(s),
    ).start();
    assert.deepEqual(fleet.restarted, ['a'], 'parallel 1: one group at a time');
    fleet.up('a');
    clock.advance(4999);
    await flush();
    assert.deepEqual(fleet.restarted, ['a']);
    clock.advance(1);
    await flush();
    assert.deepEqual(fleet.restarted, ['a', 'c'], 'the next group starts once the first has ended');
    fleet.up('c');
    const res = await r.done;
    assert.match(res[0]!.message, /^ERROR \(gate: not passed within 5000 ms \(running, health unknown\)\)$/);
    assert.match(res[1]!.message, /not restarted: rollout of group g stopped at a/);
    assert.deepEqual(res[2], { node: 'c', ok: true, message: 'restarted' });
  });

  test('a restart the group floor defers is tried again when a member changes state; a failed start fails the gate', async () => {
    const fleet = new FakeFleet([spec('a', 'g'), spec('b', 'g')]);
    fleet.defer.add('a');
    const clock = new FakeClock();
    const r = new Rollout(fleet.host, fleet.feed, clock, ['a', 'b'], { parallel: 0, gateMs: 5000 }).start();
    assert.deepEqual(fleet.restarted, []);
    fleet.defer.clear();
    fleet.set('b', 'running');
    await flush();
    assert.deepEqual(fleet.restarted, ['a']);
    fleet.set('a', 'starting');
    fleet.set('a', 'backoff');
    const res = await r.done;
    assert.match(res[0]!.message, /gate: backoff before running 1s/);
    assert.equal(res[1]!.ok, false);
  });
});
