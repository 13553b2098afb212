import http from 'node:http';
import { ErrorCodes, NodewardenError, type ErrorCode } from '../errors.js';
import { SseParser } from './sse-parser.js';
import {
  NDJSON,
  PROTOCOL_HEADER,
  PROTOCOL_VERSION,
  type ActionRequest,
  type ActionStreamLine,
  type ActionResponse,
  type ActionVerb,
  type EventsResponse,
  type ExportKind,
  type HelloResponse,
  type LogsResponse,
  type NodeStatus,
  type ReloadResponse,
  type ShutdownResponse,
  type ShutdownStreamLine,
  type StreamError,
  type TargetStatus,
  type UpgradeRequest,
  type UpgradeStreamLine,
  type UptimeResponse,
  type RankResponse,
  type HistoryResponse,
} from './types.js';

/** Where the daemon answers: its Unix socket, or loopback TCP with a bearer token. */
export type Endpoint = { socketPath: string } | { host: string; port: number; token?: string | null };

/** A followed stream: how it ended, and how to end it. */
export interface EventFollow {
  readonly ended: Promise<'closed' | 'lost'>;
  close(): void;
}

/** A reply as it came: status, headers and body text. */
export interface RawReply {
  status: number;
  headers: http.IncomingHttpHeaders;
  text: string;
}

type Query = Record<string, string | number | undefined>;

/**
 * The CLI's side of the control protocol (DESIGN §6): JSON over HTTP on the
 * daemon's Unix socket. Every request carries our PROTOCOL_VERSION and every
 * reply must carry the daemon's; a difference is E_PROTOCOL_MISMATCH. No
 * answer on the socket is E_DAEMON_UNREACHABLE; an error reply becomes a
 * NodewardenError with the daemon's code and message.
 */
export class ControlClient {
  constructor(
    readonly endpoint: Endpoint,
    private readonly opts: { unreachableHint?: string } = {},
  ) {}

  /** The socket path or URL, for messages. */
  get where(): string {
    const e = this.endpoint;
    return 'socketPath' in e ? e.socketPath : `http://${e.host}:${e.port}`;
  }

  hello(): Promise<HelloResponse> {
    return this.json('GET', '/api/hello');
  }

  status(): Promise<NodeStatus[]> {
    return this.json('GET', '/api/status');
  }

  /** Every watch-only target's status row (`GET /api/targets`). */
  targets(): Promise<TargetStatus[]> {
    return this.json('GET', '/api/targets');
  }

  node(name: string): Promise<NodeStatus> {
    return this.json('GET', `/api/nodes/${encodeURIComponent(name)}`);
  }

  action(verb: ActionVerb, req: ActionRequest): Promise<ActionResponse> {
    return this.json('POST', `/api/actions/${verb}`, req);
  }

  /** A refused config is not an error here: it comes back with `ok: false` and every problem. */
  reload(opts: { dryRun?: boolean } = {}): Promise<ReloadResponse> {
    return this.json('POST', '/api/reload', opts.dryRun ? { dryRun: true } : {}, [200, 422]);
  }

  events(
    q: { node?: string; type?: string; since?: string; limit?: number; order?: 'asc' | 'desc' } = {},
  ): Promise<EventsResponse> {
    return this.json('GET', `/api/events${query(q)}`);
  }

  /** `node`: a name, a glob or `all` (the daemon answers E_NODE_NOT_FOUND for a glob matching none). */
  uptime(since?: string, node?: string): Promise<UptimeResponse> {
    return this.json('GET', `/api/uptime${query({ since, node })}`);
  }

  /** `uptime --rank`: every node and target ranked by uptime, then median probe latency. */
  uptimeRank(since?: string): Promise<RankResponse> {
    return this.json('GET', `/api/uptime/rank${query({ since })}`);
  }

  /** A node's downsampled series (`fields`: comma-separated HISTORY_FIELDS). */
  history(
    name: string,
    q: { since?: string; until?: string; fields?: string; points?: number } = {},
  ): Promise<HistoryResponse> {
    return this.json('GET', `/api/nodes/${encodeURIComponent(name)}/history${query(q)}`);
  }

  /** Uptime with each node's state timeline and the fleet's state counts. */
  uptimeTimeline(q: { since?: string; node?: string; points?: number } = {}): Promise<UptimeResponse> {
    return this.json('GET', `/api/uptime${query({ ...q, timeline: 1 })}`);
  }

  logs(name: string, n?: number): Promise<LogsResponse> {
    return this.json('GET', `/api/logs/${encodeURIComponent(name)}${query({ n })}`);
  }

  /** The export's text (CSV or a JSON array), as the daemon wrote it. */
  async exportData(
    kind: ExportKind,
    q: { format: 'csv' | 'json'; since?: string; node?: string; resolution?: 'raw' | 'minute' },
  ): Promise<string> {
    const reply = await this.send('GET', `/api/export/${kind}${query(q)}`);
    this.check(reply, [200]);
    return reply.text;
  }

  shutdown(keepNodes: boolean): Promise<ShutdownResponse> {
    return this.json('POST', '/api/shutdown', { keepNodes });
  }

  /**
   * `events -f`: the stored events of the query (newest first, as `events`
   * answers), then each event recorded afterwards that passes its filters.
   * See `followStream` for the handle.
   */
  followEvents(
    q: { node?: string; type?: string; since?: string; limit?: number },
    onFrame: (event: string, data: unknown) => void,
  ): Promise<EventFollow> {
    return this.followStream(`/api/events/stream${query(q)}`, onFrame);
  }

  /**
   * Opens a Server-Sent Events stream: resolves once the daemon accepted it
   * (an error reply rejects as any request does), then calls onFrame for each
   * frame. `ended` resolves when the stream ends: `closed` when we closed it,
   * else `lost` (the daemon stopped or went away).
   */
  async followStream(path: string, onFrame: (event: string, data: unknown) => void): Promise<EventFollow> {
    const headers: http.OutgoingHttpHeaders = {
      [PROTOCOL_HEADER]: String(PROTOCOL_VERSION),
      accept: 'text/event-stream',
    };
    const e = this.endpoint;
    if (!('socketPath' in e) && e.token) headers['authorization'] = `Bearer ${e.token}`;
    const target = 'socketPath' in e ? { socketPath: e.socketPath } : { host: e.host, port: e.port };
    const req = http.request({ ...target, method: 'GET', path, headers, agent: false });
    const res = await new Promise<http.IncomingMessage>((resolve, reject) => {
      req.on('response', resolve);
      req.on('error', (err) => reject(this.unreachable(err)));
      req.end();
    });
    if (
      res.statusCode !== 200 ||
      !String(res.headers['content-type'] ?? '').startsWith('text/event-stream')
    ) {
      const chunks: Buffer[] = [];
      for await (const c of res) chunks.push(c as Buffer);
      const text = Buffer.concat(chunks).toString('utf8');
      this.check({ status: res.statusCode ?? 0, headers: res.headers, text }, []);
      throw new NodewardenError('E_INTERNAL', `the daemon answered ${path} with HTTP ${res.statusCode}`);
    }
    this.check({ status: 200, headers: res.headers, text: '' }, [200]);
    let closing = false;
    const parser = new SseParser(onFrame);
    res.setEncoding('utf8');
    res.on('data', (d: string) => parser.push(d));
    const ended = new Promise<'closed' | 'lost'>((resolve) => {
      const done = (): void => resolve(closing ? 'closed' : 'lost');
      res.on('close', done);
      res.on('error', done);
      req.on('error', done);
    });
    return {
      ended,
      close() {
        closing = true;
        req.destroy();
      },
    };
  }

  /** `stop --wait` with progress: each line (stop steps, then the results) as it arrives. */
  stopWithProgress(
    req: Omit<ActionRequest, 'progress'>,
    onLine: (line: ActionStreamLine) => void,
  ): Promise<void> {
    return this.lines('POST', '/api/actions/stop', { ...req, wait: true, progress: true }, onLine);
  }

  /** `restart --wait` of several nodes: each step of the rolling restart, then the results; each line as it arrives. */
  restartWithProgress(
    req: Omit<ActionRequest, 'progress'>,
    onLine: (line: ActionStreamLine) => void,
  ): Promise<void> {
    return this.lines('POST', '/api/actions/restart', { ...req, wait: true, progress: true }, onLine);
  }

  /** `upgrade`: each step of its rollout, then the results; each line as it arrives. */
  upgrade(req: UpgradeRequest, onLine: (line: UpgradeStreamLine) => void): Promise<void> {
    return this.lines('POST', '/api/upgrade', req, onLine);
  }

  /** `shutdown --wait`: accepted, every node's stop steps, done; each line as it arrives. */
  shutdownWithProgress(keepNodes: boolean, onLine: (line: ShutdownStreamLine) => void): Promise<void> {
    return this.lines('POST', '/api/shutdown', { keepNodes, progress: true }, onLine);
  }

  /**
   * A request answered by a stream of JSON lines: `onLine` gets each line as it
   * arrives; resolves when the daemon ends the stream. A reply that is not a
   * stream is checked like any other (the daemon's error rejects); a stream
   * cut short rejects with E_DAEMON_UNREACHABLE.
   */
  private lines<L>(method: string, path: string, body: unknown, onLine: (line: L) => void): Promise<void> {
    const payload = JSON.stringify(body);
    const headers: http.OutgoingHttpHeaders = {
      [PROTOCOL_HEADER]: String(PROTOCOL_VERSION),
      connection: 'close',
      'content-type': 'application/json',
      'content-length': Buffer.byteLength(payload),
    };
    const e = this.endpoint;
    if (!('socketPath' in e) && e.token) headers['authorization'] = `Bearer ${e.token}`;
    const target = 'socketPath' in e ? { socketPath: e.socketPath } : { host: e.host, port: e.port };
    return new Promise((resolve, reject) => {
      const req = http.request({ ...target, method, path, headers, agent: false }, (res) => {
        const streamed = String(res.headers['content-type'] ?? '').startsWith(NDJSON);
        const chunks: Buffer[] = [];
        let pending = '';
        let failed = false;
        const fail = (err: unknown): void => {
          if (failed) return;
          failed = true;
          res.destroy();
          reject(err);
        };
        if (streamed) {
          try {
            this.check({ status: res.statusCode ?? 0, headers: res.headers, text: '' }, [200], false);
          } catch (err) {
            fail(err);
            return;
          }
        }
        res.setEncoding('utf8');
        res.on('data', (chunk: string) => {
          if (failed) return;
          if (!streamed) {
            chunks.push(Buffer.from(chunk));
            return;
          }
          pending += chunk;
          let nl = pending.indexOf('\n');
          while (nl >= 0) {
            const text = pending.slice(0, nl);
            pending = pending.slice(nl + 1);
            nl = pending.indexOf('\n');
            if (text.trim() === '') continue;
            try {
              const line = JSON.parse(text) as { type?: unknown };
              if (line?.type === 'error') throw this.errorOf(line as StreamError);
              onLine(line as L);
            } catch (err) {
              fail(
                err instanceof NodewardenError
                  ? err
                  : new NodewardenError(
                      'E_INTERNAL',
                      `the daemon sent an unreadable line: ${text.slice(0, 200)}`,
                      {
                        cause: err,
                      },
                    ),
              );
              return;
            }
          }
        });
        res.on('error', (err) => fail(this.unreachable(err)));
        res.on('aborted', () =>
          fail(this.unreachable(Object.assign(new Error('stream cut short'), { code: 'ECONNRESET' }))),
        );
        res.on('end', () => {
          if (failed) return;
          if (streamed) return resolve();
          try {
            const reply = {
              status: res.statusCode ?? 0,
              headers: res.headers,
              text: Buffer.concat(chunks).toString('utf8'),
            };
            this.check(reply, [200]);
            resolve();
          } catch (err) {
            reject(err);
          }
        });
      });
      req.on('error', (err) => reject(this.unreachable(err)));
      req.end(payload);
    });
  }

  /** One request; rejects with E_DAEMON_UNREACHABLE when nothing answers. */
  send(method: string, path: string, body?: unknown): Promise<RawReply> {
    const payload = body === undefined ? undefined : JSON.stringify(body);
    const headers: http.OutgoingHttpHeaders = {
      [PROTOCOL_HEADER]: String(PROTOCOL_VERSION),
      connection: 'close',
    };
    if (payload !== undefined) {
      headers['content-type'] = 'application/json';
      headers['content-length'] = Buffer.byteLength(payload);
    }
    const e = this.endpoint;
    if (!('socketPath' in e) && e.token) headers['authorization'] = `Bearer ${e.token}`;
    const target = 'socketPath' in e ? { socketPath: e.socketPath } : { host: e.host, port: e.port };
    return new Promise((resolve, reject) => {
      const req = http.request({ ...target, method, path, headers, agent: false }, (res) => {
        const chunks: Buffer[] = [];
        res.on('data', (c: Buffer) => chunks.push(c));
        res.on('error', (err) => reject(this.unreachable(err)));
        res.on('end', () =>
          resolve({
            status: res.statusCode ?? 0,
            headers: res.headers,
            text: Buffer.concat(chunks).toString('utf8'),
          }),
        );
      });
      req.on('error', (err) => reject(this.unreachable(err)));
      req.end(payload);
    });
  }

  private async json<T>(method: string, path: string, body?: unknown, ok: number[] = [200]): Promise<T> {
    const reply = await this.send(method, path, body);
    return this.check(reply, ok) as T;
  }

  /** Protocol check, then (with `parse`) the parsed body of an accepted status, else the daemon's error. */
  private check(reply: RawReply, ok: number[], parse = true): unknown {
    const theirs = reply.headers[PROTOCOL_HEADER];
    if (theirs === undefined) {
      throw new NodewardenError(
        'E_PROTOCOL_MISMATCH',
        `what answers on ${this.where} is not a nodewarden daemon (HTTP ${reply.status}, no ${PROTOCOL_HEADER} header)`,
      );
    }
    if (String(theirs) !== String(PROTOCOL_VERSION)) throw mismatch(String(theirs));
    if (!parse && ok.includes(reply.status)) return undefined;
    const isJson = String(reply.headers['content-type'] ?? '').includes('json');
    let parsed: unknown = reply.text;
    if (isJson) {
      try {
        parsed = JSON.parse(reply.text);
      } catch (err) {
        throw new NodewardenError('E_INTERNAL', `the daemon sent invalid JSON (HTTP ${reply.status})`, {
          cause: err,
        });
      }
    }
    if (ok.includes(reply.status)) return parsed;
    const error = (
      parsed as { error?: { code?: unknown; message?: unknown; hint?: unknown; details?: unknown } } | null
    )?.error;
    const code: ErrorCode =
      typeof error?.code === 'string' && error.code in ErrorCodes ? (error.code as ErrorCode) : 'E_INTERNAL';
    const message =
      typeof error?.message === 'string'
        ? error.message
        : `HTTP ${reply.status}: ${reply.text.slice(0, 200)}`;
    const details = error?.details;
    throw new NodewardenError(code, message, {
      ...(typeof error?.hint === 'string' ? { hint: error.hint } : {}),
      ...(details && typeof details === 'object' ? { details: { ...details } } : {}),
    });
  }

  /** The daemon's error, sent as the last line of a stream. */
  private errorOf(line: StreamError): NodewardenError {
    const code = line.error?.code;
    return new NodewardenError(
      typeof code === 'string' && code in ErrorCodes ? (code as ErrorCode) : 'E_INTERNAL',
      typeof line.error?.message === 'string' ? line.error.message : 'the daemon failed',
      typeof line.error?.hint === 'string' ? { hint: line.error.hint } : {},
    );
  }

  private unreachable(err: NodeJS.ErrnoException): NodewardenError {
    if (err.code === 'EACCES') {
      return new NodewardenError('E_DAEMON_UNREACHABLE', `permission denied on ${this.where}`, {
        hint: 'run as the user that runs the daemon (the socket is mode 0600)',
        cause: err,
      });
    }
    const down = err.code === 'ENOENT' || err.code === 'ECONNREFUSED';
    return new NodewardenError(
      'E_DAEMON_UNREACHABLE',
      down
        ? `the daemon is not running (no answer on ${this.where})`
        : `lost the connection to the daemon on ${this.where} (${err.code ?? err.message})`,
      {
        hint:
          this.opts.unreachableHint ??
          'start it with `nodewarden run --config <dir>` (or your systemd/supervisord service)',
        cause: err,
      },
    );
  }
}

/** The error both sides report when their protocol versions differ. */
function mismatch(theirs: string): NodewardenError {
  return new NodewardenError(
    'E_PROTOCOL_MISMATCH',
    `the daemon speaks protocol v${theirs}, this cli v${PROTOCOL_VERSION}`,
    { hint: 'restart the daemon after upgrading nodewarden, or use the cli of the same version' },
  );
}

function query(q: Query): string {
  const params = new URLSearchParams();
  for (const [k, v] of Object.entries(q)) if (v !== undefined) params.set(k, String(v));
  const s = params.toString();
  return s === '' ? '' : `?${s}`;
}
