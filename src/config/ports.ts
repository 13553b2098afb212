/**
 * The ports a node listens on, as far as its command line says (after
 * interpolation). Two kinds of flag are read, as `--flag value`,
 * `--flag=value`, `-flag value` or `-flag=value`:
 *
 * - port flags: `port`, a name ending in `-port`, `_port` or `.port`
 *   (`--p2p-port`, `--rpc-bind-port`, `--http.port`), or one of `rpcport`,
 *   `p2pport`, `wsport`, `httpport`, `grpcport`, `zmqport`, `restport`,
 *   `apiport`, `peerport`, `metricsport`; the value is a port number.
 * - address flags: a name ending in `listen`, `laddr`, `bind`, `addr` or
 *   `address` (`--listen`, `--rpc-listen-addr`, `--p2p.laddr`, `-rpcbind`,
 *   `--grpc.address`), and `--rpc`; not when the name also says the address
 *   is someone else's or only announced (`peer`, `seed`, `boot`, `public`,
 *   `external`, `advertise`, `announce`, `proxy`, `remote`, `connect`,
 *   `node`). The value is `host:port`, `[v6]:port`, `:port`, a URL
 *   (`tcp://0.0.0.0:26656`), a multiaddr (`/ip4/0.0.0.0/tcp/9000`) or a bare
 *   port, several separated by commas.
 *
 * Port 0 (any free port) and values without a port are not listens.
 */

/** One port a node listens on; `host` null means every address. */
export interface Listen {
  readonly port: number;
  readonly host: string | null;
}

const PORT_PREFIXES = new Set([
  '',
  'rpc',
  'p2p',
  'ws',
  'http',
  'grpc',
  'zmq',
  'rest',
  'api',
  'peer',
  'metrics',
]);
const ADDRESS_END = /(listen|laddr|bind|addr|address)$/;
const NOT_OWN = /peer|seed|boot|public|external|advertise|announce|proxy|remote|connect|node/;

function isPortFlag(name: string): boolean {
  if (!name.endsWith('port')) return false;
  const before = name.slice(0, -4);
  return PORT_PREFIXES.has(before) || /[-_.]$/.test(before);
}

function isAddressFlag(name: string): boolean {
  if (name === 'rpc') return true;
  if (!ADDRESS_END.test(name)) return false;
  return /listen|bind|laddr/.test(name) || !NOT_OWN.test(name);
}

function portNumber(text: string): number | null {
  if (!/^[0-9]{1,5}$/.test(text)) return null;
  const n = Number(text);
  return n >= 1 && n <= 65535 ? n : null;
}

const ANY_HOST = new Set(['', '*', '0.0.0.0', '::', '[::]']);

function host(text: string): string | null {
  const h = text.toLowerCase().replace(/^\[(.*)\]$/, '$1');
  if (ANY_HOST.has(h)) return null;
  return h === 'localhost' ? '127.0.0.1' : h;
}

/** The listen in one address (`0.0.0.0:9000`, `tcp://h:1`, `/ip4/…/tcp/9000`, `9000`), or null. */
export function parseAddress(text: string): Listen | null {
  const t = text.trim();
  if (t.startsWith('/')) {
    const m = /^\/(?:ip4|ip6|dns|dns4|dns6)\/([^/]+)\/(?:tcp|udp)\/([0-9]+)(?:\/|$)/.exec(t);
    const port = m ? portNumber(m[2]!) : null;
    return port === null ? null : { port, host: host(m![1]!) };
  }
  const bare = portNumber(t);
  if (bare !== null) return { port: bare, host: null };
  const rest = t.replace(/^[a-z][a-z0-9+.-]*:\/\//i, '').replace(/\/.*$/, '');
  const hostPart = rest.replace(/^[^@]*@/, '');
  const m = /^(\[[^\]]*\]|[^:[\]]*):([0-9]+)$/.exec(hostPart);
  const port = m ? portNumber(m[2]!) : null;
  return port === null ? null : { port, host: host(m![1]!) };
}

/** Every port `args` says the node listens on, in order, without repeats. */
export function listenPorts(args: readonly string[]): Listen[] {
  const out: Listen[] = [];
  const add = (l: Listen | null): void => {
    if (l !== null && !out.some((o) => o.port === l.port && o.host === l.host)) out.push(l);
  };
  args.forEach((arg, i) => {
    const m = /^--?([a-z0-9][a-z0-9._-]*)(?:=(.*))?$/is.exec(arg);
    if (!m) return;
    const name = m[1]!.toLowerCase();
    const next = args[i + 1];
    const value = m[2] ?? (next !== undefined && !next.startsWith('-') ? next : undefined);
    if (value === undefined) return;
    if (isPortFlag(name)) {
      const port = portNumber(value.trim());
      if (port !== null) add({ port, host: null });
    } else if (isAddressFlag(name)) {
      for (const part of value.split(',')) add(parseAddress(part));
    }
  });
  return out;
}

/** True when two listens would take the same socket: same port and the same or any address. */
export function clash(a: Listen, b: Listen): boolean {
  return a.port === b.port && (a.host === null || b.host === null || a.host === b.host);
}
