/**
 * Raw HTTP on loopback TCP for the control-server suites: any method, path
 * and headers (a forged `Host`, a foreign `Origin`), the reply as it came.
 */
import http from 'node:http';
import net from 'node:net';

export interface TcpReply {
  status: number;
  headers: http.IncomingHttpHeaders;
  text: string;
  /** The parsed body of a JSON reply, else null. */
  json: { error?: { code: string; message: string } } & Record<string, unknown>;
}

export interface TcpRequest {
  method?: string;
  path: string;
  headers?: Record<string, string>;
  body?: unknown;
  /** Connect here (default 127.0.0.1). */
  address?: string;
}

/** One request on a fresh connection; the `host` header given wins over the address connected to. */
export function tcpRequest(port: number, req: TcpRequest): Promise<TcpReply> {
  const payload = req.body === undefined ? undefined : JSON.stringify(req.body);
  const headers: Record<string, string | number> = { connection: 'close', ...req.headers };
  if (payload !== undefined) {
    headers['content-type'] = 'application/json';
    headers['content-length'] = Buffer.byteLength(payload);
  }
  return new Promise((resolve, reject) => {
    const r = http.request(
      {
        host: req.address ?? '127.0.0.1',
        port,
        method: req.method ?? 'GET',
        path: req.path,
        headers,
        agent: false,
      },
      (res) => {
        let text = '';
        res.setEncoding('utf8').on('data', (d: string) => (text += d));
        res.on('end', () => {
          const isJson = String(res.headers['content-type']).includes('json');
          resolve({
            status: res.statusCode ?? 0,
            headers: res.headers,
            text,
            json: isJson ? JSON.parse(text) : null,
          });
        });
      },
    );
    r.on('error', reject);
    r.end(payload);
  });
}

/** A loopback port nothing listens on right now. */
export async function freePort(): Promise<number> {
  const srv = net.createServer();
  await new Promise<void>((r) => srv.listen(0, '127.0.0.1', r));
  const port = (srv.address() as net.AddressInfo).port;
  await new Promise((r) => srv.close(r));
  return port;
}
