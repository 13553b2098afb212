/** Human formats of the values the read verbs show; `-` stands for unknown. */

export const NONE = '-';

/** `45s`, `12m 3s`, `5h 2m`, `3d 4h`. */
export function formatDuration(seconds: number | null): string {
  if (seconds === null) return NONE;
  const s = Math.max(0, Math.floor(seconds));
  if (s < 60) return `${s}s`;
  if (s < 3600) return `${Math.floor(s / 60)}m ${s % 60}s`;
  if (s < 86_400) return `${Math.floor(s / 3600)}h ${Math.floor((s % 3600) / 60)}m`;
  return `${Math.floor(s / 86_400)}d ${Math.floor((s % 86_400) / 3600)}h`;
}

/** `812K`, `1.4M`, `2.0G` (binary units). */
export function formatBytes(bytes: number | null): string {
  if (bytes === null) return NONE;
  const units = ['B', 'K', 'M', 'G', 'T'];
  let v = bytes;
  let i = 0;
  while (v >= 1024 && i < units.length - 1) {
    v /= 1024;
    i++;
  }
  return i === 0 ? `${v}B` : `${v < 10 ? v.toFixed(1) : Math.round(v)}${units[i]}`;
}

export function formatPercent(p: number | null, digits = 1): string {
  return p === null ? NONE : `${p.toFixed(digits)}%`;
}

export function formatNumber(n: number | null): string {
  return n === null ? NONE : String(n);
}

/** An event time: ISO 8601 UTC to the second (`2024-01-01T00:00:05Z`). */
export function formatTime(ms: number): string {
  return new Date(ms).toISOString().replace(/\.\d{3}Z$/, 'Z');
}
