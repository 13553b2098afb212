import { after, describe, test } from 'node:test';
import assert from 'node:assert/strict';
import fs from 'node:fs';
import path from 'node:path';
import type { NodeStatus } from '../../../src/protocol/types.js';
import type { NodewardenEvent } from '../../../src/events/types.js';
import { startTestDaemon, waitUntil, type TestDaemon } from '../../helpers/daemon.js';
import { describeEvents, freePort, recordEvents } from './support.js';

/**
 * The presets against real chain daemons from Debian packages, run by
 * nodewarden as its nodes on private offline chains (scripts/provision.mjs
 * installs them): monerod on a regtest chain (the monerod preset), and
 * litecoind, a Bitcoin Core fork, on regtest (the bitcoind preset, with its
 * cookie file). The tests mine blocks through the daemons' own RPC and read
 * what nodewarden shows through the built CLI.
 */

/** A well-formed Monero address (the regtest chain takes mainnet addresses); the coinbase goes there. */
const XMR_ADDRESS =
  '44AFFq5kSiGBoZ4NMDwYtN18obc8AemS33DBLWs3H7otXft3XjrpDtQGv7SqSsaBYBb98uNbr2VBBEt7f2wfn3RVGQBEP3A';

const SETTLE = {
  sync: { startupGraceMs: 0, stallMs: 600_000, maxLag: 2 },
  restart: { startSeconds: 1, backoffMs: 500, backoffMaxMs: 2000 },
  stop: { graceMs: 60_000 },
  limits: { forSamples: 1000 },
};

async function rpc(
  url: string,
  method: string,
  params: unknown,
  opts: { auth?: string; version?: '1.0' | '2.0' } = {},
): Promise<unknown> {
  const headers: Record<string, string> = { 'content-type': 'application/json' };
  if (opts.auth) headers.authorization = 'Basic ' + Buffer.from(opts.auth).toString('base64');
  const res = await fetch(url, {
    method: 'POST',
    headers,
    body: JSON.stringify({ jsonrpc: opts.version ?? '2.0', id: 'test', method, params }),
  });
  const body = (await res.json()) as { result?: unknown; error?: unknown };
  if (body.error) throw new Error(`${method}: ${JSON.stringify(body.error)}`);
  return body.result;
}

async function statusOf(t: TestDaemon, name: string): Promise<NodeStatus> {
  const r = await t.cli(['status', '--json']);
  assert.equal(r.code, 0, r.stderr);
  return (JSON.parse(r.stdout) as NodeStatus[]).find((s) => s.name === name)!;
}

describe('presets against real chain daemons', { timeout: 240_000 }, () => {
  const daemons: TestDaemon[] = [];
  after(async () => {
    for (const t of daemons) await t.close();
  });

  test('monerod (regtest, offline): height rises by the blocks mined, version read, in sync', async () => {
    const [rpcPort, p2pPort] = [await freePort(), await freePort()];
    const t = await startTestDaemon({
      nodes: {
        xmr: {
          ...SETTLE,
          binary: 'monerod',
          args: [
            '--regtest',
            '--offline',
            '--fixed-difficulty',
            '1',
            '--data-dir',
            '{{dataDir}}',
            '--rpc-bind-ip',
            '127.0.0.1',
            '--rpc-bind-port',
            String(rpcPort),
            '--p2p-bind-ip',
            '127.0.0.1',
            '--p2p-bind-port',
            String(p2pPort),
            '--no-zmq',
            '--no-igd',
            '--non-interactive',
          ],
          probes: { height: { preset: 'monerod', port: rpcPort, intervalMs: 300, timeoutMs: 5000 } },
        },
      },
    });
    daemons.push(t);
    const events: NodewardenEvent[] = recordEvents(t.daemon);
    await t.waitRunning(['xmr']);
    // A fresh regtest chain holds the genesis block only: top block 0.
    await waitUntil(() => t.daemon.observations.get('xmr')?.height === 0, 'monerod answers height 0', 60_000);

    const url = `http://127.0.0.1:${rpcPort}/json_rpc`;
    const mined = (await rpc(url, 'generateblocks', {
      amount_of_blocks: 3,
      wallet_address: XMR_ADDRESS,
    })) as {
      height: number;
    };
    assert.equal(mined.height, 3);
    await waitUntil(() => t.daemon.observations.get('xmr')?.height === 3, 'monerod shows height 3', 30_000);
    await waitUntil(() => t.daemon.observations.get('xmr')?.health === 'in_sync', 'xmr is in sync', 30_000);

    const row = await statusOf(t, 'xmr');
    assert.equal(row.height, 3);
    assert.equal(row.health, 'in_sync');
    assert.match(row.version ?? '', /^0\.18\.\d+\.\d+/);
    assert.equal(row.peers, 0, 'offline: no peers');
    const bad = events.filter((e) => ['restarting', 'out_of_sync', 'unreachable'].includes(e.type));
    assert.deepEqual(bad, [], describeEvents(events));
  });

  test('litecoind (regtest): the bitcoind preset with its cookie file; syncing until a block is mined; a restart writes a new cookie', async () => {
    const [rpcPort, p2pPort] = [await freePort(), await freePort()];
    const t = await startTestDaemon({
      nodes: {
        ltc: {
          ...SETTLE,
          binary: 'litecoind',
          args: [
            '-regtest',
            '-datadir={{dataDir}}',
            `-rpcport=${rpcPort}`,
            `-port=${p2pPort}`,
            '-bind=127.0.0.1',
            '-rpcbind=127.0.0.1',
            '-rpcallowip=127.0.0.1',
            '-dnsseed=0',
            '-listenonion=0',
            '-upnp=0',
            '-server=1',
            '-printtoconsole',
          ],
          probes: {
            height: {
              preset: 'bitcoind',
              port: rpcPort,
              cookieFile: 'regtest/.cookie',
              intervalMs: 300,
              timeoutMs: 5000,
            },
          },
        },
      },
    });
    daemons.push(t);
    const events: NodewardenEvent[] = recordEvents(t.daemon);
    const { ltc: firstPid } = await t.waitRunning(['ltc']);
    const dataDir = t.daemon.supervisor.spec('ltc')!.dataDir;
    const cookie = (): string => fs.readFileSync(path.join(dataDir, 'regtest', '.cookie'), 'utf8').trim();
    const url = `http://127.0.0.1:${rpcPort}/`;

    // Height 0 and still in initial block download: the daemon says it syncs, and so does nodewarden.
    await waitUntil(
      () => t.daemon.observations.get('ltc')?.health === 'syncing',
      'ltc is syncing (initial block download)',
      60_000,
    );
    let row = await statusOf(t, 'ltc');
    assert.equal(row.height, 0);
    assert.match(row.version ?? '', /^\/LitecoinCore:0\.21/);
    assert.equal(row.peers, 0);

    await rpc(url, 'generatetodescriptor', [5, 'raw(51)'], { auth: cookie(), version: '1.0' });
    await waitUntil(() => t.daemon.observations.get('ltc')?.height === 5, 'ltc shows height 5', 30_000);
    await waitUntil(() => t.daemon.observations.get('ltc')?.health === 'in_sync', 'ltc is in sync', 30_000);

    // A restart writes a new cookie; the probe reads it afresh and goes on.
    const oldCookie = cookie();
    const r = await t.cli(['restart', 'ltc']);
    assert.equal(r.code, 0, r.stderr);
    await waitUntil(() => t.pid('ltc') !== null && t.pid('ltc') !== firstPid, 'ltc runs again', 60_000);
    await waitUntil(
      () => {
        try {
          return cookie() !== oldCookie;
        } catch {
          return false;
        }
      },
      'litecoind wrote a new cookie',
      60_000,
    );
    await waitUntil(
      async () => {
        try {
          await rpc(url, 'generatetodescriptor', [1, 'raw(51)'], { auth: cookie(), version: '1.0' });
          return true;
        } catch {
          return false; // still starting (RPC warming up)
        }
      },
      'a block mined after the restart',
      60_000,
    );
    await waitUntil(() => t.daemon.observations.get('ltc')?.height === 6, 'ltc shows height 6', 30_000);
    row = await statusOf(t, 'ltc');
    assert.equal(row.height, 6);
    const bad = events.filter((e) => ['out_of_sync', 'unreachable'].includes(e.type));
    assert.deepEqual(bad, [], describeEvents(events));
  });
});
