import { after, before, describe, test } from 'node:test';
import assert from 'node:assert/strict';
import { startTestDaemon, tmpDir, waitUntil, type TestDaemon } from '../../helpers/daemon.js';
import type { NodewardenEvent } from '../../../src/events/types.js';
import {
  describeEvents,
  endHealthTest,
  freePorts,
  recordEvents,
  simNode,
  TEMPLATE,
  writeChainFile,
} from './support.js';

/**
 * Four real sim nodes in one sync group on a shared chain: one stalls by flag,
 * one closes its API port, two stay healthy. The stalled one is restarted as
 * out_of_sync, the deaf one as unreachable, and the healthy ones keep their pids.
 */

let t: TestDaemon;
let events: NodewardenEvent[];
let chainDir: string;
let pids: Record<string, number>;

before(async () => {
  chainDir = tmpDir();
  const chain = writeChainFile(chainDir, 10_000);
  const [p1, p2, p3, p4] = await freePorts(4);
  t = await startTestDaemon({
    template: TEMPLATE,
    nodes: {
      stalled: simNode(chain, p1!, 'http', ['--stall-after', '1500']),
      deaf: simNode(chain, p2!, 'http', ['--close-port-after', '1500']),
      steady: simNode(chain, p3!, 'jsonrpc'),
      stable: simNode(chain, p4!, 'prometheus'),
    },
  });
  events = recordEvents(t.daemon);
  pids = await t.waitRunning();
});

after(async () => {
  await endHealthTest(t, events, chainDir);
});

const find = (node: string, type: string, reason?: string) => (): NodewardenEvent | undefined =>
  events.find((e) => e.node === node && e.type === type && (reason === undefined || e.reason === reason));

describe('health: restarts of single nodes', () => {
  test('healthy nodes are in sync, with heights from a decimal-string RPC and a metrics page', async () => {
    await waitUntil(
      () => ['steady', 'stable'].every((n) => t.daemon.observations.get(n)?.health === 'in_sync'),
      'steady and stable are in sync',
      15_000,
    );
    const o = t.daemon.observations.get('steady')!;
    assert.equal(typeof o.height, 'number');
    assert.ok(o.height! >= 50, `height ${o.height}`);
    await waitUntil(
      () => t.daemon.observations.get('stable')?.version === '1.0.0',
      'the version probe is read',
    );
  });

  test('a node whose height froze while its process runs is restarted with reason out_of_sync', async () => {
    const oos = await waitUntil(find('stalled', 'out_of_sync'), 'an out_of_sync event of stalled', 20_000);
    assert.ok(['lag', 'stall'].includes(oos.details.rule as string), JSON.stringify(oos.details));
    assert.ok((oos.details.lag as number) > 0);
    assert.ok((oos.details.reference as number) > (oos.details.height as number));
    const r = await waitUntil(
      find('stalled', 'restarting', 'out_of_sync'),
      'stalled restarting (out_of_sync)',
      10_000,
    );
    assert.equal(r.details.group, 'chain');
    await waitUntil(
      () => t.pid('stalled') !== null && t.pid('stalled') !== pids.stalled,
      'stalled has a new pid',
    );
  });

  test('a node whose API port closed is restarted with reason unreachable', async () => {
    const u = await waitUntil(find('deaf', 'unreachable'), 'an unreachable event of deaf', 20_000);
    assert.match(String(u.details.error), /ECONNREFUSED/);
    // forSamples (3) failures in a row; one more when the third fell inside the startup grace.
    assert.ok([3, 4].includes(u.details.failures as number), `failures: ${String(u.details.failures)}`);
    await waitUntil(find('deaf', 'restarting', 'unreachable'), 'deaf restarting (unreachable)', 10_000);
    await waitUntil(() => t.pid('deaf') !== null && t.pid('deaf') !== pids.deaf, 'deaf has a new pid');
  });

  test('the healthy nodes kept their pids and were never judged out of sync', () => {
    assert.equal(t.pid('steady'), pids.steady);
    assert.equal(t.pid('stable'), pids.stable);
    const bad = events.filter(
      (e) =>
        (e.node === 'steady' || e.node === 'stable') &&
        ['restarting', 'out_of_sync', 'unreachable'].includes(e.type),
    );
    assert.deepEqual(bad, [], describeEvents(events));
  });
});
