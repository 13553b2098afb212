import { describe, test } from 'node:test';
import assert from 'node:assert/strict';
import type { NodeSpec, ProbeSpec } from '../../../src/config/types.js';
import { EventBus } from '../../../src/events/bus.js';
import type { NodewardenEvent } from '../../../src/events/types.js';
import { nullLogger } from '../../../src/logger.js';
import { attachProber, type HealthObservation } from '../../../src/monitoring/health.js';
import { Observations } from '../../../src/monitoring/observations.js';
import { ChainReading, type ProbeRunner } from '../../../src/monitoring/probes/index.js';
import { FakeClock } from '../../helpers/fake-clock.js';
import { flush } from '../../helpers/fake-driver.js';
import { fakeSupervisor } from '../../helpers/fake-supervisor.js';
import { testSpec } from '../supervisor/fixtures.js';

/**
 * The health watcher's wiring on a FakeClock, a FakeDriver and a scripted probe
 * runner: which nodes are probed, what a failed probe does, events, restarts
 * through the runner, held nodes, the grace at every start, the metrics hook.
 */

const probe = (url: string): ProbeSpec => ({ type: 'http', url, intervalMs: 1000, timeoutMs: 500 });

function spec(
  name: string,
  o: { fallback?: boolean; reference?: boolean; extraProbes?: Record<string, ProbeSpec> } = {},
): NodeSpec {
  const base = testSpec({ name, restart: { startSeconds: 1 }, stop: { graceMs: 5000 } });
  return {
    ...base,
    probes: { height: probe(`${name}/height`), ...o.extraProbes },
    sync: {
      ...base.sync,
      group: 'g',
      maxLag: 5,
      windowMs: 5_000,
      stallMs: 10_000,
      startupGraceMs: 3_000,
      reference: o.reference ? [probe('explorer')] : [],
    },
    profileNames: o.fallback ? ['fallback'] : [],
  };
}

/** What each probe url answers at clock time t: a value, or an Error for a failure. */
type Script = Record<string, (t: number) => unknown>;

async function setup(specs: NodeSpec[], script: Script) {
  const clock = new FakeClock({ now: 0 });
  const bus = new EventBus(() => clock.wallNow());
  const { supervisor, driver } = await fakeSupervisor(specs, {
    clock,
    bus,
    manager: { retention: { eventsDays: 1, samplesDays: 1 } },
  });
  const calls: string[] = [];
  const run: ProbeRunner = async (p) => {
    calls.push(p.url!);
    const v = script[p.url!]?.(clock.now());
    return v instanceof Error
      ? { ok: false, error: v.message, seconds: 0.01 }
      : { ok: true, value: v, seconds: 0.01 };
  };
  const probes: [string, string, boolean][] = [];
  const watchers: { stop(): Promise<void> | void }[] = [];
  const observations = new Observations();
  const events: NodewardenEvent[] = [];
  bus.on('event', (e) => events.push(e));
  const health = attachProber(
    {
      bus,
      supervisor,
      observations,
      clock,
      logger: nullLogger,
      addWatcher: (w) => watchers.push(w),
    },
    { run, onProbe: (n, p, _s, ok) => probes.push([n, p, ok]) },
  );
  /** Advance time in 100 ms steps, letting probe results and spawns come back in between. */
  const tick = async (ms: number): Promise<void> => {
    for (let i = 0; i < ms; i += 100) {
      clock.advance(100);
      await flush();
    }
  };
  /** Exit every process that got a stop signal (a polite node). */
  const obey = (): void => {
    for (const s of driver.signals.splice(0)) {
      const p = driver.alive().find((x) => x.identity.pgid === s.pgid);
      if (p) driver.exit(p.identity.pid, 0, null);
    }
  };
  const close = async (): Promise<void> => {
    for (const w of watchers) await w.stop();
    for (const p of driver.alive()) driver.exit(p.identity.pid, null, 'SIGKILL');
    await supervisor.shutdown();
  };
  return { clock, bus, driver, supervisor, calls, probes, observations, events, health, tick, obey, close };
}

const tip = (t: number): number => 1000 + Math.floor(t / 1000);
const restartsOf = (events: NodewardenEvent[], node: string) =>
  events.filter((e) => e.type === 'restarting' && e.node === node);

describe('health watcher', () => {
  test('only running nodes are probed; probing stops when a node stops', async () => {
    const h = await setup([spec('a')], { 'a/height': tip });
    assert.deepEqual(h.calls, []);
    h.supervisor.start(['a']);
    await flush();
    await h.tick(900);
    assert.deepEqual(h.calls, [], 'starting is not running: no probe yet');
    await h.tick(200);
    assert.deepEqual(h.calls, ['a/height']);
    const stopped = h.supervisor.stop(['a']);
    h.obey();
    await stopped;
    const n = h.calls.length;
    await h.tick(5000);
    assert.equal(h.calls.length, n);
    assert.equal(h.observations.get('a')?.health, 'unknown');
    await h.close();
  });

  test('a height that is no number is a failed probe: no height, unreachable, restarted as unreachable', async () => {
    const h = await setup([spec('a'), spec('b')], { 'a/height': () => 'abc', 'b/height': tip });
    h.supervisor.start(['a', 'b']);
    await flush();
    await h.tick(1100);
    assert.deepEqual(
      h.probes.find((p) => p[0] === 'a'),
      ['a', 'height', false],
      'the metrics hook hears a failure',
    );
    assert.deepEqual(
      h.probes.find((p) => p[0] === 'b'),
      ['b', 'height', true],
    );
    assert.equal(h.observations.get('a')?.height ?? null, null, 'no height was recorded');
    await h.tick(3000);
    const u = h.events.find((e) => e.type === 'unreachable' && e.node === 'a');
    assert.ok(u, 'unreachable event');
    assert.match(String(u.details.error), /not a height/);
    const r = restartsOf(h.events, 'a');
    assert.deepEqual(
      r.map((e) => e.reason),
      ['unreachable'],
    );
    assert.equal(h.observations.get('b')?.health, 'in_sync');
    assert.equal(restartsOf(h.events, 'b').length, 0);
    await h.close();
  });

  test('the grace restarts at every start: a restarted node is not judged again before startupGraceMs', async () => {
    const h = await setup([spec('a'), spec('b')], { 'a/height': (t) => tip(t) - 20, 'b/height': tip });
    h.supervisor.start(['a', 'b']);
    await flush();
    await h.tick(1000 + 3000 + 5000 + 1000); // running, grace, window behind
    assert.equal(restartsOf(h.events, 'a').length, 1);
    h.obey();
    await h.tick(1100); // stopped, spawned, running again
    assert.equal(h.supervisor.runner('a')!.snapshot().state, 'running');
    assert.equal(h.observations.get('a')?.health, 'unknown');
    await h.tick(2800);
    assert.equal(h.observations.get('a')?.health, 'unknown', 'still in its grace');
    await h.tick(300);
    assert.equal(h.observations.get('a')?.health, 'syncing', 'judged afresh after the grace');
    assert.equal(restartsOf(h.events, 'a').length, 1);
    await h.close();
  });

  test('a held node is judged but never restarted', async () => {
    const h = await setup([spec('a'), spec('b')], { 'a/height': (t) => tip(t) - 20, 'b/height': tip });
    h.supervisor.start(['a', 'b']);
    h.supervisor.hold(['a']);
    await flush();
    await h.tick(12_000);
    assert.ok(h.events.some((e) => e.type === 'out_of_sync' && e.node === 'a'));
    assert.equal(restartsOf(h.events, 'a').length, 0);
    assert.equal(h.driver.signals.length, 0);
    await h.close();
  });

  test('reference probes are run once per group and set the pace', async () => {
    const h = await setup([spec('a', { reference: true }), spec('b', { reference: true })], {
      'a/height': tip,
      'b/height': tip,
      explorer: (t) => '0x' + (tip(t) + 50).toString(16),
    });
    h.supervisor.start(['a', 'b']);
    await flush();
    await h.tick(2100);
    assert.equal(
      h.calls.filter((c) => c === 'explorer').length,
      2,
      'one reference probe per interval for the group',
    );
    assert.equal(
      h.observations.get('a')?.referenceHeight,
      tip(2000) + 50,
      'the explorer is ahead: it is the reference',
    );
    assert.ok(
      !h.probes.some((p) => p[0].startsWith('@')),
      'reference probes are no node: not told to metrics',
    );
    await h.close();
  });

  test('info probes fill version, peerId and other values', async () => {
    const extra = { version: probe('a/version'), peerId: probe('a/peer'), peers: probe('a/peers') };
    const h = await setup([spec('a', { extraProbes: extra })], {
      'a/height': tip,
      'a/version': () => 'sim/1.0.0',
      'a/peer': () => 'peer-1',
      'a/peers': () => 8,
    });
    h.supervisor.start(['a']);
    await flush();
    await h.tick(1100);
    const o = h.observations.get('a') as HealthObservation;
    assert.equal(o.version, 'sim/1.0.0');
    assert.equal(o.peerId, 'peer-1');
    assert.equal(o.peers, 8, 'the peers probe is a field of its own');
    assert.equal(o.info, undefined);
    await h.close();
  });

  test('a chain reading fills height, version, peerId and peers; syncing with no height keeps the last one until it stalls', async () => {
    const reading = (t: number): ChainReading => {
      const c = new ChainReading();
      c.syncing = true;
      c.version = 'node/2.0';
      c.peerId = 'peer-9';
      c.peers = 4;
      // Gains a block a second, then (from 5 s) bootstraps again: no height, still syncing.
      if (t < 5000) c.height = 100 + Math.floor(t / 1000);
      return c;
    };
    const h = await setup([spec('a')], { 'a/height': reading });
    h.supervisor.start(['a']);
    await flush();
    await h.tick(4500);
    const o = h.observations.get('a')!;
    assert.equal(o.health, 'syncing');
    assert.equal(o.height, 104);
    assert.equal(o.version, 'node/2.0');
    assert.equal(o.peerId, 'peer-9');
    assert.equal(o.peers, 4);
    // Bootstrapping with no height: a good probe, still syncing at the last height.
    await h.tick(5000);
    assert.equal(h.observations.get('a')?.health, 'syncing');
    assert.equal(h.observations.get('a')?.height, 104);
    assert.ok(h.probes.filter((p) => p[1] === 'height').every((p) => p[2]));
    assert.deepEqual(restartsOf(h.events, 'a'), []);
    // Height 104 since 4 s; stallMs (10 s) later the flag no longer shields it.
    await h.tick(5000);
    const oos = h.events.find((e) => e.type === 'out_of_sync' && e.node === 'a');
    assert.ok(oos, 'out of sync');
    assert.equal((oos.details as { rule: string }).rule, 'stall');
    assert.equal(restartsOf(h.events, 'a').length, 1);
    h.obey();
    await h.close();
  });

  test('a fallback profile that cannot be resolved: config_error once, then plain restarts', async () => {
    const behind = (t: number) => tip(t) - 20;
    const h = await setup(
      [spec('a', { fallback: true, reference: true }), spec('b', { fallback: true, reference: true })],
      {
        'a/height': behind,
        'b/height': behind,
        explorer: tip,
      },
    );
    h.supervisor.start(['a', 'b']);
    await flush();
    for (let i = 0; i < 20; i++) {
      await h.tick(500);
      h.obey();
    }
    const errs = h.events.filter((e) => e.type === 'config_error');
    assert.equal(errs.length, 1, 'one config_error, no loop');
    assert.equal(errs[0]!.details.profile, 'fallback');
    assert.equal(h.health.actions.modeOf('g'), 'normal');
    const r = h.events.filter((e) => e.type === 'restarting');
    assert.ok(r.length >= 1 && r.length <= 2, `restarts: ${r.map((e) => e.node).join(',')}`);
    for (const e of r) {
      assert.equal(e.reason, 'out_of_sync');
      assert.equal(e.details.profile ?? null, null, 'restarted on the normal profile');
    }
    await h.close();
  });
});
