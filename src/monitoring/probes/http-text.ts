/**
 * The one HTTP exchange the http, jsonrpc and prometheus probes share: a GET or
 * POST with an AbortSignal (the probe's timeout), optional basic auth, a
 * non-2xx status counted as a failure and a cap on how much body is read.
 */
import { ProbeValueError } from './value.js';

/** Bodies larger than this are a failure (a /metrics page of a big node is well below). */
export const MAX_BODY_BYTES = 8 * 1024 * 1024;

export interface HttpTextRequest {
  readonly url: string;
  readonly signal: AbortSignal;
  readonly method?: 'GET' | 'POST';
  /** A JSON body (POST). */
  readonly json?: unknown;
  readonly auth?: { readonly user: string; readonly pass: string } | undefined;
  readonly accept?: string;
  /** Non-2xx statuses whose body is still the answer (bitcoind sends JSON-RPC errors with 404/500). */
  readonly bodyOnStatus?: readonly number[];
}

/** Performs the request; resolves with the body text of a 2xx answer, rejects otherwise. */
export async function httpText(req: HttpTextRequest): Promise<string> {
  const headers: Record<string, string> = { accept: req.accept ?? 'application/json' };
  if (req.auth) {
    headers.authorization = 'Basic ' + Buffer.from(`${req.auth.user}:${req.auth.pass}`).toString('base64');
  }
  let body: string | undefined;
  if (req.json !== undefined) {
    body = JSON.stringify(req.json);
    headers['content-type'] = 'application/json';
  }
  let res: Response;
  try {
    res = await fetch(req.url, {
      method: req.method ?? 'GET',
      headers,
      body,
      signal: req.signal,
      redirect: 'follow',
    });
  } catch (err) {
    throw describeFetchError(err, req.signal);
  }
  if ((res.status < 200 || res.status > 299) && !req.bodyOnStatus?.includes(res.status)) {
    await res.body?.cancel().catch(() => {});
    throw new ProbeValueError(`HTTP ${res.status} ${res.statusText}`.trim());
  }
  return readCapped(res, req.signal);
}

async function readCapped(res: Response, signal: AbortSignal): Promise<string> {
  if (!res.body) return '';
  const reader = res.body.getReader();
  const chunks: Uint8Array[] = [];
  let size = 0;
  try {
    for (;;) {
      const { done, value } = await reader.read();
      if (done) break;
      size += value.byteLength;
      if (size > MAX_BODY_BYTES) {
        await reader.cancel().catch(() => {});
        throw new ProbeValueError(`response body over ${MAX_BODY_BYTES} bytes`);
      }
      chunks.push(value);
    }
  } catch (err) {
    if (err instanceof ProbeValueError) throw err;
    throw describeFetchError(err, signal);
  }
  return Buffer.concat(chunks).toString('utf8');
}

/** fetch's own errors say only "fetch failed"; the useful part (ECONNREFUSED ...) is in `cause`. */
function describeFetchError(err: unknown, signal: AbortSignal): Error {
  if (signal.aborted)
    return signal.reason instanceof Error ? signal.reason : new Error(String(signal.reason));
  const cause = (err as { cause?: { code?: string; message?: string } }).cause;
  if (cause?.message)
    return new Error(
      cause.code && !cause.message.includes(cause.code) ? `${cause.code} ${cause.message}` : cause.message,
    );
  return err instanceof Error ? err : new Error(String(err));
}
