import type { ProbeSpec } from '../../config/types.js';
import { httpText } from './http-text.js';
import { parseBody, pickPath, ProbeValueError, quote } from './value.js';

let nextId = 1;

/**
 * `jsonrpc` probe: POST a JSON-RPC 2.0 call of `method` with `params` (default
 * `[]`) and basic `auth` to `url`; the value is `result`, or the dot `path`
 * inside it. An `error` member, or a reply without `result`, is a failure.
 */
export async function jsonRpcProbe(spec: ProbeSpec, signal: AbortSignal): Promise<unknown> {
  const id = nextId++;
  const text = await httpText({
    url: spec.url!,
    signal,
    method: 'POST',
    json: { jsonrpc: '2.0', id, method: spec.method, params: spec.params ?? [] },
    auth: spec.auth,
  });
  const reply = parseBody(text, true) as {
    result?: unknown;
    error?: { code?: unknown; message?: unknown };
  } | null;
  if (typeof reply !== 'object' || reply === null || Array.isArray(reply)) {
    throw new ProbeValueError(`not a JSON-RPC reply: ${quote(reply)}`);
  }
  if (reply.error !== undefined && reply.error !== null) {
    const e = reply.error;
    throw new ProbeValueError(
      `JSON-RPC error ${String(e.code ?? '')}: ${String(e.message ?? quote(e))}`.replace(' :', ':'),
    );
  }
  if (!('result' in reply)) throw new ProbeValueError(`JSON-RPC reply has no result: ${quote(reply)}`);
  return pickPath(reply.result, spec.path);
}
