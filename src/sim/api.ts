/**
 * The answers a sim node gives over HTTP, as pure functions of one height reading:
 * the `/height` JSON, the JSON-RPC 2.0 methods and the Prometheus `/metrics` page.
 * They cover the shapes nodewarden's probes must read: plain numbers, decimal
 * strings, hex strings, nested paths and labelled metric samples.
 */
import { createHash } from 'node:crypto';
import type { HeightReading } from './chain.js';

/** Version reported everywhere (`sim/1.0.0` in JSON, `1.0.0` as a metric label). */
export const SIM_VERSION = '1.0.0';

/** The fixed facts about one sim node. */
export interface SimIdentity {
  name: string;
  peerId: string;
  peers: number;
  /** Reported version (default SIM_VERSION). */
  version?: string;
}

/** A stable peer id: `--id` when given, else derived from the node name. */
export function derivePeerId(name: string, id: string | null): string {
  return id ?? `sim-${createHash('sha256').update(name).digest('hex').slice(0, 16)}`;
}

function blockHash(height: number): string {
  return '0x' + createHash('sha256').update(`sim-block:${height}`).digest('hex');
}

/** Body of `GET /height` and `GET /status`. */
export function statusBody(who: SimIdentity, r: HeightReading): Record<string, unknown> {
  return {
    height: r.height,
    hash: blockHash(r.height),
    peers: who.peers,
    version: `sim/${who.version ?? SIM_VERSION}`,
    peerId: who.peerId,
    name: who.name,
    tip: r.tip,
  };
}

type RpcId = string | number | null;
type RpcReply = { jsonrpc: '2.0'; id: RpcId; result?: unknown; error?: { code: number; message: string } };

function rpcError(id: RpcId, code: number, message: string): RpcReply {
  return { jsonrpc: '2.0', id, error: { code, message } };
}

function callOne(req: unknown, who: SimIdentity, r: HeightReading): RpcReply {
  const o = req as { jsonrpc?: unknown; method?: unknown; id?: unknown } | null;
  const id = typeof o?.id === 'string' || typeof o?.id === 'number' ? o.id : null;
  if (typeof o !== 'object' || o === null || typeof o.method !== 'string') {
    return rpcError(id, -32600, 'Invalid Request');
  }
  switch (o.method) {
    case 'getblockcount':
      return { jsonrpc: '2.0', id, result: r.height };
    case 'getblockcount_hex':
    case 'eth_blockNumber':
      return { jsonrpc: '2.0', id, result: '0x' + r.height.toString(16) };
    case 'getblockcount_str':
      return { jsonrpc: '2.0', id, result: String(r.height) };
    case 'getbestblockhash':
      return { jsonrpc: '2.0', id, result: blockHash(r.height) };
    case 'getinfo':
      return {
        jsonrpc: '2.0',
        id,
        result: {
          name: who.name,
          version: `sim/${who.version ?? SIM_VERSION}`,
          blocks: r.height,
          headers: r.tip,
          connections: who.peers,
          peerId: who.peerId,
          bestblockhash: blockHash(r.height),
        },
      };
    default:
      return rpcError(id, -32601, `Method not found: ${o.method}`);
  }
}

/** Answers a JSON-RPC 2.0 request body (single or batch); returns the response body. */
export function rpcResponse(body: string, who: SimIdentity, r: HeightReading): unknown {
  let req: unknown;
  try {
    req = JSON.parse(body);
  } catch {
    return rpcError(null, -32700, 'Parse error');
  }
  if (Array.isArray(req)) {
    return req.length === 0 ? rpcError(null, -32600, 'Invalid Request') : req.map((x) => callOne(x, who, r));
  }
  return callOne(req, who, r);
}

/** The Prometheus text exposition (format 0.0.4) for `GET /metrics`. */
export function metricsText(who: SimIdentity, r: HeightReading): string {
  return [
    '# HELP sim_block_height Height of the best block this node has.',
    '# TYPE sim_block_height gauge',
    `sim_block_height ${r.height}`,
    '# HELP sim_tip_height Height of the network tip the node knows about.',
    '# TYPE sim_tip_height gauge',
    `sim_tip_height ${r.tip}`,
    '# HELP sim_peers Connected peers.',
    '# TYPE sim_peers gauge',
    `sim_peers ${who.peers}`,
    '# HELP sim_build_info Build information.',
    '# TYPE sim_build_info gauge',
    `sim_build_info{version="${who.version ?? SIM_VERSION}"} 1`,
    '',
  ].join('\n');
}
