import { after, describe, test } from 'node:test';
import assert from 'node:assert/strict';
import { Sampler } from '../../../src/monitoring/sampler.js';
import { systemProcSource } from '../../../src/monitoring/proc-source.js';
import { killAll, startSim, track, waitUntil } from '../sim/harness.js';
import { statmRssBytes } from './support.js';

after(killAll);

const MiB = 1024 * 1024;

describe('Sampler against a real process tree', () => {
  test('RSS and CPU add up over the node and its grandchild', async () => {
    const sim = await startSim(['--spawn-child', '--leak-mb-per-s', '20', '--burn-cpu', '30']);
    const grandchild = Number((await sim.waitLine(/^GRANDCHILD pid=(\d+)$/))[1]);
    track(grandchild);
    const procs = systemProcSource();
    const sampler = new Sampler({ procs });
    const roots = [{ node: 'sim', pid: sim.pid }];

    const first = sampler.sampleOnce(roots).nodes[0]!;
    assert.equal(first.processes, 2, 'the sim and its sleeper grandchild');
    assert.equal(first.cpuPercent, null, 'no baseline for a process that ran before the first tick');

    // statm read just before and just after the tick brackets what the tick saw.
    const sum = (): number =>
      statmRssBytes(sim.pid, procs.pageSize) + statmRssBytes(grandchild, procs.pageSize);
    const before = sum();
    const u = sampler.sampleOnce(roots).nodes[0]!;
    const afterSum = sum();
    assert.ok(
      u.rssBytes! >= Math.min(before, afterSum) - MiB && u.rssBytes! <= Math.max(before, afterSum) + MiB,
      `tree RSS ${u.rssBytes} should be the sum of statm RSS of parent and grandchild (${before}..${afterSum})`,
    );
    assert.ok(u.rssBytes! > statmRssBytes(sim.pid, procs.pageSize), 'the grandchild adds to the sum');

    // The leak shows in RSS, the burn in CPU (a fact polled with a failure bound, not a sleep).
    const grown = await waitUntil(() => {
      const n = sampler.sampleOnce(roots).nodes[0]!;
      return n.rssBytes! >= u.rssBytes! + 20 * MiB && n.cpuSecondsTotal >= 0.1 ? n : null;
    }, 'the leak and the burn show');
    assert.ok(grown.cpuPercent !== null && grown.cpuPercent >= 0);
    assert.ok(grown.cpuSecondsTotal >= 0.1);
  });

  test('a node without a process, and one whose pid is gone, read as no process', () => {
    const sampler = new Sampler();
    const [none, gone] = sampler.sampleOnce([
      { node: 'a', pid: null },
      { node: 'b', pid: 2 ** 22 + 12345 }, // above pid_max on stock kernels
    ]).nodes;
    assert.equal(none!.processes, 0);
    assert.equal(gone!.rssBytes, null);
  });
});
