/**
 * Chain presets: a probe that names `preset` (and the daemon's `port` or
 * `url`, plus credentials) is expanded here into an explicit `multi` probe,
 * one run of which issues the few requests that daemon needs and maps the
 * answers to `height`, `syncing`, `version`, `peerId` and `peers`. What the
 * operator wrote wins over the preset: `type` (then the preset only gives the
 * URL), `url`, `reads`, `auth`, `cookieFile`, intervals. `config show` prints
 * the expanded probe, which is itself a valid probe.
 */
import type { ChainField, FieldSource, ProbeRead } from './types.js';
import { httpUrl } from './checks.js';
import { join, type Problem } from './shape.js';
import { isPlainObject } from './merge.js';

/** The preset names (DESIGN §8). */
export const PRESETS = [
  'bitcoind',
  'geth',
  'cosmos',
  'substrate',
  'solana',
  'monerod',
  'cardano-node',
  'jormungandr',
  'antnode',
] as const;

export type PresetName = (typeof PRESETS)[number];

export const CHAIN_FIELDS: readonly ChainField[] = ['height', 'syncing', 'version', 'peerId', 'peers'];

const READ_TYPES = ['http', 'jsonrpc', 'prometheus'] as const;

interface Preset {
  /** Path of the daemon's base URL when only a port is given. */
  readonly basePath: string;
  /** The requests, given the base URL (no trailing slash). */
  readonly reads: (base: string) => ProbeRead[];
}

const rpc = (
  url: string,
  method: string,
  fields: ProbeRead['fields'],
  more: Partial<ProbeRead> = {},
): ProbeRead => ({ type: 'jsonrpc', url, method, fields, ...more });

/**
 * The presets. Each request and field name follows the daemon's public API
 * documentation (cited per preset); the simulated daemons of the tests answer
 * with the documented shapes.
 */
const TABLE: Readonly<Record<PresetName, Preset>> = {
  // Bitcoin Core RPC (JSON-RPC 1.0 over HTTP, basic auth or the .cookie file):
  // https://developer.bitcoin.org/reference/rpc/getblockchaininfo.html
  // https://developer.bitcoin.org/reference/rpc/getnetworkinfo.html
  bitcoind: {
    basePath: '/',
    reads: (base) => [
      rpc(
        `${base}/`,
        'getblockchaininfo',
        { height: 'blocks', syncing: 'initialblockdownload' },
        { jsonrpc: '1.0', params: [] },
      ),
      rpc(
        `${base}/`,
        'getnetworkinfo',
        { version: 'subversion', peers: 'connections' },
        { jsonrpc: '1.0', params: [] },
      ),
    ],
  },
  // Ethereum execution API: https://ethereum.org/en/developers/docs/apis/json-rpc/
  // (eth_blockNumber, eth_syncing: false | {startingBlock, currentBlock, highestBlock}, net_peerCount, web3_clientVersion)
  geth: {
    basePath: '',
    reads: (base) => [
      rpc(base, 'eth_blockNumber', { height: '' }, { params: [] }),
      rpc(base, 'eth_syncing', { syncing: { path: '', isNot: false } }, { params: [] }),
      rpc(base, 'net_peerCount', { peers: '' }, { params: [] }),
      rpc(base, 'web3_clientVersion', { version: '' }, { params: [] }),
    ],
  },
  // CometBFT RPC: https://docs.cometbft.com/v0.38/rpc/ (/status: result.sync_info.latest_block_height
  // as a string, result.sync_info.catching_up, result.node_info.{id,version}; /net_info: result.n_peers)
  cosmos: {
    basePath: '',
    reads: (base) => [
      {
        type: 'http',
        url: `${base}/status`,
        fields: {
          height: 'result.sync_info.latest_block_height',
          syncing: 'result.sync_info.catching_up',
          version: 'result.node_info.version',
          peerId: 'result.node_info.id',
        },
      },
      { type: 'http', url: `${base}/net_info`, fields: { peers: 'result.n_peers' } },
    ],
  },
  // Substrate node RPC: https://polkadot.js.org/docs/substrate/rpc/#system
  // (system_syncState {startingBlock, currentBlock, highestBlock}; system_health {peers, isSyncing, shouldHavePeers})
  substrate: {
    basePath: '',
    reads: (base) => [
      rpc(base, 'system_syncState', { height: 'currentBlock' }, { params: [] }),
      rpc(base, 'system_health', { syncing: 'isSyncing', peers: 'peers' }, { params: [] }),
      rpc(base, 'system_version', { version: '' }, { params: [] }),
      rpc(base, 'system_localPeerId', { peerId: '' }, { params: [] }),
    ],
  },
  // Solana JSON-RPC: https://solana.com/docs/rpc/http (getSlot; getHealth "ok" or error -32005
  // "Node is behind by N slots"; getVersion {"solana-core"}; getIdentity {identity})
  solana: {
    basePath: '',
    reads: (base) => [
      rpc(base, 'getSlot', { height: '' }),
      rpc(
        base,
        'getHealth',
        { syncing: { path: '', isNot: 'ok' } },
        { onError: { code: -32005, fields: { syncing: true } } },
      ),
      rpc(base, 'getVersion', { version: 'solana-core' }),
      rpc(base, 'getIdentity', { peerId: 'identity' }),
    ],
  },
  // Monero daemon RPC: https://docs.getmonero.org/rpc-library/monerod-rpc/#get_info
  // (height is the number of blocks, so the top block is height - 1; synchronized; version;
  // outgoing_connections_count + incoming_connections_count)
  monerod: {
    basePath: '',
    reads: (base) => [
      rpc(`${base}/json_rpc`, 'get_info', {
        height: { path: 'height', add: -1 },
        syncing: { path: 'synchronized', is: false },
        version: 'version',
        peers: { sum: ['outgoing_connections_count', 'incoming_connections_count'] },
      }),
    ],
  },
  // cardano-node Prometheus metrics (hasPrometheus, port 12798 by default):
  // https://developers.cardano.org/docs/operate-a-stake-pool/monitoring/grafana-dashboard-tutorial/
  'cardano-node': {
    basePath: '/metrics',
    reads: (base) => [
      {
        type: 'prometheus',
        url: base,
        fields: {
          height: 'cardano_node_metrics_blockNum_int',
          peers: 'cardano_node_metrics_peerSelection_hot',
        },
      },
    ],
  },
  // Jörmungandr REST API v0: https://input-output-hk.github.io/jormungandr/ (GET /api/v0/node/stats:
  // state, version, nodeId, lastBlockHeight as a string, peerAvailableCnt)
  jormungandr: {
    basePath: '/api',
    reads: (base) => [
      {
        type: 'http',
        url: `${base}/v0/node/stats`,
        fields: {
          height: 'lastBlockHeight',
          syncing: { path: 'state', isNot: 'Running' },
          version: 'version',
          peerId: 'nodeId',
          peers: 'peerAvailableCnt',
        },
      },
    ],
  },
  // antnode's metrics server (--metrics-server-port): /metrics (ant_networking_connected_peers) and
  // /metadata (ant_node_antnode_version_info{antnode_version}); see the autonomi repository,
  // ant-node/src/networking/metrics. An Autonomi node keeps no chain: it has no height.
  antnode: {
    basePath: '',
    reads: (base) => [
      { type: 'prometheus', url: `${base}/metrics`, fields: { peers: 'ant_networking_connected_peers' } },
      {
        type: 'prometheus',
        url: `${base}/metadata`,
        fields: { version: { metric: 'ant_node_antnode_version_info', label: 'antnode_version' } },
      },
    ],
  },
};

/** Whether the preset's requests read a height (antnode's do not). */
export function presetGivesHeight(name: PresetName): boolean {
  return TABLE[name].reads('http://x').some((r) => r.fields.height !== undefined);
}

/**
 * Expands a probe that names a preset, in place (on the validator's copy,
 * defaults filled). `probeKey` is e.g. `probes.height`; problems name it.
 */
export function expandPreset(
  p: Record<string, unknown>,
  probeKey: string,
  needsHeight: boolean,
  report: (p: Problem) => void,
): void {
  const name = p.preset;
  if (typeof name !== 'string' || !(PRESETS as readonly string[]).includes(name)) return; // the schema said so
  const preset = TABLE[name as PresetName];
  const at = (k: string): string => join(probeKey, k);
  if (needsHeight && !presetGivesHeight(name as PresetName)) {
    report({
      key: at('preset'),
      message: `${name} has no chain height; give this probe another name (its version and peers still show)`,
      value: name,
    });
    return;
  }
  let base: string;
  if (typeof p.url === 'string') {
    const bad = httpUrl(p.url);
    if (bad !== null) return report({ key: at('url'), message: bad, value: p.url });
    base = p.url.replace(/\/+$/, '');
  } else if (typeof p.port === 'number') {
    const host = typeof p.host === 'string' ? p.host : '127.0.0.1';
    const h = host.includes(':') && !host.startsWith('[') ? `[${host}]` : host;
    base = `http://${h}:${p.port}${preset.basePath}`.replace(/\/+$/, '');
  } else {
    return report({ key: probeKey, message: `preset "${name}" needs port (or url) of the daemon's API` });
  }
  if (p.type === undefined || p.type === 'multi') {
    p.type = 'multi';
    p.reads ??= preset.reads(base);
    delete p.port;
    delete p.host;
  } else if (p.type !== 'tcp' && p.type !== 'command') {
    // The operator spelled out the request: the preset only gives where the daemon is.
    p.url ??= preset.reads(base)[0]!.url;
    delete p.port;
    delete p.host;
  }
  if (p.type === 'multi') p.url ??= base;
}

/** Problems of a `reads` list (written by the operator or expanded from a preset). */
export function checkReads(reads: unknown, key: string, report: (p: Problem) => void): void {
  if (!Array.isArray(reads) || reads.length === 0) {
    return report({ key, message: 'must be a non-empty array of requests', value: reads });
  }
  reads.forEach((r, i) => {
    const at = join(key, String(i));
    if (!isPlainObject(r)) return report({ key: at, message: 'must be an object', value: r });
    if (!(READ_TYPES as readonly string[]).includes(r.type as string)) {
      report({
        key: join(at, 'type'),
        message: 'must be one of "http", "jsonrpc", "prometheus"',
        value: r.type,
      });
    }
    const bad = typeof r.url === 'string' ? httpUrl(r.url) : 'is required';
    if (bad !== null) report({ key: join(at, 'url'), message: bad, value: r.url });
    if (r.type === 'jsonrpc' && (typeof r.method !== 'string' || r.method === '')) {
      report({ key: join(at, 'method'), message: 'is required for a jsonrpc read', value: r.method });
    }
    if (r.jsonrpc !== undefined && r.jsonrpc !== '1.0' && r.jsonrpc !== '2.0') {
      report({ key: join(at, 'jsonrpc'), message: 'must be "1.0" or "2.0"', value: r.jsonrpc });
    }
    if (!isPlainObject(r.fields) || Object.keys(r.fields).length === 0) {
      return report({
        key: join(at, 'fields'),
        message: 'must map at least one of ' + fieldList(),
        value: r.fields,
      });
    }
    for (const [f, src] of Object.entries(r.fields)) {
      const fk = join(join(at, 'fields'), f);
      if (!(CHAIN_FIELDS as readonly string[]).includes(f)) {
        report({ key: fk, message: `is not a field a probe fills (${fieldList()})` });
      } else {
        const m = sourceProblem(src as FieldSource, r.type === 'prometheus');
        if (m !== null) report({ key: fk, message: m, value: src });
      }
    }
    if (r.onError !== undefined) {
      const e = r.onError;
      if (!isPlainObject(e) || !Number.isInteger(e.code) || !isPlainObject(e.fields)) {
        report({ key: join(at, 'onError'), message: 'must be {code: <integer>, fields: {…}}', value: e });
      }
    }
  });
}

function fieldList(): string {
  return CHAIN_FIELDS.join(', ');
}

function sourceProblem(src: FieldSource, prometheus: boolean): string | null {
  if (typeof src === 'string') return prometheus && src === '' ? 'must name a metric' : null;
  if (!isPlainObject(src)) return 'must be a dot path (a metric name for prometheus) or an object';
  const s = src as Exclude<FieldSource, string>;
  if (prometheus && typeof s.metric !== 'string') return 'needs "metric" in a prometheus read';
  if (!prometheus && s.sum === undefined && typeof s.path !== 'string') return 'needs "path" (or "sum")';
  if (s.sum !== undefined && !(Array.isArray(s.sum) && s.sum.every((x) => typeof x === 'string'))) {
    return '"sum" must be an array of dot paths';
  }
  if (s.add !== undefined && typeof s.add !== 'number') return '"add" must be a number';
  return null;
}
