import { after, describe, test } from 'node:test';
import assert from 'node:assert/strict';
import type { NodewardenEvent } from '../../../src/events/types.js';
import { simArgs, startTestDaemon, type TestDaemon } from '../../helpers/daemon.js';

const daemons: TestDaemon[] = [];
after(async () => {
  for (const d of daemons) await d.close();
});

describe('resource limits in a real daemon', () => {
  test('a leaking node is restarted with reason resource after forSamples samples over maxRssMb', async () => {
    const t = await startTestDaemon({
      // Pressure never acts here whatever the machine running the tests is doing.
      manager: { sampling: { intervalMs: 200 }, pressure: { samples: 1000 } },
      nodes: {
        leaky: {
          args: simArgs('--leak-mb-per-s', '40'),
          limits: { maxRssMb: 120, forSamples: 2 },
        },
      },
    });
    daemons.push(t);
    const { daemon } = t;
    const events: NodewardenEvent[] = [];
    daemon.bus.on('event', (e) => {
      if (e.node === 'leaky') events.push(e);
    });
    const { leaky: firstPid } = await t.waitRunning(['leaky']);
    const restarted = daemon.bus.waitFor(
      'state',
      (s) => s.node === 'leaky' && s.to === 'running' && s.pid !== firstPid,
      {
        timeoutMs: 20_000,
      },
    );
    const change = await restarted;
    assert.notEqual(change.pid, firstPid);

    const kinds = events.map((e) => `${e.type}${e.reason ? `(${e.reason})` : ''}`);
    const limitAt = kinds.indexOf('resource_limit(rssMb)');
    assert.ok(limitAt >= 0, `a resource_limit event: ${kinds.join(' ')}`);
    assert.equal(kinds[limitAt + 1], 'restarting(resource)', kinds.join(' '));
    const limit = events[limitAt]!;
    assert.equal(limit.details.metric, 'rssMb');
    assert.equal(limit.details.limit, 120);
    assert.equal(limit.details.samples, 2);
    assert.equal(limit.details.pid, firstPid);
    const values = limit.details.values as number[];
    assert.equal(values.length, 2);
    assert.ok(
      values.every((v) => v > 120),
      `both samples over the limit: ${values.join(', ')}`,
    );
    assert.deepEqual(
      events[limitAt + 1]!.details.metric,
      'rssMb',
      'the restart carries the deciding figures',
    );

    // The figures are in status (observations) and in the store.
    const o = daemon.observations.get('leaky')!;
    assert.equal(typeof o.rssBytes, 'number');
    assert.equal(typeof o.cpuSecondsTotal, 'number');
    daemon.store.flush();
    const samples = daemon.store.querySamples({ node: 'leaky', sinceMs: 0, resolution: 'raw' });
    assert.ok(samples.length >= 2, 'samples were recorded');
  });
});
