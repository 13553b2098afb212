/**
 * Real receivers on loopback for the alert tests: an SMTP server (the
 * `smtp-server` package, port 0, STARTTLS off, plain AUTH allowed) that keeps
 * every message, and an HTTP webhook receiver that keeps every JSON body.
 * Each test closes what it started.
 */
import http from 'node:http';
import net from 'node:net';
import { SMTPServer } from 'smtp-server';

export interface ReceivedMail {
  readonly raw: string;
  readonly headers: Record<string, string>;
  /** The raw message with quoted-printable soft breaks and escapes undone (for text assertions). */
  readonly decoded: string;
  readonly from: string;
  readonly to: string[];
}

export interface SmtpSink {
  readonly port: number;
  readonly mails: ReceivedMail[];
  /** Resolves once at least n mails have arrived (bounded by timeoutMs). */
  waitFor(n: number, timeoutMs?: number): Promise<ReceivedMail[]>;
  close(): Promise<void>;
}

export interface SmtpOptions {
  port?: number;
  /** Required credentials; wrong ones get `535 Authentication failed`. */
  auth?: { user: string; pass: string };
}

/**
 * An `alerts.email` config block that mails from nodewarden@test.invalid to
 * ops@test.invalid through this sink (with the given credentials, if any).
 */
export function emailVia(sink: SmtpSink, auth?: { user: string; pass: string }) {
  return {
    from: 'nodewarden@test.invalid',
    to: ['ops@test.invalid'],
    smtp: { host: '127.0.0.1', port: sink.port, ...(auth ? { auth } : {}) },
  };
}

/** Start an SMTP server on 127.0.0.1 (port 0 unless given). */
export async function startSmtp(opts: SmtpOptions = {}): Promise<SmtpSink> {
  const mails: ReceivedMail[] = [];
  const waiters = new Set<() => void>();
  const server = new SMTPServer({
    logger: false,
    disabledCommands: ['STARTTLS'],
    allowInsecureAuth: true,
    authOptional: !opts.auth,
    onAuth(auth, _session, cb) {
      if (opts.auth && auth.username === opts.auth.user && auth.password === opts.auth.pass) {
        return cb(null, { user: auth.username });
      }
      const err = Object.assign(new Error('Authentication failed'), { responseCode: 535 });
      return cb(err);
    },
    onData(stream, session, cb) {
      const chunks: Buffer[] = [];
      stream.on('data', (c: Buffer) => chunks.push(c));
      stream.on('end', () => {
        const raw = Buffer.concat(chunks).toString('utf8');
        mails.push({
          raw,
          headers: parseHeaders(raw),
          decoded: decodeQuotedPrintable(raw),
          from: session.envelope.mailFrom ? session.envelope.mailFrom.address : '',
          to: session.envelope.rcptTo.map((r) => r.address),
        });
        waiters.forEach((w) => w());
        cb();
      });
    },
  });
  await new Promise<void>((resolve, reject) => {
    server.once('error', reject);
    server.listen(opts.port ?? 0, '127.0.0.1', () => resolve());
  });
  const port = (server.server.address() as net.AddressInfo).port;
  return {
    port,
    mails,
    waitFor: (n, timeoutMs = 10_000) =>
      waitFor(() => mails.length >= n, waiters, timeoutMs, `${n} mail(s) (got ${mails.length})`).then(
        () => mails,
      ),
    close: () => new Promise<void>((resolve) => server.close(() => resolve())),
  };
}

export interface WebhookSink {
  readonly url: string;
  readonly bodies: Record<string, unknown>[];
  readonly headers: http.IncomingHttpHeaders[];
  /** Answer with this status from now on (default 200). */
  status: number;
  waitFor(n: number, timeoutMs?: number): Promise<Record<string, unknown>[]>;
  close(): Promise<void>;
}

/** Start an HTTP receiver on 127.0.0.1 that records JSON POST bodies. */
export async function startWebhook(): Promise<WebhookSink> {
  const waiters = new Set<() => void>();
  const sink = {
    url: '',
    bodies: [] as Record<string, unknown>[],
    headers: [] as http.IncomingHttpHeaders[],
    status: 200,
  };
  const server = http.createServer((req, res) => {
    const chunks: Buffer[] = [];
    req.on('data', (c: Buffer) => chunks.push(c));
    req.on('end', () => {
      if (sink.status === 200) {
        sink.bodies.push(JSON.parse(Buffer.concat(chunks).toString('utf8')) as Record<string, unknown>);
        sink.headers.push(req.headers);
      }
      res.writeHead(sink.status, { 'content-type': 'text/plain' }).end(sink.status === 200 ? 'ok' : 'nope');
      waiters.forEach((w) => w());
    });
  });
  await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', () => resolve()));
  sink.url = `http://127.0.0.1:${(server.address() as net.AddressInfo).port}/hook`;
  return Object.assign(sink, {
    waitFor: (n: number, timeoutMs = 10_000) =>
      waitFor(() => sink.bodies.length >= n, waiters, timeoutMs, `${n} webhook call(s)`).then(
        () => sink.bodies,
      ),
    close: () =>
      new Promise<void>((resolve) => {
        server.closeAllConnections();
        server.close(() => resolve());
      }),
  });
}

/** A loopback port that was free a moment ago (for a server started later). */
export async function freePort(): Promise<number> {
  const s = net.createServer();
  await new Promise<void>((resolve) => s.listen(0, '127.0.0.1', () => resolve()));
  const port = (s.address() as net.AddressInfo).port;
  await new Promise<void>((resolve) => s.close(() => resolve()));
  return port;
}

// Event-driven: re-checked on every arrival; the timer is only a failure bound.
function waitFor(
  fact: () => boolean,
  waiters: Set<() => void>,
  timeoutMs: number,
  what: string,
): Promise<void> {
  if (fact()) return Promise.resolve();
  return new Promise((resolve, reject) => {
    const check = (): void => {
      if (!fact()) return;
      clearTimeout(timer);
      waiters.delete(check);
      resolve();
    };
    const timer = setTimeout(() => {
      waiters.delete(check);
      reject(new Error(`timed out after ${timeoutMs} ms waiting for ${what}`));
    }, timeoutMs);
    waiters.add(check);
  });
}

function parseHeaders(raw: string): Record<string, string> {
  const head = raw.split(/\r?\n\r?\n/, 1)[0] ?? '';
  const out: Record<string, string> = {};
  for (const line of head.replace(/\r?\n[ \t]+/g, ' ').split(/\r?\n/)) {
    const i = line.indexOf(':');
    if (i > 0) out[line.slice(0, i).toLowerCase()] = line.slice(i + 1).trim();
  }
  return out;
}

function decodeQuotedPrintable(raw: string): string {
  return raw
    .replace(/=\r?\n/g, '')
    .replace(/=([0-9A-F]{2})/g, (_m, h: string) => String.fromCharCode(parseInt(h, 16)));
}
