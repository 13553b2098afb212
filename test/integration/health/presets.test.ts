import { after, describe, test } from 'node:test';
import assert from 'node:assert/strict';
import type { NodeStatus } from '../../../src/protocol/types.js';
import type { NodewardenEvent } from '../../../src/events/types.js';
import { startChainDaemon, type ChainDaemon } from '../../helpers/chain-daemons.js';
import { runCli, startTestDaemon, suiteConfigs, waitUntil, type TestDaemon } from '../../helpers/daemon.js';
import { describeEvents, recordEvents } from './support.js';

/**
 * Chain presets through a real daemon and the built CLI: a simulated node
 * process whose chain API is a simulated geth on loopback. `config show`
 * prints the expanded probe, `config check` names a bad preset; the node's
 * version, peers and the daemon's syncing flag arrive in `status --json`;
 * a node that says it is syncing stays `syncing` (never restarted) while it
 * gains height, even as it falls further behind the reference; once its
 * height stops moving it is judged out of sync by the stall rule.
 */

describe('chain presets in a running daemon', { timeout: 120_000 }, () => {
  const configWith = suiteConfigs();
  const chains: ChainDaemon[] = [];
  let t: TestDaemon | undefined;
  after(async () => {
    await t?.close();
    await Promise.all(chains.map((c) => c.close()));
  });

  test('config show prints the expanded probe; config check names a bad preset with file and key', async () => {
    const configDir = configWith({
      nodes: {
        eth: { probes: { height: { preset: 'geth', port: 8545, timeoutMs: '2s' } } },
        btc: { probes: { height: { preset: 'bitcoind', port: 8332, cookieFile: 'regtest/.cookie' } } },
      },
    });
    const show = await runCli(configDir, ['config', 'show', 'eth']);
    assert.equal(show.code, 0, show.stderr);
    const probe = (JSON.parse(show.stdout) as { probes: { height: Record<string, unknown> } }).probes.height;
    assert.equal(probe.type, 'multi');
    assert.equal(probe.preset, 'geth');
    assert.equal(probe.url, 'http://127.0.0.1:8545');
    assert.equal(probe.timeoutMs, 2000);
    assert.deepEqual(
      (probe.reads as { method: string }[]).map((r) => r.method),
      ['eth_blockNumber', 'eth_syncing', 'net_peerCount', 'web3_clientVersion'],
    );

    const btc = await runCli(configDir, ['config', 'show', 'btc']);
    const b = (JSON.parse(btc.stdout) as { dataDir: string; probes: { height: Record<string, unknown> } })
      .probes.height;
    assert.equal(b.cookieFile, `${(JSON.parse(btc.stdout) as { dataDir: string }).dataDir}/regtest/.cookie`);
    assert.equal((b.reads as { jsonrpc: string }[])[0]!.jsonrpc, '1.0');

    const bad = configWith({
      nodes: {
        x: { probes: { height: { preset: 'gethh', port: 8545 } } },
        y: { probes: { height: { preset: 'antnode', port: 13001 } } },
        z: { probes: { height: { preset: 'cosmos' } } },
      },
    });
    const r = await runCli(bad, ['config', 'check']);
    assert.equal(r.code, 2, r.stdout);
    assert.match(
      r.stderr,
      /nodes\/x\.json: probes\.height\.preset: must be one of "bitcoind", "geth", "cosmos", "substrate", "solana", "monerod", "cardano-node", "jormungandr", "antnode" \("gethh"\)/,
    );
    assert.match(r.stderr, /nodes\/y\.json: probes\.height\.preset: antnode has no chain height/);
    assert.match(r.stderr, /nodes\/z\.json: probes\.height: preset "cosmos" needs port \(or url\)/);
  });

  test('a syncing node shows version and peers, stays syncing while it gains height, and is judged once it stalls', async () => {
    // The node gains one block per probe; the network's tip (a reference, itself a preset) five.
    let frozen = false;
    const eth = await startChainDaemon('geth', {
      state: { height: 1000, syncing: true, peers: 13 },
      onHeightRead: (s) => {
        if (!frozen) s.height += 1;
      },
    });
    const tip = await startChainDaemon('cosmos', {
      state: { height: 2000 },
      onHeightRead: (s) => {
        s.height += 5;
      },
    });
    chains.push(eth, tip);
    t = await startTestDaemon({
      nodes: {
        eth: {
          probes: { height: { preset: 'geth', port: eth.port, intervalMs: 300, timeoutMs: 2000 } },
          sync: {
            maxLag: 3,
            windowMs: 2000,
            stallMs: 3000,
            startupGraceMs: 0,
            reference: [{ preset: 'cosmos', port: tip.port, intervalMs: 300, timeoutMs: 2000 }],
          },
        },
      },
    });
    const events: NodewardenEvent[] = recordEvents(t.daemon);
    const { eth: pid } = await t.waitRunning(['eth']);

    // Far behind and falling further behind: 15+ probe rounds (each at least 300 ms apart) are well past windowMs.
    await waitUntil(
      () => (t!.daemon.observations.get('eth')?.lag ?? 0) >= 1060,
      'eth is over 1060 blocks behind',
      30_000,
    );
    const st = await t.cli(['status', '--json']);
    assert.equal(st.code, 0, st.stderr);
    const row = (JSON.parse(st.stdout) as NodeStatus[]).find((r) => r.name === 'eth')!;
    assert.equal(row.health, 'syncing', describeEvents(events));
    assert.equal(row.version, 'Geth/v1.13.5-stable/linux-amd64/go1.21.4');
    assert.equal(row.peers, 13);
    assert.ok(row.height! > 1000 && row.referenceHeight! > 2000, JSON.stringify(row));
    assert.equal(t.pid('eth'), pid);
    const bad = events.filter((e) => ['restarting', 'out_of_sync', 'unreachable'].includes(e.type));
    assert.deepEqual(bad, [], describeEvents(events));

    // Still saying it syncs, but the height stops: after stallMs it is out of sync (stall) and restarted.
    frozen = true;
    const oos = await waitUntil(
      () => events.find((e) => e.type === 'out_of_sync' && e.node === 'eth'),
      'eth is out of sync',
      30_000,
    );
    assert.equal((oos.details as { rule?: string }).rule, 'stall', JSON.stringify(oos.details));
    await waitUntil(
      () => events.find((e) => e.type === 'restarting' && e.node === 'eth'),
      'eth is restarted',
      30_000,
    );
  });
});
