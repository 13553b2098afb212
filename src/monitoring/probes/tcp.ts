import net from 'node:net';
import type { ProbeSpec } from '../../config/types.js';

/**
 * `tcp` probe: a connection to `host:port` that opens means up; the value is
 * the connect latency in milliseconds. The socket is closed at once.
 */
export function tcpProbe(spec: ProbeSpec, signal: AbortSignal): Promise<unknown> {
  const host = spec.host ?? '127.0.0.1';
  const port = spec.port!;
  return new Promise((resolve, reject) => {
    if (signal.aborted) return reject(signal.reason);
    const t0 = performance.now();
    const socket = net.connect({ host, port });
    const done = (fn: () => void): void => {
      signal.removeEventListener('abort', onAbort);
      socket.destroy();
      fn();
    };
    const onAbort = (): void => done(() => reject(signal.reason));
    signal.addEventListener('abort', onAbort, { once: true });
    socket.once('connect', () => done(() => resolve(Math.round((performance.now() - t0) * 1000) / 1000)));
    socket.once('error', (e: NodeJS.ErrnoException) =>
      done(() => reject(new Error(e.code ? `${e.code} ${host}:${port}` : e.message))),
    );
  });
}
