import { after, before, describe, test } from 'node:test';
import assert from 'node:assert/strict';
import fs from 'node:fs';
import { startDaemon, type Daemon } from '../../../src/daemon.js';
import type { NodewardenEvent } from '../../../src/events/types.js';
import type { NodeStatus } from '../../../src/protocol/types.js';
import { ControlClient } from '../../../src/protocol/client.js';
import {
  runCli,
  startTestDaemon,
  tmpDir,
  waitUntil,
  writeNode,
  type TestDaemon,
} from '../../helpers/daemon.js';
import { sample } from '../metrics/exposition.js';
import { freePort, heightProbe, nodeArgs, PROBE_MS, TEMPLATE, writeChainFile } from './support.js';

/**
 * Node metadata from probes, through a real daemon, the CLI and /metrics: a
 * sim reports its version (a metrics label), peer id and peer count (JSON);
 * they show in `status --json`, `status --wide` and the metrics. A new version
 * after a reload is one `version_changed`; the first version seen is none,
 * and so is the same version after a manager restart, while a version changed
 * while the manager was down is told when it comes back.
 */

let t: TestDaemon;
let chainDir: string;
let chain: string;
let port: number;
let events: NodewardenEvent[];

const metaNode = (version: string) => ({
  args: nodeArgs(chain, port, ['--peers', '12', '--version', version]),
  probes: {
    height: heightProbe(port, 'http'),
    version: {
      type: 'prometheus',
      url: `http://127.0.0.1:${port}/metrics`,
      metric: 'sim_build_info',
      label: 'version',
      intervalMs: PROBE_MS,
      timeoutMs: 500,
    },
    peerId: {
      type: 'http',
      url: `http://127.0.0.1:${port}/height`,
      path: 'peerId',
      intervalMs: 1000,
      timeoutMs: 500,
    },
    peers: {
      type: 'http',
      url: `http://127.0.0.1:${port}/height`,
      path: 'peers',
      intervalMs: PROBE_MS,
      timeoutMs: 500,
    },
  },
});

before(async () => {
  chainDir = tmpDir();
  chain = writeChainFile(chainDir, 10_000);
  port = await freePort();
  t = await startTestDaemon({ template: TEMPLATE, nodes: { meta: metaNode('1.0.0') } });
  events = [];
  t.daemon.bus.on('event', (e) => events.push(e));
  await t.waitRunning();
});

after(async () => {
  await t?.close();
  if (chainDir) fs.rmSync(chainDir, { recursive: true, force: true });
});

const versionEvents = async (configDir: string): Promise<NodewardenEvent[]> => {
  const r = await runCli(configDir, ['events', '--type', 'version_changed', '--json']);
  assert.equal(r.code, 0, r.stderr);
  return JSON.parse(r.stdout) as NodewardenEvent[];
};

/** Boot another manager on the same config and state (the previous one stopped). */
async function restartManager(): Promise<Daemon> {
  return startDaemon({ configDir: t.configDir, consoleLog: false });
}

describe('node metadata from probes', () => {
  test('version, peer id and peers show in status --json, status --wide and /metrics', async () => {
    await waitUntil(
      () => t.daemon.observe('meta')?.version === '1.0.0' && t.daemon.observe('meta')?.peers === 12,
      'version and peers observed',
    );
    await waitUntil(() => t.daemon.observe('meta')?.peerId, 'peer id observed');
    const r = await t.cli(['status', 'meta', '--json']);
    assert.equal(r.code, 0, r.stderr);
    const [row] = JSON.parse(r.stdout) as NodeStatus[];
    assert.equal(row!.version, '1.0.0');
    assert.equal(row!.peers, 12);
    assert.match(String(row!.peerId), /^sim-[0-9a-f]{16}$/);

    const wide = await t.cli(['status', '--wide']);
    assert.equal(wide.code, 0, wide.stderr);
    const [header, line] = wide.stdout.trimEnd().split('\n');
    assert.match(header!, /LAG\s+REF\s+VERSION\s+PEERS\s+PEER ID\s+HELD$/);
    assert.match(line!, new RegExp(`\\s1\\.0\\.0\\s+12\\s+${row!.peerId}\\s+-$`));
    const narrow = await t.cli(['status']);
    assert.doesNotMatch(narrow.stdout, /VERSION|PEERS/, 'the default table stays narrow');

    const m = await t.client.send('GET', '/metrics');
    assert.equal(m.status, 200);
    assert.equal(sample(m.text, 'nodewarden_node_peers', { node: 'meta' }), 12);
    assert.equal(
      sample(m.text, 'nodewarden_node_info', { node: 'meta', version: '1.0.0', peer_id: row!.peerId! }),
      1,
    );
    assert.deepEqual(await versionEvents(t.configDir), [], 'the first version seen is no change');
  });

  test('a new version after a reload is one version_changed event', async () => {
    writeNode(t.configDir, 'meta', metaNode('2.0.0'));
    const r = await t.cli(['reload']);
    assert.equal(r.code, 0, r.stdout + r.stderr);
    const ev = await waitUntil(
      () => events.find((e) => e.type === 'version_changed'),
      'a version_changed event',
      15_000,
    );
    assert.equal(ev.node, 'meta');
    assert.equal(ev.severity, 'info');
    assert.deepEqual(ev.details, { fromVersion: '1.0.0', toVersion: '2.0.0' });
    // Probed every 200 ms since: still the one event.
    await waitUntil(() => t.daemon.observe('meta')?.peers === 12, 'probed again after the restart');
    assert.equal((await versionEvents(t.configDir)).length, 1);
  });

  test('across manager restarts: the same version is no change, a version changed meanwhile is one', async () => {
    await t.daemon.stop();
    const second = await restartManager();
    let third: Daemon | null = null;
    try {
      await waitUntil(() => second.observe('meta')?.version === '2.0.0', 'the second manager sees 2.0.0');
      const client = new ControlClient({ socketPath: second.manager.control.socket });
      assert.equal((await client.status())[0]!.version, '2.0.0');
      await second.stop();
      assert.equal((await versionEvents(t.configDir)).length, 1, 'no change recorded for the same version');

      writeNode(t.configDir, 'meta', metaNode('3.0.0'));
      third = await restartManager();
      const seen: NodewardenEvent[] = [];
      third.bus.on('event', (e) => seen.push(e));
      const ev = await waitUntil(
        () => seen.find((e) => e.type === 'version_changed'),
        'version_changed after the restart',
        15_000,
      );
      assert.deepEqual(ev.details, { fromVersion: '2.0.0', toVersion: '3.0.0' });
    } finally {
      await second.stop();
      await third?.stop();
    }
    assert.equal((await versionEvents(t.configDir)).length, 2);
  });
});
