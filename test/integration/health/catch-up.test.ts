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
 * A node that starts far behind (tip ~300 blocks, it starts at 0) but catches
 * up 10 blocks per block interval is `syncing`, never out of sync, and is left
 * alone; it ends in sync.
 */

let t: TestDaemon;
let events: NodewardenEvent[];
let chainDir: string;

before(async () => {
  chainDir = tmpDir();
  const chain = writeChainFile(chainDir, 60_000);
  const [p1, p2, p3] = await freePorts(3);
  t = await startTestDaemon({
    template: TEMPLATE,
    nodes: {
      fresh: simNode(chain, p1!, 'jsonrpc', ['--catch-up-from', '0', '--catch-up-rate', '10']),
      old1: simNode(chain, p2!, 'http'),
      old2: simNode(chain, p3!, 'prometheus'),
    },
  });
  events = recordEvents(t.daemon);
});

after(async () => {
  await endHealthTest(t, events, chainDir);
});

describe('health: a node catching up', () => {
  test('is syncing while its lag shrinks, then in sync, and never restarted', async () => {
    const pids = await t.waitRunning();
    const seen: string[] = [];
    const lags: number[] = [];
    await waitUntil(
      () => {
        const o = t.daemon.observations.get('fresh');
        if (o?.health && seen.at(-1) !== o.health) seen.push(o.health);
        if (o?.health === 'syncing' && typeof o.lag === 'number') lags.push(o.lag);
        return o?.health === 'in_sync';
      },
      'fresh is in sync',
      30_000,
    );
    assert.ok(seen.includes('syncing'), `health went ${seen.join(' -> ')}`);
    assert.ok(!seen.includes('out_of_sync'), `health went ${seen.join(' -> ')}`);
    assert.ok(lags.length >= 2 && lags.at(-1)! < lags[0]!, `lag shrank: ${lags.join(',')}`);
    assert.equal(t.pid('fresh'), pids.fresh);
    const bad = events.filter((e) => ['restarting', 'out_of_sync', 'unreachable'].includes(e.type));
    assert.deepEqual(bad, [], describeEvents(events));
  });
});
