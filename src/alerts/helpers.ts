import type { HelperDelegate } from 'handlebars';

/**
 * Helpers every alert template may use (registered on the alerter's own
 * Handlebars instance, never the global one):
 * - `time ts` → ISO 8601 UTC (`2024-01-01T00:00:05.000Z`), '' for null;
 * - `duration seconds` → `3d 4h 5m`, `42s`;
 * - `detail "code"` → `event.details.code` as text, '' when absent (details vary by event type,
 *   and strict mode would reject a missing key);
 * - `json value` → pretty JSON;
 * - `plural n "crash" "crashes"` → the word that fits n (plural defaults to word + "s");
 * - `eq a b` → a === b, for `{{#if (eq event.type "crashed")}}`.
 */
export const HELPERS: Readonly<Record<string, HelperDelegate>> = {
  time: (ts: unknown) => (typeof ts === 'number' && Number.isFinite(ts) ? new Date(ts).toISOString() : ''),
  duration: (s: unknown) => (typeof s === 'number' && Number.isFinite(s) ? formatDuration(s) : ''),
  detail(
    this: unknown,
    key: unknown,
    options: { data?: { root?: { event?: { details?: Record<string, unknown> } } } },
  ) {
    const v = options?.data?.root?.event?.details?.[String(key)];
    if (v === undefined || v === null) return '';
    return typeof v === 'object' ? JSON.stringify(v) : String(v);
  },
  json: (v: unknown) => JSON.stringify(v, null, 2) ?? '',
  plural: (n: unknown, word: unknown, plural: unknown) => {
    const many = typeof plural === 'string' ? plural : `${String(word)}s`;
    return n === 1 ? String(word) : many;
  },
  eq: (a: unknown, b: unknown) => a === b,
};

/** `90061` → `1d 1h 1m`; under a minute → `42s`. */
export function formatDuration(totalSeconds: number): string {
  const s = Math.max(0, Math.floor(totalSeconds));
  if (s < 60) return `${s}s`;
  const d = Math.floor(s / 86400);
  const h = Math.floor((s % 86400) / 3600);
  const m = Math.floor((s % 3600) / 60);
  return [d && `${d}d`, h && `${h}h`, m && `${m}m`].filter(Boolean).join(' ') || '0m';
}
