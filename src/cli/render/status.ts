import type { NodeStatus } from '../../protocol/types.js';
import { formatBytes, formatDuration, formatNumber, formatPercent, NONE } from './format.js';
import { renderTable, styled, type Cell, type Style } from './table.js';

const HEADER = [
  'NAME',
  'STATE',
  'HEALTH',
  'PID',
  'UPTIME',
  'RESTARTS',
  'CPU',
  'MEM',
  'HEIGHT',
  'LAG',
  'HELD',
];
const RIGHT = new Set([3, 5, 6, 7, 8, 9]);

/** `--wide` puts these after LAG: the group's reference height and the node's info probes. */
const WIDE_HEADER = ['REF', 'VERSION', 'PEERS', 'PEER ID'];
const WIDE_RIGHT = [10, 12];

const STATE_STYLE: Readonly<Record<string, Style>> = {
  running: 'green',
  starting: 'yellow',
  queued: 'yellow',
  stopping: 'yellow',
  backoff: 'red',
  exited: 'red',
  fatal: 'red',
  paused: 'yellow',
  stopped: 'dim',
  // watch-only targets
  up: 'green',
  down: 'red',
};

const HEALTH_STYLE: Readonly<Record<string, Style>> = {
  in_sync: 'green',
  syncing: 'yellow',
  out_of_sync: 'red',
  unreachable: 'red',
  unknown: 'dim',
};

/**
 * How a state reads in the table, where the bare word could mislead: a paused
 * node is stopped (no process) until the host is calm again or the operator
 * starts it. `status --json` keeps the bare state.
 */
const STATE_TEXT: Readonly<Record<string, string>> = {
  paused: 'paused (stopped: host pressure)',
};

function stateCell(state: string): Cell {
  const cell = styled(state, STATE_STYLE);
  return { ...cell, text: STATE_TEXT[state] ?? state };
}

/**
 * `nodewarden status`: one aligned row per node (coloured on a terminal).
 * `wide` adds the reference height, version, peers and peer id (the default
 * table stays near 80 columns; `--json` has them all).
 */
export function renderStatus(rows: readonly NodeStatus[], color: boolean, wide = false): string[] {
  const body = rows.map((s): Array<Cell | string> => [
    s.name,
    stateCell(s.state),
    styled(s.health, HEALTH_STYLE),
    formatNumber(s.pid),
    formatDuration(s.uptimeSeconds),
    String(s.restarts),
    formatPercent(s.cpuPercent),
    formatBytes(s.rssBytes),
    formatNumber(s.height),
    formatNumber(s.lag),
    ...(wide
      ? [formatNumber(s.referenceHeight), s.version ?? NONE, formatNumber(s.peers ?? null), s.peerId ?? NONE]
      : []),
    s.held ? { text: 'held', style: 'yellow' } : NONE,
  ]);
  if (!wide) return renderTable(HEADER, body, { color, right: RIGHT });
  const header = [...HEADER.slice(0, -1), ...WIDE_HEADER, HEADER.at(-1)!];
  return renderTable(header, body, { color, right: new Set([...RIGHT, ...WIDE_RIGHT]) });
}
