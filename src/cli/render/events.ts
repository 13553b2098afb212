import type { NodewardenEvent } from '../../events/types.js';
import { formatTime, NONE } from './format.js';
import { renderTable, styled, type Style } from './table.js';

const SEVERITY_STYLE: Readonly<Record<string, Style>> = { warning: 'yellow', critical: 'red' };

/** `nodewarden events`: oldest first (the API answers newest first), details as compact JSON. */
export function renderEvents(newestFirst: readonly NodewardenEvent[], color: boolean): string[] {
  const rows = [...newestFirst]
    .reverse()
    .map((e) => [
      formatTime(e.ts),
      e.node ?? NONE,
      e.type,
      styled(e.severity, SEVERITY_STYLE),
      e.reason ?? NONE,
      Object.keys(e.details).length > 0 ? JSON.stringify(e.details) : '',
    ]);
  return renderTable(['TIME', 'NODE', 'TYPE', 'SEVERITY', 'REASON', 'DETAILS'], rows, { color });
}
