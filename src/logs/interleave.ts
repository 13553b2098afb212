import { lineStampMs } from './line-stamp.js';

/** One line of one node's log. */
export interface NodeLine {
  readonly node: string;
  readonly line: string;
}

/**
 * Merges the tails of several nodes' logs into one list in time order, by the
 * arrival time the manager wrote in front of each line (`logs.timestamps`).
 * A line without one keeps its place after the line before it in its own
 * file (it counts as written at that line's time, or first when it is the
 * first); lines of equal time keep the order of `tails`. Each node's lines
 * stay in file order whatever their stamps.
 */
export function interleaveByTime(
  tails: ReadonlyArray<{ node: string; lines: readonly string[] }>,
): NodeLine[] {
  const keyed = tails.map(({ node, lines }) => {
    let last = -Infinity;
    return lines.map((line) => {
      const ms = lineStampMs(line);
      // Never earlier than the line before: a clock step back must not reorder one file.
      if (ms !== null && ms > last) last = ms;
      return { node, line, ms: last };
    });
  });
  const out: NodeLine[] = [];
  const at = keyed.map(() => 0);
  for (;;) {
    let best = -1;
    for (let k = 0; k < keyed.length; k++) {
      const head = keyed[k]![at[k]!];
      if (head && (best < 0 || head.ms < keyed[best]![at[best]!]!.ms)) best = k;
    }
    if (best < 0) return out;
    const { node, line } = keyed[best]![at[best]!++]!;
    out.push({ node, line });
  }
}

/** `ant-1 | ` padded to the longest name, as docker compose and PM2 print several services. */
export function linePrefixer(names: readonly string[]): (node: string) => string {
  const width = Math.max(0, ...names.map((n) => n.length));
  return (node) => `${node.padEnd(width)} | `;
}
