import fs from 'node:fs';
import path from 'node:path';
import type { FastifyInstance } from 'fastify';
import { ConfigError } from '../config/issues.js';
import type { ManagerConfig } from '../config/types.js';
import { buildApp } from './app.js';
import { Lifecycle, type ControlHost } from './context.js';
import { readOrCreateHttpToken } from './http-token.js';
import { controlIssues } from './preflight.js';
import { claimSocketPath } from './socket.js';

/** The daemon's listening control API (DESIGN §6). */
export interface ControlServer {
  readonly socketPath: string;
  /** The TCP listener's address, when `control.http.port` is set. */
  readonly http: { host: string; port: number } | null;
  /** The status page with its `?token=`, when the TCP listener is up (for the operator's eyes only). */
  readonly pageUrl: string | null;
  /** Answer or abort what is in flight, stop listening, remove the socket. Idempotent. */
  close(): Promise<void>;
}

/** The control server each running daemon listens with (`nodewarden run` prints its page URL). */
const servers = new WeakMap<ControlHost, ControlServer>();

/** The listening control server of a daemon, once it has started. */
export function controlServerOf(daemon: ControlHost): ControlServer | null {
  return servers.get(daemon) ?? null;
}

/**
 * Serve the control API on `control.socket` (mode 0600: the file mode is the
 * authentication) and, when `control.http.port` is set, on TCP, where every
 * request needs an allowed `Host`, a same-origin `Origin` to change state,
 * and the bearer token (`control.http.token`, else the generated
 * `<stateDir>/http.token`). Refuses what prepareControl refuses.
 */
export async function startControlServer(daemon: ControlHost): Promise<ControlServer> {
  const { control } = daemon.manager;
  const { token } = await prepareControl(daemon.manager);
  // A generated token is a secret like a configured one: masked wherever it could be printed.
  if (token !== null) daemon.redaction.learn([token]);
  const lifecycle = new Lifecycle();
  const apps: FastifyInstance[] = [];
  let http: ControlServer['http'] = null;
  let pageUrl: string | null = null;
  try {
    const local = buildApp(daemon, { lifecycle });
    apps.push(local);
    await local.listen({ path: control.socket });
    fs.chmodSync(control.socket, 0o600);
    if (control.http.port !== null && token !== null) {
      const remote = buildApp(daemon, {
        lifecycle,
        token,
        hosts: { host: control.http.host, allowedHosts: control.http.allowedHosts },
      });
      apps.push(remote);
      await remote.listen({ host: control.http.host, port: control.http.port });
      const addr = remote.server.address();
      const port = typeof addr === 'object' && addr ? addr.port : control.http.port;
      http = { host: control.http.host, port };
      const base = `http://${urlHost(control.http.host)}:${port}/`;
      pageUrl = `${base}?token=${encodeURIComponent(token)}`;
      // The token stays out of the log: nodewarden.log may be read by more people than stateDir.
      daemon.logger.info(`status page and API on ${base} (bearer token required)`);
    }
  } catch (err) {
    await Promise.all(apps.map((a) => a.close()));
    throw err;
  }
  const ino = fs.statSync(control.socket).ino;
  let closing: Promise<void> | null = null;
  const server: ControlServer = {
    socketPath: control.socket,
    http,
    pageUrl,
    close() {
      closing ??= (async () => {
        await lifecycle.close();
        await Promise.all(apps.map((a) => a.close()));
        // Node unlinks the socket on close; make sure, but never remove a successor's socket.
        const st = fs.statSync(control.socket, { throwIfNoEntry: false });
        if (st && st.ino === ino) fs.rmSync(control.socket, { force: true });
      })();
      return closing;
    },
  };
  servers.set(daemon, server);
  return server;
}

/** A host as it goes into a URL: wildcard binds are reached on loopback, IPv6 in brackets. */
function urlHost(host: string): string {
  if (host === '0.0.0.0') return '127.0.0.1';
  if (host === '::' || host === '[::]') return '[::1]';
  return host.includes(':') && !host.startsWith('[') ? `[${host}]` : host;
}

/**
 * The checks of startControlServer that can run before the daemon boots, so
 * a bad control setup refuses to start before any node is touched: every
 * controlIssues problem (a ConfigError), a socket another process answers on
 * (E_LOCKED). Then it claims the socket path and, for the TCP listener
 * without `control.http.token`, reads or creates `<stateDir>/http.token`.
 * Returns the TCP listener's token (null without one).
 */
export async function prepareControl(manager: ManagerConfig): Promise<{ token: string | null }> {
  const issues = controlIssues(manager);
  if (issues.length > 0) throw new ConfigError(path.resolve(manager.configDir), issues);
  await claimSocketPath(manager.control.socket);
  const http = manager.control.http;
  if (http.port === null) return { token: null };
  if (http.token) return { token: http.token };
  fs.mkdirSync(manager.stateDir, { recursive: true, mode: 0o700 });
  return { token: readOrCreateHttpToken(manager.stateDir, path.resolve(manager.configDir)).token };
}
