import crypto from 'node:crypto';
import net from 'node:net';
import type { FastifyInstance } from 'fastify';
import { NodewardenError } from '../errors.js';
import type { ManagerConfig } from '../config/types.js';
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
 * The TCP listener's settings, checked before anything starts: a host other
 * than loopback without a token would hand the fleet to the network.
 */
export function checkHttpSettings(http: ManagerConfig['control']['http'], file: string): void {
  if (http.port === null) return;
  if (!isLoopback(http.host) && !http.token) {
    throw new NodewardenError(
      'E_CONFIG_INVALID',
      `${file}: control.http.host is ${JSON.stringify(http.host)}, not loopback, and control.http.token is not set: refusing to serve the control API unauthenticated`,
      { hint: 'set control.http.token, or bind control.http.host to 127.0.0.1' },
    );
  }
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
      );
    }
  });
}
