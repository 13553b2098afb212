/**
 * Where a browser cannot send `Authorization: Bearer …`: the status page opened
 * as `/?token=…` and its EventSource on `/api/stream?token=…`. The control
 * server's auth hook (TCP with a token) should accept `queryToken(...)` as the
 * bearer token on these two GET routes only, never on JSON or POST routes.
 */
export const QUERY_TOKEN_PATHS: ReadonlySet<string> = new Set(['/', '/api/stream']);

/** The `token` query parameter of a GET/HEAD request to a QUERY_TOKEN_PATHS route, else null. */
export function queryToken(method: string, url: string): string | null {
  if (method !== 'GET' && method !== 'HEAD') return null;
  const q = url.indexOf('?');
  const path = q < 0 ? url : url.slice(0, q);
  if (q < 0 || !QUERY_TOKEN_PATHS.has(path)) return null;
  const token = new URLSearchParams(url.slice(q + 1)).get('token');
  return token === null || token === '' ? null : token;
}
