import { after, before, describe, test } from 'node:test';
import assert from 'node:assert/strict';
import fs from 'node:fs';
import http from 'node:http';
import type { AddressInfo } from 'node:net';
import { startTestDaemon, tmpDir, waitUntil, type TestDaemon } from '../../helpers/daemon.js';
import type { NodewardenEvent } from '../../../src/events/types.js';
import {
  BLOCK_MS,
  describeEvents,
  endHealthTest,
  freePort,
  freePorts,
  PROBE_MS,
  recordEvents,
  simNode,
  TEMPLATE,
  writeChainFile,
} from './support.js';

/**
 * A sync group with three external references on loopback: one lies 1000
 * blocks high, one answers but is stuck at the height it had when the test
 * began, one is down (nothing listens on its port). Three real sim nodes:
 * two follow the chain, one freezes. The references' quorum never follows
 * the liar (no false restart of the healthy nodes), the stuck reference does
 * not hide the frozen node (it is restarted), and each failing reference is
 * one `reference_failed` event with no node.
 */

let t: TestDaemon;
let events: NodewardenEvent[];
let chainDir: string;
let pids: Record<string, number>;
const servers: http.Server[] = [];
let downPort: number;
let liarPort: number;
let stuckPort: number;

/** A loopback server answering `{"height": N}` with `height()` at each request. */
async function heightServer(height: () => number): Promise<number> {
  const s = http.createServer((_req, res) => {
    res.writeHead(200, { 'content-type': 'application/json' });
    res.end(JSON.stringify({ height: height() }));
  });
  await new Promise<void>((r) => s.listen(0, '127.0.0.1', r));
  servers.push(s);
  return (s.address() as AddressInfo).port;
}

const refProbe = (port: number) => ({
  type: 'http',
  url: `http://127.0.0.1:${port}/tip`,
  path: 'height',
  intervalMs: PROBE_MS,
  timeoutMs: 500,
});

before(async () => {
  chainDir = tmpDir();
  const chain = writeChainFile(chainDir, 10_000);
  const { genesisMs } = JSON.parse(fs.readFileSync(chain, 'utf8')) as { genesisMs: number };
  const tipNow = (): number => Math.floor((Date.now() - genesisMs) / BLOCK_MS);
  const stuckAt = tipNow();
  liarPort = await heightServer(() => tipNow() + 1000);
  stuckPort = await heightServer(() => stuckAt);
  downPort = await freePort();
  const [p1, p2, p3] = await freePorts(3);
  t = await startTestDaemon({
    template: {
      ...TEMPLATE,
      sync: { ...TEMPLATE.sync, reference: [refProbe(liarPort), refProbe(stuckPort), refProbe(downPort)] },
    },
    nodes: {
      frozen: simNode(chain, p1!, 'http', ['--stall-after', '1500']),
      steady: simNode(chain, p2!, 'jsonrpc'),
      stable: simNode(chain, p3!, 'prometheus'),
    },
  });
  events = recordEvents(t.daemon);
  pids = await t.waitRunning();
});

after(async () => {
  await endHealthTest(t, events, chainDir);
  for (const s of servers) s.close();
});

const referenceEvents = (type: string, port: number): NodewardenEvent[] =>
  events.filter((e) => e.type === type && e.details.endpoint === `http://127.0.0.1:${port}`);

describe('health: external references by quorum', () => {
  test('a truly lagging node is still restarted (out_of_sync), judged against the honest height', async () => {
    const oos = await waitUntil(
      () => events.find((e) => e.node === 'frozen' && e.type === 'out_of_sync'),
      'an out_of_sync event of frozen',
      20_000,
    );
    assert.ok((oos.details.reference as number) < (oos.details.height as number) + 1000, 'not the lie');
    await waitUntil(
      () => events.find((e) => e.node === 'frozen' && e.type === 'restarting' && e.reason === 'out_of_sync'),
      'frozen restarting (out_of_sync)',
      10_000,
    );
    await waitUntil(
      () => t.pid('frozen') !== null && t.pid('frozen') !== pids.frozen,
      'frozen has a new pid',
    );
  });

  test('the down and the stuck reference are each one reference_failed event, with no node', async () => {
    await waitUntil(() => referenceEvents('reference_failed', downPort).length > 0, 'the down one failed');
    await waitUntil(
      () => referenceEvents('reference_failed', stuckPort).length > 0,
      'the stuck one failed',
      15_000,
    );
    const [down] = referenceEvents('reference_failed', downPort);
    assert.equal(down!.node, null);
    assert.equal(down!.severity, 'warning');
    assert.equal(down!.reason, 'probe_failed');
    assert.equal(down!.details.group, 'chain');
    assert.match(String(down!.details.error), /ECONNREFUSED/);
    const [stuck] = referenceEvents('reference_failed', stuckPort);
    assert.equal(stuck!.reason, 'stalled');
    // Through the CLI, from the store: each once, however many probes failed since.
    const r = await t.cli(['events', '--type', 'reference_failed', '--json']);
    assert.equal(r.code, 0, r.stderr);
    const stored = JSON.parse(r.stdout) as NodewardenEvent[];
    for (const port of [downPort, stuckPort]) {
      const mine = stored.filter((e) => e.details.endpoint === `http://127.0.0.1:${port}`);
      assert.equal(mine.length, 1, JSON.stringify(stored));
    }
    assert.equal(
      stored.filter((e) => e.details.endpoint === `http://127.0.0.1:${liarPort}`).length,
      0,
      'the liar answers and moves: no failure of its own',
    );
  });

  test('the healthy nodes were never judged out of sync nor restarted, though one reference lies high', async () => {
    await waitUntil(
      () => ['steady', 'stable'].every((n) => t.daemon.observations.get(n)?.health === 'in_sync'),
      'steady and stable are in sync',
    );
    const ref = t.daemon.observations.get('steady')!.referenceHeight!;
    const height = t.daemon.observations.get('steady')!.height!;
    assert.ok(ref < height + 100, `reference ${ref} is near the chain (height ${height}), not the lie`);
    assert.equal(t.pid('steady'), pids.steady);
    assert.equal(t.pid('stable'), pids.stable);
    const bad = events.filter(
      (e) =>
        (e.node === 'steady' || e.node === 'stable') &&
        ['restarting', 'out_of_sync', 'unreachable'].includes(e.type),
    );
    assert.deepEqual(bad, [], describeEvents(events));
    const status = await t.cli(['status', 'steady', '--json']);
    const [row] = JSON.parse(status.stdout) as { referenceHeight: number; health: string }[];
    assert.ok(row!.referenceHeight < (row as unknown as { height: number }).height + 100);
  });
});
