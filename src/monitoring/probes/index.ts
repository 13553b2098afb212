/**
 * Runs one probe of any type with its timeout. The result is a plain record:
 * `ok: true` with the raw value read, or `ok: false` with why. An error, a
 * timeout or an abort is always `ok: false`, never a success (DESIGN §3);
 * turning the value into a height or an info field is the caller's business.
 */
import type { ProbeSpec } from '../../config/types.js';
import { commandProbe } from './command.js';
import { httpProbe } from './http.js';
import { jsonRpcProbe } from './jsonrpc.js';
import { prometheusProbe } from './prometheus.js';
import { multiProbe, readCookie } from './reads.js';
import { tcpProbe } from './tcp.js';

export { toHeight, toInfo, toPeers, pickPath, ProbeValueError } from './value.js';
export { ChainReading } from './reads.js';

/** What one probe run gave. `seconds` is its wall duration. */
export type ProbeResult =
  | { readonly ok: true; readonly value: unknown; readonly seconds: number }
  | { readonly ok: false; readonly error: string; readonly seconds: number };

/** A probe implementation: resolves with the value read; must give up when `signal` aborts. */
export type ProbeImpl = (spec: ProbeSpec, signal: AbortSignal) => Promise<unknown>;

const IMPLS: Readonly<Record<ProbeSpec['type'], ProbeImpl>> = {
  http: httpProbe,
  jsonrpc: jsonRpcProbe,
  prometheus: prometheusProbe,
  command: commandProbe,
  tcp: tcpProbe,
  multi: multiProbe,
};

/** Signature of `runProbe`, so the prober can be given a fake in tests. */
export type ProbeRunner = (spec: ProbeSpec, opts?: { signal?: AbortSignal }) => Promise<ProbeResult>;

/**
 * Runs `spec` once, bounded by `spec.timeoutMs` and by `opts.signal` (the
 * prober's own stop). Never rejects.
 */
export const runProbe: ProbeRunner = async (spec, opts = {}) => {
  const t0 = performance.now();
  const seconds = (): number => (performance.now() - t0) / 1000;
  const ac = new AbortController();
  const timer = setTimeout(() => ac.abort(new Error(`timed out after ${spec.timeoutMs} ms`)), spec.timeoutMs);
  const outer = opts.signal;
  const onOuter = (): void => ac.abort(new Error('probe cancelled'));
  if (outer?.aborted) onOuter();
  else outer?.addEventListener('abort', onOuter, { once: true });
  // A probe that ignores its signal still ends at the timeout: the race settles first.
  const aborted = new Promise<never>((_, reject) => {
    if (ac.signal.aborted) reject(ac.signal.reason);
    else ac.signal.addEventListener('abort', () => reject(ac.signal.reason), { once: true });
  });
  try {
    const impl = IMPLS[spec.type];
    if (!impl) throw new Error(`unknown probe type ${JSON.stringify(spec.type)}`);
    // A cookie file gives the auth of every kind of probe; a multi probe reads it itself.
    const withAuth = async (): Promise<ProbeSpec> =>
      spec.cookieFile !== undefined && spec.type !== 'multi'
        ? { ...spec, auth: await readCookie(spec.cookieFile) }
        : spec;
    const value = await Promise.race([withAuth().then((s) => impl(s, ac.signal)), aborted]);
    return { ok: true, value, seconds: seconds() };
  } catch (err) {
    return { ok: false, error: err instanceof Error ? err.message : String(err), seconds: seconds() };
  } finally {
    clearTimeout(timer);
    outer?.removeEventListener('abort', onOuter);
    aborted.catch(() => {});
  }
};
