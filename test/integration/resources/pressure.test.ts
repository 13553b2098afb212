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
 * and a second resource watcher, driven tick by tick, that reads a scripted host.
 */
async function setup(nodes: Record<string, Record<string, unknown>>, samples: number) {
  const t = await startTestDaemon({
    manager: { sampling: { intervalMs: 3_600_000 }, pressure: { samples } },
    template: { restart: { startSeconds: 0.3 } },
    nodes,
  });
  daemons.push(t);
  const host = new ScriptedHost();
  const watcher: ResourceWatcher = attachResources(t.daemon, { host, autoTick: false });
  return { t, host, watcher };
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
});
