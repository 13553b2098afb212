/**
 * Simulated chain daemons: one small loopback HTTP server per preset that
 * answers the requests nodewarden's preset sends exactly as that daemon's
 * public API documentation shows them (field names, string and hex heights,
 * the syncing variants, JSON-RPC 1.0 and 2.0 errors). The state (height,
 * syncing, version, peerId, peers) is the test's to change between probes;
 * `onHeightRead` runs whenever the height is asked for (e.g. to make it rise
 * with every probe, with no clock involved). Reusable by the bench.
 *
 * Documentation the shapes follow:
 * - bitcoind: https://developer.bitcoin.org/reference/rpc/ (getblockchaininfo, getnetworkinfo)
 * - geth: https://ethereum.org/en/developers/docs/apis/json-rpc/ (eth_blockNumber, eth_syncing, net_peerCount)
 * - cosmos: https://docs.cometbft.com/v0.38/rpc/ (/status, /net_info)
 * - substrate: https://polkadot.js.org/docs/substrate/rpc/#system
 * - solana: https://solana.com/docs/rpc/http (getSlot, getHealth, getVersion, getIdentity)
 * - monerod: https://docs.getmonero.org/rpc-library/monerod-rpc/#get_info
 * - cardano-node: its Prometheus page (cardano_node_metrics_*)
 * - jormungandr: REST v0 /api/v0/node/stats (doc/api/v0.yaml in its repository)
 * - antnode: its metrics server, /metrics and /metadata (OpenMetrics text)
 */
import fs from 'node:fs';
import http from 'node:http';
import type { AddressInfo } from 'node:net';
import crypto from 'node:crypto';
import type { PresetName } from '../../src/config/probe-presets.js';

export interface ChainState {
  /** The top block's height (monerod reports height + 1, its block count). */
  height: number;
  syncing: boolean;
  version: string;
  peerId: string;
  peers: number;
}

export interface ChainDaemonOptions {
  readonly state?: Partial<ChainState>;
  /** bitcoind: required basic auth. */
  readonly auth?: { readonly user: string; readonly pass: string };
  /** bitcoind: write a `__cookie__:<random>` file here and require it (see rotateCookie). */
  readonly cookieFile?: string;
  /** Runs whenever a request reads the height, before the answer is made. */
  readonly onHeightRead?: (s: ChainState) => void;
}

export interface ChainDaemon {
  readonly preset: PresetName;
  readonly port: number;
  readonly state: ChainState;
  /** Requests served (`POST method` or `GET path`). */
  readonly requests: string[];
  /** bitcoind with a cookie file: write a new cookie, as a restarted daemon does. */
  rotateCookie(): void;
  close(): Promise<void>;
}

const DEFAULTS: Record<PresetName, Omit<ChainState, 'height' | 'syncing' | 'peers'>> = {
  bitcoind: { version: '/Satoshi:25.0.0/', peerId: '' },
  geth: { version: 'Geth/v1.13.5-stable/linux-amd64/go1.21.4', peerId: '' },
  cosmos: { version: '0.38.2', peerId: '5576458aef205977e18fd50b274e9b5d9014525a' },
  substrate: { version: '1.5.0-6dc4cc8', peerId: '12D3KooWRjRRCWRsE4kBqGEDn5bYPTEUbZgEgGbdSgiNbVQYuNjZ' },
  solana: { version: '1.17.14', peerId: '2r1F4iWqVcb8M1DbAjQuFpebkQHY9hcVU4WuW2DJBppN' },
  monerod: { version: '0.18.3.1-release', peerId: '' },
  'cardano-node': { version: '', peerId: '' },
  jormungandr: {
    version: 'jormungandr 0.13.0-bd6b8a5',
    peerId: '81a1a0e3d6ebd2f7d1cd5ad8ff2d1c4fe6bd1fdc4fbd8e68',
  },
  antnode: { version: '0.4.3', peerId: '' },
};

const hex = (n: number): string => `0x${n.toString(16)}`;
const HASH = 'a'.repeat(64);

/** Starts the simulated daemon of `preset` on a free loopback port. */
export async function startChainDaemon(
  preset: PresetName,
  opts: ChainDaemonOptions = {},
): Promise<ChainDaemon> {
  const state: ChainState = { height: 100, syncing: false, peers: 8, ...DEFAULTS[preset], ...opts.state };
  const requests: string[] = [];
  let cookie: { user: string; pass: string } | null = null;
  const rotateCookie = (): void => {
    if (!opts.cookieFile) throw new Error('no cookie file');
    cookie = { user: '__cookie__', pass: crypto.randomBytes(16).toString('hex') };
    fs.writeFileSync(opts.cookieFile, `${cookie.user}:${cookie.pass}`, { mode: 0o600 });
  };
  if (opts.cookieFile) rotateCookie();
  const height = (): number => {
    opts.onHeightRead?.(state);
    return state.height;
  };

  const server = http.createServer((req, res) => {
    const chunks: Buffer[] = [];
    req.on('data', (c: Buffer) => chunks.push(c));
    req.on('end', () => {
      const body = Buffer.concat(chunks).toString('utf8');
      try {
        const want = cookie ?? opts.auth ?? null;
        if (want) {
          const given = req.headers.authorization ?? '';
          const expect = 'Basic ' + Buffer.from(`${want.user}:${want.pass}`).toString('base64');
          if (given !== expect) {
            // bitcoind: 401, an empty body and a WWW-Authenticate header.
            res.writeHead(401, { 'www-authenticate': 'Basic realm="jsonrpc"' });
            return res.end();
          }
        }
        if (req.method === 'POST') {
          const call = JSON.parse(body) as { id: unknown; method: string; jsonrpc?: string };
          requests.push(`POST ${call.method}`);
          return rpc(preset, call, req.url ?? '/', res);
        }
        requests.push(`GET ${req.url}`);
        return get(preset, req.url ?? '/', res);
      } catch (err) {
        res.writeHead(500, { 'content-type': 'text/plain' });
        res.end(String(err));
      }
    });
  });

  const json = (res: http.ServerResponse, status: number, v: unknown): void => {
    res.writeHead(status, { 'content-type': 'application/json' });
    res.end(JSON.stringify(v));
  };
  const text = (res: http.ServerResponse, v: string, type = 'text/plain; version=0.0.4'): void => {
    res.writeHead(200, { 'content-type': type });
    res.end(v);
  };
  const notFound = (res: http.ServerResponse): void => {
    res.writeHead(404, { 'content-type': 'text/plain' });
    res.end('not found');
  };

  function rpc(
    p: PresetName,
    call: { id: unknown; method: string; jsonrpc?: string },
    path: string,
    res: http.ServerResponse,
  ): void {
    const { id, method } = call;
    if (p === 'bitcoind') {
      // JSON-RPC 1.0: {result, error, id}; errors come with HTTP 404 (no such method) or 500.
      const ok = (result: unknown): void => json(res, 200, { result, error: null, id });
      if (method === 'getblockchaininfo') {
        const h = height();
        return ok({
          chain: 'regtest',
          blocks: h,
          headers: state.syncing ? h + 500 : h,
          bestblockhash: HASH,
          difficulty: 4.656542373906925e-10,
          time: 1700000000,
          mediantime: 1700000000,
          verificationprogress: state.syncing ? 0.42 : 1,
          initialblockdownload: state.syncing,
          chainwork: '0'.repeat(62) + '02',
          size_on_disk: 2048,
          pruned: false,
          warnings: '',
        });
      }
      if (method === 'getblockcount') return ok(height());
      if (method === 'getnetworkinfo') {
        return ok({
          version: 250000,
          subversion: state.version,
          protocolversion: 70016,
          localservices: '0000000000000409',
          localservicesnames: ['NETWORK', 'WITNESS', 'NETWORK_LIMITED'],
          localrelay: true,
          timeoffset: 0,
          networkactive: true,
          connections: state.peers,
          connections_in: 0,
          connections_out: state.peers,
          networks: [],
          relayfee: 0.00001,
          incrementalfee: 0.00001,
          localaddresses: [],
          warnings: '',
        });
      }
      return json(res, 404, { result: null, error: { code: -32601, message: 'Method not found' }, id });
    }
    const ok = (result: unknown): void => json(res, 200, { jsonrpc: '2.0', id, result });
    const err = (code: number, message: string, data?: unknown): void =>
      json(res, 200, {
        jsonrpc: '2.0',
        id,
        error: data === undefined ? { code, message } : { code, message, data },
      });
    if (p === 'geth') {
      if (method === 'eth_blockNumber') return ok(hex(height()));
      if (method === 'eth_syncing') {
        if (!state.syncing) return ok(false);
        return ok({
          startingBlock: '0x0',
          currentBlock: hex(state.height),
          highestBlock: hex(state.height + 5000),
          syncedAccounts: '0x0',
          syncedAccountBytes: '0x0',
          healedTrienodes: '0x0',
        });
      }
      if (method === 'net_peerCount') return ok(hex(state.peers));
      if (method === 'web3_clientVersion') return ok(state.version);
      return err(-32601, `the method ${method} does not exist/is not available`);
    }
    if (p === 'substrate') {
      if (method === 'system_syncState') {
        const h = height();
        return ok({ startingBlock: 0, currentBlock: h, highestBlock: state.syncing ? h + 5000 : h });
      }
      if (method === 'system_health') {
        return ok({ peers: state.peers, isSyncing: state.syncing, shouldHavePeers: true });
      }
      if (method === 'system_version') return ok(state.version);
      if (method === 'system_localPeerId') return ok(state.peerId);
      return err(-32601, 'Method not found');
    }
    if (p === 'solana') {
      if (method === 'getSlot') return ok(height());
      if (method === 'getHealth') {
        // Behind: error -32005 (the documented "node is unhealthy" answer), with how far behind.
        if (state.syncing) return err(-32005, 'Node is behind by 42 slots', { numSlotsBehind: 42 });
        return ok('ok');
      }
      if (method === 'getVersion') return ok({ 'solana-core': state.version, 'feature-set': 3469865029 });
      if (method === 'getIdentity') return ok({ identity: state.peerId });
      return err(-32601, 'Method not found');
    }
    if (p === 'monerod' && path === '/json_rpc') {
      if (method === 'get_info') {
        const h = height();
        const out = Math.ceil(state.peers / 2);
        return ok({
          adjusted_time: 1700000000,
          alt_blocks_count: 0,
          block_size_limit: 600000,
          block_size_median: 300000,
          busy_syncing: state.syncing,
          credits: 0,
          cumulative_difficulty: 1,
          database_size: 81920,
          difficulty: 1,
          free_space: 1e11,
          grey_peerlist_size: 0,
          // The number of blocks: the top block's height + 1.
          height: h + 1,
          height_without_bootstrap: h + 1,
          incoming_connections_count: state.peers - out,
          mainnet: true,
          nettype: 'mainnet',
          offline: false,
          outgoing_connections_count: out,
          restricted: false,
          rpc_connections_count: 1,
          stagenet: false,
          start_time: 1700000000,
          status: 'OK',
          synchronized: !state.syncing,
          target: 120,
          target_height: state.syncing ? h + 5000 : 0,
          testnet: false,
          top_block_hash: HASH,
          tx_count: 0,
          tx_pool_size: 0,
          untrusted: false,
          update_available: false,
          version: state.version,
          was_bootstrap_ever_used: false,
          white_peerlist_size: 0,
        });
      }
      return err(-32601, 'Method not found');
    }
    return notFound(res);
  }

  function get(p: PresetName, path: string, res: http.ServerResponse): void {
    if (p === 'cosmos' && path === '/status') {
      return json(res, 200, {
        jsonrpc: '2.0',
        id: -1,
        result: {
          node_info: {
            protocol_version: { p2p: '8', block: '11', app: '0' },
            id: state.peerId,
            listen_addr: 'tcp://0.0.0.0:26656',
            network: 'sim-chain',
            version: state.version,
            channels: '40202122233038606100',
            moniker: 'sim',
            other: { tx_index: 'on', rpc_address: 'tcp://127.0.0.1:26657' },
          },
          sync_info: {
            latest_block_hash: HASH.toUpperCase(),
            latest_app_hash: HASH.toUpperCase(),
            latest_block_height: String(height()),
            latest_block_time: '2026-01-01T00:00:00.000000000Z',
            earliest_block_hash: HASH.toUpperCase(),
            earliest_app_hash: HASH.toUpperCase(),
            earliest_block_height: '1',
            earliest_block_time: '2025-01-01T00:00:00.000000000Z',
            catching_up: state.syncing,
          },
          validator_info: {
            address: 'B'.repeat(40),
            pub_key: { type: 'tendermint/PubKeyEd25519', value: 'c2ltdWxhdGVk' },
            voting_power: '0',
          },
        },
      });
    }
    if (p === 'cosmos' && path === '/net_info') {
      return json(res, 200, {
        jsonrpc: '2.0',
        id: -1,
        result: { listening: true, listeners: ['Listener(@)'], n_peers: String(state.peers), peers: [] },
      });
    }
    if (p === 'cardano-node' && path === '/metrics') {
      const h = height();
      return text(
        res,
        [
          `cardano_node_metrics_blockNum_int ${h}`,
          `cardano_node_metrics_epoch_int 42`,
          `cardano_node_metrics_slotInEpoch_int 1234`,
          `cardano_node_metrics_slotNum_int ${h * 20}`,
          `cardano_node_metrics_density_real 4.9e-2`,
          `cardano_node_metrics_peerSelection_hot ${state.peers}`,
          `cardano_node_metrics_peerSelection_warm 2`,
          `cardano_node_metrics_peerSelection_cold 20`,
          `cardano_node_metrics_connectionManager_outgoingConns ${state.peers}`,
          `cardano_node_metrics_connectionManager_incomingConns 0`,
          `rts_gc_max_bytes_used 5.3e8`,
          '',
        ].join('\n'),
      );
    }
    if (p === 'jormungandr' && path === '/api/v0/node/stats') {
      // Until the node runs, the documented answer has only version and state.
      if (state.syncing) return json(res, 200, { version: state.version, state: 'Bootstrapping' });
      return json(res, 200, {
        version: state.version,
        state: 'Running',
        uptime: 3600,
        blockRecvCnt: 12,
        txRecvCnt: 3,
        lastBlockHash: HASH,
        lastBlockHeight: String(height()),
        lastBlockDate: '42.1234',
        lastBlockTime: '2026-01-01T00:00:00+00:00',
        lastBlockTx: 0,
        lastBlockContentSize: 0,
        lastBlockFees: 0,
        lastBlockSum: 0,
        lastReceivedBlockTime: '2026-01-01T00:00:00+00:00',
        nodeId: state.peerId,
        peerAvailableCnt: state.peers,
        peerConnectedCnt: state.peers,
        peerQuarantinedCnt: 0,
        peerTotalCnt: state.peers + 3,
        peerUnreachableCnt: 3,
      });
    }
    if (p === 'antnode' && path === '/metrics') {
      return text(
        res,
        [
          '# HELP ant_networking_connected_peers The number of peers that we are currently connected to.',
          '# TYPE ant_networking_connected_peers gauge',
          `ant_networking_connected_peers ${state.peers}`,
          '# HELP ant_networking_peers_in_routing_table The total number of peers in our routing table.',
          '# TYPE ant_networking_peers_in_routing_table gauge',
          `ant_networking_peers_in_routing_table ${state.peers * 10}`,
          '# TYPE ant_node_put_record_ok counter',
          'ant_node_put_record_ok_total{record_type="Chunk"} 5',
          '# EOF',
          '',
        ].join('\n'),
        'application/openmetrics-text;charset=utf-8;version=1.0.0',
      );
    }
    if (p === 'antnode' && path === '/metadata') {
      return text(
        res,
        [
          '# HELP ant_node_antnode_version The version of the ant node.',
          '# TYPE ant_node_antnode_version info',
          `ant_node_antnode_version_info{antnode_version="${state.version}"} 1`,
          '# EOF',
          '',
        ].join('\n'),
        'application/openmetrics-text;charset=utf-8;version=1.0.0',
      );
    }
    return notFound(res);
  }

  await new Promise<void>((resolve, reject) => {
    server.once('error', reject);
    server.listen(0, '127.0.0.1', () => resolve());
  });
  const port = (server.address() as AddressInfo).port;
  return {
    preset,
    port,
    state,
    requests,
    rotateCookie,
    close: () =>
      new Promise<void>((resolve) => {
        server.closeAllConnections();
        server.close(() => resolve());
      }),
  };
}
