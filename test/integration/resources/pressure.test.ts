import { after, describe, test } from 'node:test';
import assert from 'node:assert/strict';
import fs from 'node:fs';
import path from 'node:path';
import { attachResources, type ResourceWatcher } from '../../../src/monitoring/resources.js';
import { startTestDaemon, type TestDaemon } from '../../helpers/daemon.js';
import { ScriptedHost } from './support.js';

const daemons: TestDaemon[] = [];
after(async () => {
  for (const d of daemons) await d.close();
});

/**
 * A daemon whose own sampler never ticks during the test (hour-long interval)
 * and a second resource watcher, driven tick by tick, that reads a scripted
 * host. Shedding is on with `samples` unless `pressure` gives nodewarden.json's
 * block instead; `shed` (default true) goes into template.json.
 */
async function setup(
  nodes: Record<string, Record<string, unknown>>,
  samples: number,
  opts: { pressure?: Record<string, unknown>; shed?: boolean } = {},
) {
  const t = await startTestDaemon({
    manager: { sampling: { intervalMs: 3_600_000 }, pressure: opts.pressure ?? { enabled: true, samples } },
    template: { restart: { startSeconds: 0.3 }, shed: opts.shed ?? true },
    nodes,
  });
  daemons.push(t);
  const host = new ScriptedHost();
  const watcher: ResourceWatcher = attachResources(t.daemon, { host, autoTick: false });
  return { t, host, watcher };
}

/**
 * One tick that must pause nothing: no node leaves `running` for `stopping`
 * during it, and the policy decided nothing.
 */
function tickNothing(t: TestDaemon, watcher: ResourceWatcher, what: string): void {
  const stopping: string[] = [];
  const off = t.daemon.bus.on('state', (s) => {
    if (s.to === 'stopping') stopping.push(s.node);
  });
  const r = watcher.tick();
  off();
  assert.deepEqual(stopping, [], what);
  assert.equal(r.pressure, null, what);
}

/** One tick that must pause `node` (and only it); resolves once it is paused. */
async function tickPause(t: TestDaemon, watcher: ResourceWatcher, node: string): Promise<void> {
  const paused = t.daemon.bus.waitFor('event', (e) => e.type === 'paused' && e.node === node, {
    timeoutMs: 10_000,
  });
  paused.catch(() => {});
  const r = watcher.tick();
  assert.deepEqual([r.pressure?.type, r.pressure?.node, r.pressure?.outcome], ['pause', node, 'done']);
  await paused;
  assert.equal(t.daemon.supervisor.runner(node)!.snapshot().state, 'paused');
}

/** One tick that must resume `node`; resolves once it runs again. */
async function tickResume(t: TestDaemon, watcher: ResourceWatcher, node: string): Promise<void> {
  const running = t.daemon.bus.waitFor('state', (s) => s.node === node && s.to === 'running', {
    timeoutMs: 10_000,
  });
  running.catch(() => {});
  const r = watcher.tick();
  assert.deepEqual([r.pressure?.type, r.pressure?.node], ['resume', node]);
  await running;
}

describe('host pressure in a real daemon', () => {
  test('pauses one node per sample, least important and youngest first, skips held nodes, resumes most important first, data intact', async () => {
    const { t, host, watcher } = await setup(
      {
        a: { priority: 10 },
        b: { priority: 50 },
        c: { priority: 100 },
        d: { priority: 100 },
        e: { priority: 100 },
      },
      2,
    );
    const { daemon } = t;
    const sup = daemon.supervisor;
    await t.waitRunning();
    // c becomes the youngest of the priority-100 nodes; e is under maintenance.
    const cRestarted = daemon.bus.waitFor('state', (s) => s.node === 'c' && s.to === 'running', {
      timeoutMs: 10_000,
    });
    sup.restart(['c']);
    await cRestarted;
    sup.hold(['e']);
    const ePid = t.pid('e');
    for (const n of sup.names()) fs.writeFileSync(path.join(sup.spec(n)!.dataDir, 'marker'), `data of ${n}`);

    /** One tick; checks that it paused exactly `expect` (or nothing) and waits until that node is paused. */
    const tick = async (expect: string | null): Promise<Record<string, unknown> | null> => {
      const stopping: string[] = [];
      const off = daemon.bus.on('state', (s) => {
        if (s.to === 'stopping') stopping.push(s.node);
      });
      const paused = expect
        ? daemon.bus.waitFor('event', (e) => e.type === 'paused' && e.node === expect, { timeoutMs: 10_000 })
        : null;
      paused?.catch(() => {}); // a failed assertion below must not leave an unhandled rejection behind
      // The states before the tick, to explain a failure.
      const before = JSON.stringify(sup.snapshots().map((x) => [x.name, x.state, x.held, x.lastEvent?.type]));
      const r = watcher.tick();
      off();
      assert.deepEqual(stopping, expect ? [expect] : [], `one node at most per sample; before: ${before}`);
      assert.equal(r.pressure?.node ?? null, expect);
      return paused ? { ...(await paused).details } : null;
    };
    /** One tick; checks that it resumed exactly `expect` (or nothing) and waits until it runs again. */
    const tickResume = async (expect: string | null): Promise<void> => {
      const running = expect
        ? daemon.bus.waitFor('state', (s) => s.node === expect && s.to === 'running', { timeoutMs: 10_000 })
        : null;
      running?.catch(() => {});
      const r = watcher.tick();
      assert.equal(r.pressure?.type ?? null, expect ? 'resume' : null);
      assert.equal(r.pressure?.node ?? null, expect);
      await running;
    };

    host.set(95, 20);
    await tick(null); // 1 of 2 high samples: nothing yet
    const first = await tick('c');
    assert.equal(first!.memoryUsedPercent, 95);
    assert.equal(first!.memoryHighPercent, 90);
    assert.equal(first!.samples, 2);
    assert.equal(first!.trigger, 'memory');
    await tick('d');
    await tick('b');
    await tick('a');
    await tick(null); // only the held node is left running
    assert.equal(sup.runner('e')!.snapshot().state, 'running');
    assert.equal(t.pid('e'), ePid, 'a held node is never touched');
    for (const n of ['a', 'b', 'c', 'd']) assert.equal(sup.runner(n)!.snapshot().state, 'paused');

    host.set(85, 20); // between the marks: nothing either way
    await tickResume(null);
    const resumed: Array<Record<string, unknown>> = [];
    const off = daemon.bus.on('event', (e) => {
      if (e.type === 'resumed') resumed.push({ node: e.node, ...e.details });
    });
    host.set(50, 10);
    await tickResume(null); // 1 of 2 low samples
    await tickResume('a');
    await tickResume('b');
    await tickResume('d'); // among equals the last one paused comes back first
    await tickResume('c');
    await tickResume(null);
    off();
    assert.deepEqual(
      resumed.map((r) => r.node),
      ['a', 'b', 'd', 'c'],
    );
    assert.equal(resumed[0]!.memoryUsedPercent, 50);
    assert.equal(resumed[0]!.memoryLowPercent, 80);
    assert.equal(resumed[0]!.samples, 2);

    // Paused nodes kept their data and identity (same name, same dataDir, marker intact).
    for (const n of sup.names()) {
      assert.equal(fs.readFileSync(path.join(sup.spec(n)!.dataDir, 'marker'), 'utf8'), `data of ${n}`);
      assert.equal(sup.runner(n)!.snapshot().state, 'running');
    }
  });

  test('low disk on a dataDir filesystem raises low_disk once per crossing, naming the filesystem, figures and nodes', async () => {
    const { t, host, watcher } = await setup({ solo: {} }, 3);
    const { daemon } = t;
    const dataDir = daemon.supervisor.spec('solo')!.dataDir;
    const lowDisk: Array<Record<string, unknown>> = [];
    daemon.bus.on('event', (e) => {
      if (e.type === 'low_disk') lowDisk.push({ node: e.node, severity: e.severity, ...e.details });
    });
    const disk = (freePercent: number) => [
      {
        filesystem: '/srv/nodes',
        dataDirs: [dataDir],
        freePercent,
        freeBytes: freePercent * 1e9,
        totalBytes: 100e9,
      },
    ];
    for (const free of [40, 3, 2, 1, 30, 4]) {
      host.disks = disk(free);
      watcher.tick();
    }
    assert.deepEqual(
      lowDisk.map((e) => e.freePercent),
      [3, 4],
    );
    assert.deepEqual(lowDisk[0], {
      node: null,
      severity: 'critical',
      filesystem: '/srv/nodes',
      freePercent: 3,
      freeBytes: 3e9,
      totalBytes: 100e9,
      lowPercent: 5,
      dataDirs: [dataDir],
      nodes: ['solo'],
    });
    assert.ok(host.reads >= 6);
  });

  test('regression: shedding is off by default: nothing is paused at 100 % CPU and 99 % memory, shed or not', async () => {
    const { t, host, watcher } = await setup({ a: {}, b: { shed: false } }, 1, { pressure: { samples: 1 } });
    assert.equal(t.daemon.supervisor.managerConfig().pressure.enabled, false);
    const pids = await t.waitRunning();
    host.set(99, 100);
    host.psiCpu = 100;
    host.psiMemory = 90;
    for (let i = 0; i < 5; i++) tickNothing(t, watcher, `tick ${i + 1}`);
    assert.deepEqual(await t.waitRunning(), pids, 'same processes');
  });

  test('regression: enabled, but nodes without shed: true are never paused', async () => {
    const { t, host, watcher } = await setup({ a: {}, b: { priority: 500 } }, 1, { shed: false });
    const pids = await t.waitRunning();
    host.set(99, 100);
    for (let i = 0; i < 5; i++) tickNothing(t, watcher, `tick ${i + 1}`);
    assert.deepEqual(await t.waitRunning(), pids);
  });

  test('regression: a pause never takes a sync group below sync.minHealthy running members', async () => {
    const member = (priority: number) => ({ priority, sync: { group: 'chain', minHealthy: 2 } });
    const { t, host, watcher } = await setup({ m1: member(300), m2: member(200), m3: member(100) }, 1);
    await t.waitRunning();
    host.set(99, 100);
    await tickPause(t, watcher, 'm1');
    const pids = await t.waitRunning(['m2', 'm3']);
    for (let i = 0; i < 4; i++) tickNothing(t, watcher, `two running members left, tick ${i + 1}`);
    assert.deepEqual(await t.waitRunning(['m2', 'm3']), pids);
    // The same floor holds for every policy action, in the one place they all go through.
    const out = t.daemon.supervisor.act({ kind: 'restart', node: 'm2', reason: 'resource' });
    assert.deepEqual(out, {
      outcome: 'deferred',
      why: 'min_healthy',
      details: { group: 'chain', running: 2, minHealthy: 2 },
    });
    assert.equal(t.pid('m2'), pids.m2);
  });

  test('regression: an operator start of a paused node wins until the host has been calm once', async () => {
    const { t, host, watcher } = await setup({ a: { priority: 200 }, b: { priority: 100 } }, 2);
    await t.waitRunning();
    host.set(99, 100);
    tickNothing(t, watcher, '1 of 2 high samples');
    await tickPause(t, watcher, 'a');

    const r = await t.cli(['start', 'a', '--wait']);
    assert.equal(r.code, 0, r.stderr);
    assert.match(r.stdout, /a: started/);
    const aPid = (await t.waitRunning(['a'])).a;
    // Still under pressure: the next victim is b, and a is left running.
    await tickPause(t, watcher, 'b');
    for (let i = 0; i < 3; i++) tickNothing(t, watcher, `a is the operator's, tick ${i + 1}`);
    assert.equal(t.pid('a'), aPid);

    // Calm for `samples` once: b comes back, and a may be shed again at the next high spell.
    host.set(50, 10);
    tickNothing(t, watcher, '1 of 2 low samples');
    await tickResume(t, watcher, 'b');
    host.set(99, 100);
    tickNothing(t, watcher, '1 of 2 high samples again');
    await tickPause(t, watcher, 'a');
  });

  test('with kernel pressure figures, 100 % CPU with nothing waiting sheds nothing; CPU stall does', async () => {
    const { t, host, watcher } = await setup({ a: {} }, 2);
    await t.waitRunning();
    host.set(50, 100);
    host.psiCpu = 3;
    host.psiMemory = 0;
    for (let i = 0; i < 4; i++) tickNothing(t, watcher, `busy but nothing waits, tick ${i + 1}`);
    host.set(50, 20);
    host.psiCpu = 75;
    const paused = t.daemon.bus.waitFor('event', (e) => e.type === 'paused' && e.node === 'a', {
      timeoutMs: 10_000,
    });
    tickNothing(t, watcher, '1 of 2 stalled samples');
    watcher.tick();
    const e = await paused;
    assert.equal(e.details.trigger, 'cpu_pressure');
    assert.equal(e.details.psiCpu, 75);
  });
});
