/**
 * Time arguments of the read verbs and routes (`--since 1h`, `?since=7d`):
 * a duration back from now, an ISO 8601 time, or epoch milliseconds.
 */

const UNIT_MS: Readonly<Record<string, number>> = {
  ms: 1,
  s: 1_000,
  m: 60_000,
  h: 3_600_000,
  d: 86_400_000,
  w: 604_800_000,
};

/** What a duration string looks like (`90s`, `2m`, `1.5h`, `500ms`), spaces around allowed. */
export const DURATION_PATTERN = '^\\s*(\\d+(?:\\.\\d+)?)(ms|s|m|h|d|w)\\s*$';
const DURATION = new RegExp(DURATION_PATTERN);

/** `90s`, `15m`, `24h`, `7d`, `2w`, `500ms` → milliseconds; null when not a duration. */
export function parseDuration(text: string): number | null {
  const m = DURATION.exec(text);
  if (!m) return null;
  const ms = Number(m[1]) * UNIT_MS[m[2]!]!;
  return Number.isFinite(ms) ? Math.round(ms) : null;
}

/**
 * A `since` value → epoch ms: a duration counts back from `nowMs`; an ISO time
 * or plain epoch milliseconds is taken as is. Null when it is none of these.
 */
export function parseSince(text: string, nowMs: number): number | null {
  const d = parseDuration(text);
  if (d !== null) return nowMs - d;
  if (/^\d{10,}$/.test(text)) return Number(text);
  if (/^\d{4}-\d{2}-\d{2}/.test(text)) {
    const t = Date.parse(text);
    return Number.isNaN(t) ? null : t;
  }
  return null;
}

/** The message a bad `since` gets, quoting the value. */
export function badSinceMessage(key: string, value: string): string {
  return `${key}: expected a duration (30m, 24h, 7d), an ISO time or epoch milliseconds, got ${JSON.stringify(value)}`;
}
