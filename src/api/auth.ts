import crypto from 'node:crypto';
import net from 'node:net';
import path from 'node:path';
import type { FastifyInstance, FastifyRequest } from 'fastify';
import { issue } from '../config/issues.js';
import type { ConfigIssue, ManagerConfig } from '../config/types.js';
import { NodewardenError } from '../errors.js';
import { queryToken } from '../web/auth.js';

/** True for addresses only this host can reach: 127.0.0.0/8, ::1, `localhost`. */
export function isLoopback(host: string): boolean {
  if (host === 'localhost') return true;
  const h = host.replace(/^\[|\]$/g, '');
  if (net.isIPv4(h)) return h.startsWith('127.');
  if (net.isIPv6(h)) return h === '::1' || /^::ffff:127\./i.test(h);
  return false;
}

/**
 * The TCP listener's settings, checked before anything starts (and by
 * `config check`): a host other than loopback without a token of its own
 * would hand the fleet to the network.
 */
export function httpSettingsIssues(http: ManagerConfig['control']['http'], file: string): ConfigIssue[] {
  if (http.port === null || typeof http.host !== 'string') return [];
  if (!isLoopback(http.host) && !http.token) {
    return [
      issue(
        file,
        'control.http.host',
        'is not loopback and control.http.token is not set: refusing to open the control API to the network without a token of your own (set control.http.token, or bind control.http.host to 127.0.0.1)',
        http.host,
      ),
    ];
  }
  return [];
}

/** Constant-time equality of two secrets (hashed first, so the buffers are always equal in length). */
export function sameSecret(given: string, expected: string): boolean {
  const a = crypto.createHash('sha256').update(given).digest();
  const b = crypto.createHash('sha256').update(expected).digest();
  return crypto.timingSafeEqual(a, b);
}

/**
 * Every request on this app must carry `Authorization: Bearer <token>`, else
 * 401 E_UNAUTHORIZED. A browser cannot send that header, so the status page
 * and its event stream (GET only) may carry `?token=` instead (web/auth.ts).
 */
export function requireBearer(app: FastifyInstance, token: string): void {
  app.addHook('onRequest', async (req) => {
    const m = /^Bearer\s+(\S+)\s*$/i.exec(req.headers.authorization ?? '');
    const given = m ? m[1]! : queryToken(req.method, req.url);
    if (given === null || !sameSecret(given, token)) {
      throw new NodewardenError(
        'E_UNAUTHORIZED',
        given !== null ? 'wrong bearer token' : 'missing `Authorization: Bearer <token>` header',
        { hint: 'the token is control.http.token in nodewarden.json, else the file http.token in stateDir' },
      );
    }
  });
}

/** Which names the TCP listener answers to, besides loopback ones. */
export interface HostPolicy {
  /** `control.http.host` (a wildcard address such as 0.0.0.0 names no host and is ignored). */
  readonly host: string;
  /** `control.http.allowedHosts`, lower case. */
  readonly allowedHosts: readonly string[];
}

/** The host part of a `Host` header (`name`, `name:port`, `[v6]:port`), lower case, or null if malformed. */
function hostOfHeader(value: string): string | null {
  const m = /^(\[[0-9a-f:.]+\]|[^:[\]\s/@]+)(?::\d{1,5})?$/i.exec(value);
  return m ? m[1]!.toLowerCase().replace(/\.$/, '') : null;
}

function unbracket(h: string): string {
  return h.replace(/^\[|\]$/g, '');
}

/**
 * May a request that names `host` (from `Host` or `Origin`) be answered? Yes
 * for loopback names and addresses (`localhost`, `*.localhost`, 127.0.0.0/8,
 * [::1]), the configured host and allowedHosts, and an IP address that is
 * the very address the client connected to (no DNS name can be rebound to
 * that). Anything else may be a DNS name an attacker pointed at loopback.
 */
function isAllowedHost(host: string, policy: HostPolicy, localAddress?: string): boolean {
  const h = host.toLowerCase().replace(/\.$/, '');
  if (h === 'localhost' || h.endsWith('.localhost') || isLoopback(h)) return true;
  const bare = unbracket(h);
  const configured = unbracket(policy.host.toLowerCase());
  if (bare === configured && configured !== '0.0.0.0' && configured !== '::') return true;
  if (policy.allowedHosts.some((a) => unbracket(a) === bare)) return true;
  if (localAddress !== undefined && net.isIP(bare) !== 0) {
    const local = localAddress.replace(/^::ffff:(?=\d+\.)/i, '').toLowerCase();
    if (local === bare) return true;
  }
  return false;
}

const SAFE_METHODS: ReadonlySet<string> = new Set(['GET', 'HEAD', 'OPTIONS']);

function quoteHeader(v: string): string {
  return JSON.stringify(v.length > 100 ? `${v.slice(0, 100)}…` : v);
}

/**
 * Guards of the TCP listener that come before the token check: a request
 * whose `Host` is not an allowed name is 421 E_HOST_NOT_ALLOWED (a DNS name
 * rebound to loopback), and a state-changing request (not GET/HEAD/OPTIONS)
 * whose `Origin` is not this API's own (isSameOrigin) is 403
 * E_ORIGIN_NOT_ALLOWED (a page of another site posting blind). No handler
 * runs for either.
 */
export function requireAllowedHost(app: FastifyInstance, policy: HostPolicy): void {
  const hint =
    'open the control API as http://127.0.0.1:<port>/, or add the name to control.http.allowedHosts';
  app.addHook('onRequest', async (req: FastifyRequest) => {
    const local = req.raw.socket.localAddress;
    const header = req.headers.host;
    const host = header === undefined ? null : hostOfHeader(header);
    if (host === null || !isAllowedHost(host, policy, local)) {
      throw new NodewardenError(
        'E_HOST_NOT_ALLOWED',
        header === undefined
          ? 'the request has no Host header'
          : `Host ${quoteHeader(header)} is not a name this control API answers to`,
        { hint },
      );
    }
    const origin = req.headers.origin;
    if (origin === undefined || SAFE_METHODS.has(req.method)) return;
    if (!isSameOrigin(origin, header!, policy)) {
      throw new NodewardenError(
        'E_ORIGIN_NOT_ALLOWED',
        `${req.method} from a page of origin ${quoteHeader(origin)} refused: only pages of this control API may change state`,
        { hint },
      );
    }
  });
}

/**
 * Is `origin` a page of this control API? Yes when it is the origin the
 * request itself names in `Host` (same name, same port), or a name of
 * allowedHosts on any port (a reverse proxy shows its own origin). A page
 * on another local port, a `null` origin (sandboxed or file pages) and any
 * other site are not.
 */
function isSameOrigin(origin: string, hostHeader: string, policy: HostPolicy): boolean {
  let u: URL;
  try {
    u = new URL(origin);
  } catch {
    return false;
  }
  if (u.protocol !== 'http:' && u.protocol !== 'https:') return false;
  const name = u.hostname.toLowerCase().replace(/\.$/, '');
  if (policy.allowedHosts.some((a) => unbracket(a) === unbracket(name))) return true;
  const defaultPort = u.protocol === 'https:' ? '443' : '80';
  const m = /^(.*?)(?::(\d{1,5}))?$/.exec(hostHeader.toLowerCase());
  const hostName = (m?.[1] ?? '').replace(/\.$/, '');
  return hostName === name && Number(m?.[2] ?? defaultPort) === Number(u.port || defaultPort);
}

/** Path of nodewarden.json, for issues about manager keys. */
export function managerFile(manager: ManagerConfig): string {
  return path.join(manager.configDir, 'nodewarden.json');
}
