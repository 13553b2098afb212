import { readFile } from 'node:fs/promises';
import type { ChainField, FieldSource, ProbeRead, ProbeSpec } from '../../config/types.js';
import { httpText } from './http-text.js';
import { findSample, sampleNumber } from './prom-text.js';
import { parseBody, pickPath, ProbeValueError, quote, toHeight, toInfo } from './value.js';

/**
 * What one run of a `multi` probe (a chain preset) learnt of the daemon. Only
 * the fields the daemon told are set; `problems` says why others are missing
 * (a request that failed, a field not in the answer).
 */
export class ChainReading {
  height?: number;
  /** The daemon's own "I am syncing" flag. */
  syncing?: boolean;
  version?: string;
  peerId?: string;
  peers?: number;
  readonly problems: string[] = [];
}

let nextId = 1;

/**
 * `multi` probe: issues every request of `reads` (in parallel; they are small
 * calls to one local daemon) and maps the answers' fields. The probe fails
 * when a request that reads `height` fails or gives no height (unless the
 * daemon says it is syncing: a bootstrapping node may have none yet), or when
 * every request fails; any other failing request or field only leaves its
 * fields out.
 */
export async function multiProbe(spec: ProbeSpec, signal: AbortSignal): Promise<ChainReading> {
  const reads = spec.reads ?? [];
  const auth = spec.cookieFile !== undefined ? await readCookie(spec.cookieFile) : spec.auth;
  const answers = await Promise.allSettled(reads.map((r) => ask(r, auth, signal)));
  const reading = new ChainReading();
  let answered = 0;
  let noHeight: string | null = null;
  answers.forEach((a, i) => {
    const read = reads[i]!;
    const needed = read.fields.height !== undefined;
    if (a.status === 'rejected') {
      const msg = `${what(read)}: ${(a.reason as Error)?.message ?? String(a.reason)}`;
      if (needed) noHeight ??= msg;
      else reading.problems.push(msg);
      return;
    }
    answered++;
    if (a.value.errorFields) {
      for (const [f, v] of Object.entries(a.value.errorFields)) assign(reading, f as ChainField, v);
      return;
    }
    for (const [f, src] of Object.entries(read.fields) as [ChainField, FieldSource][]) {
      try {
        assign(reading, f, extract(a.value.body, src, read.type === 'prometheus'));
      } catch (err) {
        const msg = `${what(read)}: ${f}: ${(err as Error).message}`;
        if (f === 'height') noHeight ??= msg;
        else reading.problems.push(msg);
      }
    }
  });
  // A daemon that says it is syncing may have no height yet (jormungandr while bootstrapping): an answer.
  if (noHeight !== null && reading.syncing !== true) throw new ProbeValueError(noHeight);
  if (noHeight !== null) reading.problems.push(noHeight);
  if (answered === 0 && reads.length > 0) throw new ProbeValueError(reading.problems.join('; '));
  return reading;
}

/** `user:password` of a bitcoind-style cookie file, read afresh (a restarted daemon writes a new one). */
export async function readCookie(file: string): Promise<{ user: string; pass: string }> {
  let text: string;
  try {
    text = await readFile(file, 'utf8');
  } catch (err) {
    const e = err as NodeJS.ErrnoException;
    throw new Error(`cannot read cookie file ${file}: ${e.code ?? e.message}`);
  }
  const line = text.trim();
  const colon = line.indexOf(':');
  if (colon < 1) throw new ProbeValueError(`cookie file ${file} does not hold user:password`);
  return { user: line.slice(0, colon), pass: line.slice(colon + 1) };
}

function what(r: ProbeRead): string {
  return r.type === 'jsonrpc' ? `${r.method}` : r.url;
}

type Answer = { body: unknown; errorFields?: undefined } | { body?: undefined; errorFields: object };

async function ask(
  r: ProbeRead,
  auth: { user: string; pass: string } | undefined,
  signal: AbortSignal,
): Promise<Answer> {
  if (r.type === 'prometheus') {
    return { body: await httpText({ url: r.url, signal, auth, accept: 'text/plain' }) };
  }
  if (r.type === 'http') return { body: parseBody(await httpText({ url: r.url, signal, auth }), true) };
  const call: Record<string, unknown> = { jsonrpc: r.jsonrpc ?? '2.0', id: nextId++, method: r.method };
  if (r.params !== undefined) call.params = r.params;
  // JSON-RPC 1.0 servers (bitcoind) answer errors with HTTP 404 / 500 and the error in the body.
  const text = await httpText({
    url: r.url,
    signal,
    method: 'POST',
    json: call,
    auth,
    bodyOnStatus: [404, 500],
  });
  const reply = parseBody(text, true) as { result?: unknown; error?: { code?: unknown; message?: unknown } };
  if (typeof reply !== 'object' || reply === null || Array.isArray(reply)) {
    throw new ProbeValueError(`not a JSON-RPC reply: ${quote(reply)}`);
  }
  if (reply.error !== undefined && reply.error !== null) {
    const e = reply.error;
    if (r.onError && e.code === r.onError.code) return { errorFields: r.onError.fields };
    throw new ProbeValueError(`JSON-RPC error ${String(e.code ?? '')}: ${String(e.message ?? quote(e))}`);
  }
  if (!('result' in reply)) throw new ProbeValueError(`JSON-RPC reply has no result: ${quote(reply)}`);
  return { body: reply.result };
}

/** The raw value of one field in an answer (JSON, or a metrics page). */
function extract(body: unknown, src: FieldSource, prometheus: boolean): unknown {
  if (prometheus) {
    const s = typeof src === 'string' ? { metric: src } : src;
    const sample = findSample(String(body), s.metric!, s.labels);
    if (s.label === undefined) return sampleNumber(sample);
    const v = sample.labels[s.label];
    if (v === undefined) throw new ProbeValueError(`sample ${s.metric} has no label "${s.label}"`);
    return v;
  }
  if (typeof src === 'string') return pickPath(body, src);
  if (src.sum !== undefined) return src.sum.reduce((n, p) => n + toHeight(pickPath(body, p)), 0);
  const v = pickPath(body, src.path ?? '');
  if ('is' in src) return same(v, src.is);
  if ('isNot' in src) return !same(v, src.isNot);
  if (src.add !== undefined) {
    const n = toHeight(v) + src.add;
    if (n < 0)
      throw new ProbeValueError(`${quote(v)} ${src.add < 0 ? '-' : '+'} ${Math.abs(src.add)} is negative`);
    return n;
  }
  return v;
}

function same(a: unknown, b: unknown): boolean {
  return JSON.stringify(a) === JSON.stringify(b);
}

/** Sets one field of the reading, as its kind asks (heights and peer counts are integers). */
function assign(reading: ChainReading, f: ChainField, v: unknown): void {
  switch (f) {
    case 'height':
      reading.height = toHeight(v);
      return;
    case 'peers':
      reading.peers = toHeight(v);
      return;
    case 'syncing':
      if (typeof v === 'boolean') reading.syncing = v;
      else if (v === 'true' || v === 'false') reading.syncing = v === 'true';
      else throw new ProbeValueError(`not a true/false flag: ${quote(v)}`);
      return;
    case 'version':
      reading.version = String(toInfo(v));
      return;
    case 'peerId':
      reading.peerId = String(toInfo(v));
      return;
  }
}
