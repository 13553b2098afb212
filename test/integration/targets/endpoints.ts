/**
 * Loopback HTTP endpoints for the target tests: one server answers
 * `GET /<name>` with `{"height": N}` while that endpoint is up and with HTTP
 * 503 while the test has turned it down, and keeps the arrival time of every
 * request per endpoint (the probe schedule as the endpoint saw it).
 */
import http from 'node:http';
import type net from 'node:net';

export interface Endpoints {
  readonly port: number;
  url(name: string): string;
  /** Turn an endpoint up or down (every endpoint starts up). */
  set(name: string, up: boolean): void;
  /** Arrival times (performance.now()) of the requests to `name`. */
  hits(name: string): readonly number[];
  close(): Promise<void>;
}

export async function startEndpoints(height = 1000): Promise<Endpoints> {
  const down = new Set<string>();
  const log = new Map<string, number[]>();
  const server = http.createServer((req, res) => {
    const name = decodeURIComponent((req.url ?? '/').slice(1));
    let list = log.get(name);
    if (!list) log.set(name, (list = []));
    list.push(performance.now());
    if (down.has(name)) {
      res.writeHead(503, { 'content-type': 'text/plain' }).end('down');
      return;
    }
    res.writeHead(200, { 'content-type': 'application/json' }).end(JSON.stringify({ height }));
  });
  server.keepAliveTimeout = 60_000;
  await new Promise<void>((resolve, reject) => {
    server.once('error', reject);
    server.listen(0, '127.0.0.1', () => resolve());
  });
  const port = (server.address() as net.AddressInfo).port;
  return {
    port,
    url: (name) => `http://127.0.0.1:${port}/${encodeURIComponent(name)}`,
    set: (name, up) => void (up ? down.delete(name) : down.add(name)),
    hits: (name) => log.get(name) ?? [],
    close: () =>
      new Promise<void>((resolve) => {
        server.close(() => resolve());
        server.closeAllConnections();
      }),
  };
}
