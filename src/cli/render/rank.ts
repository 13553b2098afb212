import type { RankRow } from '../../protocol/types.js';
import { formatDuration, formatPercent, NONE } from './format.js';
import { renderTable } from './table.js';

/** A median probe latency: `0.8ms`, `312.4ms`, `-` without successful runs. */
export function formatLatency(ms: number | null): string {
  return ms === null ? NONE : `${ms.toFixed(1)}ms`;
}

/** `nodewarden uptime --rank`: best first, as the daemon ranks them. */
export function renderRank(rows: readonly RankRow[], color: boolean): string[] {
  const body = rows.map((r) => [
    String(r.rank),
    r.name,
    r.kind,
    formatPercent(r.uptimePercent, 3),
    formatDuration(r.observedSeconds),
    String(r.intervals),
    formatLatency(r.medianLatencyMs),
    String(r.probeSamples),
    String(r.failedProbes),
  ]);
  return renderTable(
    ['RANK', 'NAME', 'KIND', 'UPTIME', 'OBSERVED', 'INTERVALS', 'LATENCY', 'PROBES', 'FAILED'],
    body,
    { color, right: new Set([0, 3, 4, 5, 6, 7, 8]) },
  );
}
