import { describe, test } from 'node:test';
import assert from 'node:assert/strict';
import { FakeClock } from '../../helpers/fake-clock.js';
import {
  SyncActions,
  type GroupFacts,
  type MemberFacts,
  type Plan,
} from '../../../src/policy/sync-actions.js';

/**
 * The restart planner: facts in, one action (or none) out. Each test plays the
 * supervisor's part by hand: it "executes" the action (restarted) and reports
 * the state changes that follow.
 */

const WINDOW = 10_000;
const GRACE = 5_000;

function m(name: string, o: Partial<MemberFacts> = {}): MemberFacts {
  return {
    name,
    state: 'running',
    held: false,
    health: 'in_sync',
    episode: null,
    healthSince: 0,
    hasFallback: false,
    minHealthy: 1,
    startupGraceMs: GRACE,
    windowMs: WINDOW,
    ...o,
  };
}

const OUT = { health: 'out_of_sync', episode: 'out_of_sync' } as const;
const group = (...members: MemberFacts[]): GroupFacts => ({ group: 'g', members });

function setup() {
  const clock = new FakeClock({ now: 100_000 });
  const actions = new SyncActions(clock);
  /** Plan, and if there is an action, carry it out and bring the node back to running. */
  const cycle = (facts: GroupFacts): Plan => {
    const p = actions.plan(facts);
    if (p.action) {
      actions.restarted('g', p.action);
      actions.stateChanged(p.action.node, 'stopping');
      actions.stateChanged(p.action.node, 'starting');
      actions.stateChanged(p.action.node, 'running');
    }
    return p;
  };
  return { clock, actions, cycle };
}

describe('sync actions: restarts', () => {
  test('an out-of-sync node is restarted with reason out_of_sync; healthy ones are left alone', () => {
    const { actions } = setup();
    const p = actions.plan(group(m('a'), m('b', OUT), m('c')));
    assert.equal(p.action?.node, 'b');
    assert.equal(p.action?.reason, 'out_of_sync');
    assert.equal(p.action?.profile, null);
    assert.equal(p.action?.switchesProfile, false);
  });

  test('an unreachable node is restarted with reason unreachable', () => {
    const { actions } = setup();
    const p = actions.plan(group(m('a'), m('b', { health: 'unreachable', episode: 'unreachable' })));
    assert.equal(p.action?.reason, 'unreachable');
  });

  test('syncing, unknown and in_sync nodes are never restarted', () => {
    const { actions } = setup();
    const p = actions.plan(group(m('a', { health: 'syncing' }), m('b', { health: 'unknown' }), m('c')));
    assert.equal(p.action, null);
  });

  test('held nodes are skipped', () => {
    const { actions } = setup();
    assert.equal(actions.plan(group(m('a'), m('b', { ...OUT, held: true }))).action, null);
  });

  test('nodes that are not running are not restarted by policy', () => {
    const { actions } = setup();
    assert.equal(actions.plan(group(m('a'), m('b', { ...OUT, state: 'backoff' }))).action, null);
  });

  test('restarts in a group are serialized: the next waits until the previous runs again', () => {
    const { actions } = setup();
    const facts = group(m('a', OUT), m('b', OUT), m('c'));
    const p1 = actions.plan(facts);
    assert.equal(p1.action?.node, 'a');
    actions.restarted('g', p1.action!);
    for (const st of ['stopping', 'starting'] as const) {
      actions.stateChanged('a', st);
      const p = actions.plan(
        group(m('a', { state: st, health: 'unknown', episode: 'out_of_sync' }), m('b', OUT), m('c')),
      );
      assert.equal(p.action, null, `a is ${st}: wait`);
      assert.equal(p.waitingFor, 'a');
    }
    actions.stateChanged('a', 'running');
    const p2 = actions.plan(
      group(m('a', { health: 'unknown', episode: 'out_of_sync' }), m('b', OUT), m('c')),
    );
    assert.equal(p2.action?.node, 'b');
  });

  test('a restart that ends in backoff (a failed start) also frees the group', () => {
    const { actions } = setup();
    const p1 = actions.plan(group(m('a', OUT), m('b', OUT), m('c')));
    actions.restarted('g', p1.action!);
    actions.stateChanged('a', 'backoff');
    assert.equal(actions.plan(group(m('a', { state: 'backoff' }), m('b', OUT), m('c'))).action?.node, 'b');
  });

  test('never below sync.minHealthy running members', () => {
    const { actions } = setup();
    const p = actions.plan(group(m('a', { minHealthy: 2 }), m('b', { ...OUT, minHealthy: 2 })));
    assert.equal(p.action, null);
    assert.deepEqual(
      p.deferred.map((d) => [d.node, d.why]),
      [['b', 'min_healthy']],
    );
    // With a third member running there is room for one down.
    const p2 = actions.plan(
      group(m('a', { minHealthy: 2 }), m('b', { ...OUT, minHealthy: 2 }), m('c', { minHealthy: 2 })),
    );
    assert.equal(p2.action?.node, 'b');
  });

  test('members that are not running do not count toward minHealthy', () => {
    const { actions } = setup();
    const p = actions.plan(group(m('a', { state: 'stopped' }), m('b', OUT)));
    assert.equal(p.action, null);
    assert.equal(p.deferred[0]?.why, 'min_healthy');
  });

  test('a singleton group is restarted despite minHealthy 1 (nothing else can heal it)', () => {
    const { actions } = setup();
    assert.equal(actions.plan(group(m('solo', OUT))).action?.node, 'solo');
  });

  test('cool-down: no second policy restart within startupGraceMs + windowMs, then it doubles', () => {
    const { clock, actions, cycle } = setup();
    const base = GRACE + WINDOW;
    assert.equal(cycle(group(m('a'), m('b', OUT))).action?.node, 'b');
    clock.advance(base - 1);
    const p = actions.plan(group(m('a'), m('b', OUT)));
    assert.equal(p.action, null);
    assert.deepEqual(
      p.deferred.map((d) => [d.node, d.why, d.details.waitMs]),
      [['b', 'cooldown', 1]],
    );
    clock.advance(1);
    const p2 = cycle(group(m('a'), m('b', OUT)));
    assert.equal(p2.action?.details.restartsInARow, 2);
    clock.advance(2 * base - 1);
    assert.equal(
      actions.plan(group(m('a'), m('b', OUT))).action,
      null,
      'the second cool-down is twice as long',
    );
    clock.advance(1);
    assert.equal(actions.plan(group(m('a'), m('b', OUT))).action?.node, 'b');
  });

  test('being in sync resets the back-off', () => {
    const { clock, actions, cycle } = setup();
    cycle(group(m('a'), m('b', OUT)));
    actions.plan(group(m('a'), m('b')));
    clock.advance(1);
    const p = actions.plan(group(m('a'), m('b', OUT)));
    assert.equal(p.action?.node, 'b');
    assert.equal(p.action?.details.restartsInARow, 1);
  });

  test('a restart the runner ignored frees the group again', () => {
    const { actions } = setup();
    const p = actions.plan(group(m('a', OUT), m('b', OUT), m('c')));
    actions.restarted('g', p.action!);
    actions.stateChanged('a', 'running');
    assert.equal(actions.plan(group(m('a', OUT), m('b', OUT), m('c'))).waitingFor, null);
  });
});

describe('sync actions: the fallback profile', () => {
  const fb = { hasFallback: true };

  test('a group wholly out of sync switches to fallback, one member at a time, the unhealthy first', () => {
    const { actions, cycle } = setup();
    // a was already restarted normally (in its grace, episode still open); b and c are out of sync.
    const facts = group(
      m('a', { ...fb, health: 'unknown', episode: 'out_of_sync' }),
      m('b', { ...fb, ...OUT }),
      m('c', { ...fb, ...OUT }),
    );
    const p1 = cycle(facts);
    assert.equal(p1.modeChange, 'fallback_entered');
    assert.deepEqual(
      [p1.action?.node, p1.action?.reason, p1.action?.profile, p1.action?.switchesProfile],
      ['b', 'out_of_sync', 'fallback', true],
    );
    assert.equal(p1.action?.details.groupOutOfSync, true);
    assert.equal(actions.modeOf('g'), 'fallback');
    assert.equal(cycle(facts).action?.node, 'c');
    assert.equal(cycle(facts).action?.node, 'a', 'the member in grace moves to fallback too');
    assert.equal(cycle(facts).action, null);
    for (const n of ['a', 'b', 'c']) assert.equal(actions.profileOf(n), 'fallback');
  });

  test('not every member out of sync: plain restarts, no fallback', () => {
    const { actions } = setup();
    const p = actions.plan(group(m('a', { ...fb, ...OUT }), m('b', { ...fb, ...OUT }), m('c', fb)));
    assert.equal(p.modeChange, null);
    assert.equal(p.action?.profile, null);
  });

  test('no member defines profiles.fallback: plain restarts', () => {
    const { actions } = setup();
    const p = actions.plan(group(m('a', OUT), m('b', OUT)));
    assert.equal(p.modeChange, null);
    assert.equal(p.action?.switchesProfile, false);
  });

  test('back to normal once every fallback member is in sync for windowMs, with reason config', () => {
    const { clock, actions, cycle } = setup();
    const out = group(m('a', { ...fb, ...OUT }), m('b', { ...fb, ...OUT }));
    cycle(out);
    cycle(out);
    assert.equal(actions.profileOf('a'), 'fallback');
    assert.equal(actions.profileOf('b'), 'fallback');
    const since = clock.now();
    const good = group(m('a', { ...fb, healthSince: since }), m('b', { ...fb, healthSince: since }));
    clock.advance(WINDOW - 1);
    assert.equal(actions.plan(good).action, null, 'not yet in sync for windowMs');
    clock.advance(1);
    const p = cycle(good);
    assert.equal(p.modeChange, 'fallback_left');
    assert.deepEqual([p.action?.node, p.action?.reason, p.action?.profile], ['a', 'config', null]);
    assert.equal(p.action?.details.previousProfile, 'fallback');
    assert.equal(cycle(good).action?.node, 'b');
    assert.equal(cycle(good).action, null);
    assert.equal(actions.modeOf('g'), 'normal');
  });

  test('a second fallback in a row holds twice as long before returning', () => {
    const { clock, actions, cycle } = setup();
    const out = group(m('a', { ...fb, ...OUT }), m('b', { ...fb, ...OUT }));
    cycle(out);
    cycle(out);
    let good = group(
      m('a', { ...fb, healthSince: clock.now() }),
      m('b', { ...fb, healthSince: clock.now() }),
    );
    clock.advance(WINDOW);
    cycle(good);
    cycle(good);
    assert.equal(actions.modeOf('g'), 'normal');
    // Out of sync again on the normal profile: the second fallback.
    assert.equal(cycle(out).modeChange, 'fallback_entered');
    cycle(out);
    good = group(m('a', { ...fb, healthSince: clock.now() }), m('b', { ...fb, healthSince: clock.now() }));
    clock.advance(WINDOW);
    assert.equal(actions.plan(good).modeChange, null);
    clock.advance(WINDOW);
    assert.equal(actions.plan(good).modeChange, 'fallback_left');
  });

  test('a fallback member that is out of sync again is restarted on fallback', () => {
    const { clock, actions, cycle } = setup();
    const out = group(m('a', { ...fb, ...OUT }), m('b', { ...fb, ...OUT }));
    cycle(out);
    cycle(out);
    const again = group(m('a', { ...fb, ...OUT, healthSince: null }), m('b', fb));
    assert.equal(
      actions.plan(again).deferred[0]?.why,
      'cooldown',
      'the switch counts as a restart for the cool-down',
    );
    clock.advance(GRACE + WINDOW);
    const p = actions.plan(again);
    assert.deepEqual(
      [p.action?.node, p.action?.profile, p.action?.switchesProfile],
      ['a', 'fallback', false],
    );
  });

  test('held members are not switched, and do not block the return', () => {
    const { clock, actions, cycle } = setup();
    const out = group(
      m('a', { ...fb, ...OUT }),
      m('b', { ...fb, ...OUT, held: true }),
      m('c', { ...fb, ...OUT }),
    );
    assert.equal(cycle(out).action?.node, 'a');
    assert.equal(cycle(out).action?.node, 'c');
    assert.equal(cycle(out).action, null);
    assert.equal(actions.profileOf('b'), null);
    const t = clock.now();
    clock.advance(WINDOW);
    const good = group(
      m('a', { ...fb, healthSince: t }),
      m('b', { ...fb, ...OUT, held: true }),
      m('c', { ...fb, healthSince: t }),
    );
    assert.equal(cycle(good).modeChange, 'fallback_left');
  });

  test('singleton: a normal restart first; out of sync again in the same episode switches to fallback', () => {
    const { clock, actions, cycle } = setup();
    const p1 = cycle(group(m('solo', { ...fb, ...OUT })));
    assert.deepEqual([p1.action?.profile, p1.modeChange], [null, null]);
    clock.advance(GRACE + WINDOW);
    const p2 = cycle(group(m('solo', { ...fb, ...OUT })));
    assert.equal(p2.modeChange, 'fallback_entered');
    assert.deepEqual([p2.action?.reason, p2.action?.profile], ['out_of_sync', 'fallback']);
    assert.equal(actions.modeOf('g'), 'fallback');
  });
});
