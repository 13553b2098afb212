/**
 * The sim node's HTTP plumbing on 127.0.0.1: routes `/height`, `/status`,
 * `/metrics` and JSON-RPC at `POST /rpc` (and `POST /`) to the pure answers in api.ts.
 */
import * as http from 'node:http';
import type { AddressInfo } from 'node:net';
import { metricsText, rpcResponse, statusBody, type SimIdentity } from './api.js';
import type { HeightReading } from './chain.js';

/** A listening sim API server. */
export interface SimServer {
  readonly port: number;
  /** Stops accepting and drops open connections; the process itself keeps running. */
  close(): void;
}

const MAX_BODY = 1 << 20;

function send(res: http.ServerResponse, status: number, type: string, body: string): void {
  res.writeHead(status, { 'content-type': type, 'content-length': Buffer.byteLength(body) });
  res.end(body);
}

/** Starts the API server; resolves once it listens (rejects on e.g. EADDRINUSE). */
export function startServer(port: number, who: SimIdentity, read: () => HeightReading): Promise<SimServer> {
  const server = http.createServer((req, res) => {
    const url = (req.url ?? '/').split('?')[0];
    if (req.method === 'GET' && (url === '/height' || url === '/status')) {
      send(res, 200, 'application/json', JSON.stringify(statusBody(who, read())));
    } else if (req.method === 'GET' && url === '/metrics') {
      send(res, 200, 'text/plain; version=0.0.4; charset=utf-8', metricsText(who, read()));
    } else if (req.method === 'POST' && (url === '/rpc' || url === '/')) {
      const chunks: Buffer[] = [];
      let size = 0;
      req.on('data', (c: Buffer) => {
        size += c.length;
        if (size > MAX_BODY) req.destroy();
        else chunks.push(c);
      });
      req.on('end', () => {
        const reply = rpcResponse(Buffer.concat(chunks).toString('utf8'), who, read());
        send(res, 200, 'application/json', JSON.stringify(reply));
      });
    } else {
      send(res, 404, 'application/json', JSON.stringify({ error: `no route ${req.method} ${url}` }));
    }
  });
  // Probes connect often; don't let idle keep-alive sockets pile up.
  server.keepAliveTimeout = 2000;
  return new Promise((resolve, reject) => {
    server.once('error', reject);
    server.listen(port, '127.0.0.1', () => {
      server.off('error', reject);
      resolve({
        port: (server.address() as AddressInfo).port,
        close() {
          server.close();
          server.closeAllConnections();
        },
      });
    });
  });
}
