import fs from 'node:fs';
import path from 'node:path';
import type { FastifyInstance } from 'fastify';
import type { Daemon } from '../daemon.js';
import { buildApp } from './app.js';
import { checkHttpSettings } from './auth.js';
import { Lifecycle } from './context.js';
import { claimSocketPath } from './socket.js';

/** The daemon's listening control API (DESIGN §6). */
export interface ControlServer {
  readonly socketPath: string;
  /** The TCP listener's address, when `control.http.port` is set. */
  readonly http: { host: string; port: number } | null;
  /** Answer or abort what is in flight, stop listening, remove the socket. Idempotent. */
  close(): Promise<void>;
}

/**
 * Serve the control API on `control.socket` (mode 0600: the file mode is the
 * authentication) and, when `control.http.port` is set, on TCP with the bearer
 * token. Refuses a non-loopback host without a token and a socket that
 * another process answers on.
 */
export async function startControlServer(daemon: Daemon): Promise<ControlServer> {
  const { control } = daemon.manager;
  await prepareControl(daemon.manager);
  const lifecycle = new Lifecycle();
  const apps: FastifyInstance[] = [];
  let http: ControlServer['http'] = null;
  try {
    const local = buildApp(daemon, { lifecycle });
    apps.push(local);
    await local.listen({ path: control.socket });
    fs.chmodSync(control.socket, 0o600);
    if (control.http.port !== null) {
      const remote = buildApp(daemon, { lifecycle, token: control.http.token });
      apps.push(remote);
      await remote.listen({ host: control.http.host, port: control.http.port });
      const addr = remote.server.address();
      const port = typeof addr === 'object' && addr ? addr.port : control.http.port;
      http = { host: control.http.host, port };
      daemon.logger.info(`status page and API on http://${control.http.host}:${port}/`);
      if (!control.http.token) {
        daemon.logger.warn(
          `control API on http://${control.http.host}:${port} has no token: every local user can drive it`,
        );
      }
    }
  } catch (err) {
    await Promise.all(apps.map((a) => a.close()));
    throw err;
  }
  const ino = fs.statSync(control.socket).ino;
  let closing: Promise<void> | null = null;
  return {
    socketPath: control.socket,
    http,
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
}

/**
 * The checks of startControlServer that can run before the daemon boots, so
 * a bad control setup refuses to start before any node is touched.
 */
export async function prepareControl(manager: Daemon['manager']): Promise<void> {
  checkHttpSettings(manager.control.http, path.join(manager.configDir, 'nodewarden.json'));
  await claimSocketPath(manager.control.socket);
}
