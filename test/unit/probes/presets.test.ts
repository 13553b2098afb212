import { after, describe, test } from 'node:test';
import assert from 'node:assert/strict';
import fs from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { validateNode } from '../../../src/config/node-validate.js';
import { PRESETS, type PresetName } from '../../../src/config/probe-presets.js';
import type { ProbeSpec } from '../../../src/config/types.js';
import type { Problem } from '../../../src/config/shape.js';
import { ChainReading, runProbe } from '../../../src/monitoring/probes/index.js';
import { startChainDaemon, type ChainDaemon, type ChainDaemonOptions } from '../../helpers/chain-daemons.js';

/**
 * Every preset, expanded by the node validator from `{preset, port}` as an
 * operator writes it, run against a simulated daemon on 127.0.0.1 that answers
 * with the shapes of that daemon's API documentation: in sync, syncing, and
 * with heights as numbers, decimal strings and hex.
 */

const daemons: ChainDaemon[] = [];
const tmp = fs.mkdtempSync(path.join(os.tmpdir(), 'nw-presets-'));
after(async () => {
  await Promise.all(daemons.map((d) => d.close()));
  fs.rmSync(tmp, { recursive: true, force: true });
});

async function daemon(preset: PresetName, opts: ChainDaemonOptions = {}): Promise<ChainDaemon> {
  const d = await startChainDaemon(preset, opts);
  daemons.push(d);
  return d;
}

/** The probe a node file `{probes: {<name>: probe}}` resolves to, with the problems found. */
function expand(probe: Record<string, unknown>, name = 'height'): { spec: ProbeSpec; problems: Problem[] } {
  const problems: Problem[] = [];
  const cfg = validateNode(
    { binary: '/bin/true', dataDir: tmp, probes: { [name]: probe } },
    { has: () => false },
    problems,
  );
  return { spec: (cfg.probes as Record<string, ProbeSpec>)[name]!, problems };
}

async function read(spec: ProbeSpec): Promise<ChainReading> {
  const r = await runProbe(spec);
  assert.equal(r.ok, true, r.ok ? '' : `probe failed: ${r.error}`);
  const v = (r as { value: unknown }).value;
  assert.ok(v instanceof ChainReading, `a chain reading, got ${JSON.stringify(v)}`);
  return v;
}

/** What each preset fills (cardano-node has no syncing flag, antnode no height). */
type Fills = { syncing: boolean; peerId: boolean; version: boolean; height: boolean; peers: boolean };
const all = { syncing: true, peerId: true, version: true, height: true, peers: true };
const FILLS: Record<PresetName, Fills> = {
  bitcoind: { ...all, peerId: false },
  geth: { ...all, peerId: false },
  cosmos: all,
  substrate: all,
  solana: { ...all, peers: false },
  monerod: { ...all, peerId: false },
  'cardano-node': { ...all, syncing: false, peerId: false, version: false },
  jormungandr: all,
  antnode: { ...all, syncing: false, peerId: false, height: false },
};

describe('chain presets against simulated daemons', () => {
  for (const preset of PRESETS) {
    test(`${preset}: height, version, peerId, peers and the syncing flag as the daemon tells them`, async () => {
      const f = FILLS[preset];
      const d = await daemon(preset, { state: { height: 4242, peers: 7 } });
      const { spec, problems } = expand({ preset, port: d.port }, f.height ? 'height' : 'node');
      assert.deepEqual(problems, []);
      assert.equal(spec.type, 'multi');
      assert.equal(spec.preset, preset);
      assert.ok(spec.reads && spec.reads.length > 0);

      const c = await read(spec);
      assert.equal(c.height, f.height ? 4242 : undefined);
      assert.equal(c.peers, f.peers ? 7 : undefined);
      if (f.version) assert.equal(c.version, d.state.version);
      else assert.equal(c.version, undefined);
      if (f.peerId) assert.equal(c.peerId, d.state.peerId);
      else assert.equal(c.peerId, undefined);
      assert.equal(c.syncing, f.syncing ? false : undefined);

      // The height moves with the daemon's.
      d.state.height = 4300;
      if (f.height) assert.equal((await read(spec)).height, 4300);

      if (f.syncing) {
        d.state.syncing = true;
        const s = await read(spec);
        assert.equal(s.syncing, true);
        // jormungandr has no height while it bootstraps; every other daemon still tells it.
        assert.equal(s.height, preset === 'jormungandr' ? undefined : 4300);
      }
    });
  }

  test('heights arrive as the documented types: geth hex, cosmos and jormungandr strings, monerod a block count', async () => {
    const geth = await daemon('geth', { state: { height: 0x1a2b } });
    const { spec } = expand({ preset: 'geth', port: geth.port });
    assert.equal((await read(spec)).height, 0x1a2b);

    const cosmos = await daemon('cosmos', { state: { height: 9_007_199 } });
    assert.equal((await read(expand({ preset: 'cosmos', port: cosmos.port }).spec)).height, 9_007_199);

    // monerod says height = number of blocks; nodewarden shows the top block's height.
    const xmr = await daemon('monerod', { state: { height: 10 } });
    const xmrSpec = expand({ preset: 'monerod', port: xmr.port }).spec;
    assert.equal((await read(xmrSpec)).height, 10);
  });

  test('bitcoind: basic auth, and a cookie file read afresh at every probe', async () => {
    const withAuth = await daemon('bitcoind', { auth: { user: 'rpc', pass: 's3cret' } });
    const good = expand({
      preset: 'bitcoind',
      port: withAuth.port,
      auth: { user: 'rpc', pass: 's3cret' },
    }).spec;
    assert.equal((await read(good)).height, 100);
    const bad = expand({ preset: 'bitcoind', port: withAuth.port, auth: { user: 'rpc', pass: 'nope' } }).spec;
    const r = await runProbe(bad);
    assert.equal(r.ok, false);
    assert.match((r as { error: string }).error, /401/);

    const cookieFile = path.join(tmp, '.cookie');
    const withCookie = await daemon('bitcoind', { cookieFile });
    const spec = expand({ preset: 'bitcoind', port: withCookie.port, cookieFile }).spec;
    assert.equal((await read(spec)).height, 100);
    withCookie.rotateCookie(); // the daemon restarted and wrote a new cookie
    withCookie.state.height = 101;
    assert.equal((await read(spec)).height, 101);
    assert.ok(withCookie.requests.includes('POST getnetworkinfo'));

    // A probe spelled out by the operator (type jsonrpc) gets its auth from the cookie file too.
    const plain = expand({
      preset: 'bitcoind',
      port: withCookie.port,
      cookieFile,
      type: 'jsonrpc',
      method: 'getblockcount',
    }).spec;
    const p = await runProbe(plain);
    assert.equal((p as { value?: unknown }).value, 101, JSON.stringify(p));

    fs.rmSync(cookieFile);
    const gone = await runProbe(spec);
    assert.equal(gone.ok, false);
    assert.match((gone as { error: string }).error, /cannot read cookie file .*\.cookie: ENOENT/);
  });

  test('solana: getHealth answering "behind" (error -32005) is the syncing flag, not a failure', async () => {
    const d = await daemon('solana', { state: { syncing: true } });
    const c = await read(expand({ preset: 'solana', port: d.port }).spec);
    assert.equal(c.syncing, true);
    assert.equal(c.height, 100);
    assert.ok(d.requests.includes('POST getHealth'));
  });

  test('a request that fails only leaves its fields out; one that reads the height fails the probe', async () => {
    const d = await daemon('geth');
    const { spec } = expand({
      preset: 'geth',
      port: d.port,
      reads: [
        {
          type: 'jsonrpc',
          url: `http://127.0.0.1:${d.port}`,
          method: 'eth_blockNumber',
          fields: { height: '' },
        },
        {
          type: 'jsonrpc',
          url: `http://127.0.0.1:${d.port}`,
          method: 'admin_nodeInfo',
          fields: { peerId: 'id' },
        },
      ],
    });
    const c = await read(spec);
    assert.equal(c.height, 100);
    assert.equal(c.peerId, undefined);
    assert.match(c.problems.join('\n'), /admin_nodeInfo: JSON-RPC error -32601/);

    await d.close();
    const r = await runProbe(spec);
    assert.equal(r.ok, false);
    assert.match((r as { error: string }).error, /^eth_blockNumber: /);
  });

  test('the operator overrides the preset: url, and type (then the preset only says where the daemon is)', async () => {
    const d = await daemon('cosmos', { state: { height: 77 } });
    const byUrl = expand({ preset: 'cosmos', url: `http://127.0.0.1:${d.port}/` }).spec;
    assert.equal(byUrl.reads![0]!.url, `http://127.0.0.1:${d.port}/status`);
    assert.equal((await read(byUrl)).height, 77);

    const plain = expand({
      preset: 'cosmos',
      port: d.port,
      type: 'http',
      path: 'result.sync_info.latest_block_height',
    }).spec;
    assert.equal(plain.type, 'http');
    assert.equal(plain.url, `http://127.0.0.1:${d.port}/status`);
    const r = await runProbe(plain);
    assert.equal((r as { value: unknown }).value, '77');
  });

  test('bad preset probes are refused with the key and the reason', () => {
    assert.deepEqual(
      expand({ preset: 'cosmos' }).problems.map((p) => `${p.key}: ${p.message}`),
      ['probes.height: preset "cosmos" needs port (or url) of the daemon\'s API'],
    );
    const antnode = expand({ preset: 'antnode', port: 13000 }).problems;
    assert.equal(antnode[0]!.key, 'probes.height.preset');
    assert.match(antnode[0]!.message, /antnode has no chain height/);
    const reads = expand({
      type: 'multi',
      reads: [{ type: 'jsonrpc', url: 'ftp://x', fields: { hight: 'a' } }],
    });
    assert.deepEqual(
      reads.problems.map((p) => p.key),
      ['probes.height.reads.0.url', 'probes.height.reads.0.method', 'probes.height.reads.0.fields.hight'],
    );
    assert.deepEqual(
      expand({}).problems.map((p) => `${p.key}: ${p.message}`),
      ['probes.height.type: is required (or give a preset)'],
    );
  });
});
