import type { UptimeRow } from '../../protocol/types.js';
import { formatDuration, formatPercent } from './format.js';
import { renderTable } from './table.js';

/** `nodewarden uptime`: per node, worst first as the daemon sorts it. */
export function renderUptime(rows: readonly UptimeRow[], color: boolean): string[] {
  const body = rows.map((u) => [
    u.node,
    formatPercent(u.uptimePercent, 3),
    formatDuration(u.upSeconds),
    formatDuration(u.observedSeconds),
  ]);
  return renderTable(['NODE', 'UPTIME', 'UP', 'OBSERVED'], body, { color, right: new Set([1, 2, 3]) });
}
