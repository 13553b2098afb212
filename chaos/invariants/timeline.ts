import type { FaultRecord, Journal, ManagerRun, NodeExpectation, Window } from '../journal.js';

/** Reading the journal's timelines: which manager ran when, when a node was held, when faults ended. */

/** A time as `+12.3s` after the run began (and the wall clock), for evidence lines. */
export function at(journal: Journal, t: number): string {
  return `+${((t - journal.run.startedAt) / 1000).toFixed(1)}s (${new Date(t).toISOString()})`;
}

/** The manager run that was alive at `t`, if any. */
export function managerAt(journal: Journal, t: number): ManagerRun | undefined {
  return journal.managers.find((m) => m.startedAt <= t && (m.endedAt === undefined || m.endedAt > t));
}

/**
 * The first moment at or after `from` from which one manager ran for `spanMs`
 * without ending (a still-running manager counts as running on), or null. `boot`
 * says it is a manager's start rather than `from` itself.
 */
export function firstCovered(
  journal: Journal,
  from: number,
  spanMs: number,
): { at: number; boot: boolean } | null {
  for (const m of [...journal.managers].sort((a, b) => a.startedAt - b.startedAt)) {
    const begin = Math.max(from, m.startedAt);
    if (m.endedAt !== undefined && m.endedAt < begin + spanMs) continue;
    return { at: begin, boot: begin === m.startedAt && m.startedAt > from };
  }
  return null;
}

/** Whether a manager ran through all of [from, to]. */
export function coveredThrough(journal: Journal, from: number, to: number): boolean {
  const m = managerAt(journal, from);
  return m !== undefined && (m.endedAt === undefined || m.endedAt >= to);
}

/** Whether `t` falls in one of `windows` (an open window lasts until now), widened by `slackMs` each side. */
export function inWindows(windows: readonly Window[], t: number, slackMs = 0): boolean {
  return windows.some((w) => t >= w.from - slackMs && t <= (w.to ?? Infinity) + slackMs);
}

/** Whether [from, to] meets one of `windows`, widened by `slackMs`. */
export function meetsWindows(windows: readonly Window[], from: number, to: number, slackMs = 0): boolean {
  return windows.some((w) => from <= (w.to ?? Infinity) + slackMs && to >= w.from - slackMs);
}

/** The spans during which `node` was held, from its history. */
export function heldSpans(node: NodeExpectation): Window[] {
  const spans: Window[] = [];
  let open: number | null = null;
  for (const h of node.history) {
    if (h.held && open === null) open = h.at;
    else if (!h.held && open !== null) {
      spans.push({ from: open, to: h.at });
      open = null;
    }
  }
  if (open !== null) spans.push({ from: open });
  return spans;
}

/** When the last fault's effect ended (its end, or the moment of an instant fault); the run start if none. */
export function lastFaultEnd(journal: Journal): number {
  let last = journal.run.startedAt;
  for (const f of journal.faults) last = Math.max(last, f.endedAt ?? f.at);
  return last;
}

/** A fault as one evidence line. */
export function describeFault(journal: Journal, f: FaultRecord): string {
  const ended = f.endedAt !== undefined ? `, ended ${at(journal, f.endedAt)}` : '';
  return `fault #${f.seq} ${f.kind} ${f.target} at ${at(journal, f.at)}${ended}: ${f.detail}`;
}

/** Whether a fault record names `node` as (one of) its target(s), or all nodes. */
export function faultTargets(f: FaultRecord, node: string): boolean {
  const words = f.target.split(/[\s,;]+/).filter(Boolean);
  return words.some((w) => w === node || w === 'all' || w === '*' || (w.includes('*') && globMatch(w, node)));
}

function globMatch(glob: string, name: string): boolean {
  const re = new RegExp(
    `^${glob
      .split('*')
      .map((s) => s.replace(/[.+?^${}()|[\]\\]/g, '\\$&'))
      .join('.*')}$`,
  );
  return re.test(name);
}

/** Evidence lines are capped so a broken run still prints a readable report. */
export function cap(lines: string[], max = 20): string[] {
  return lines.length <= max ? lines : [...lines.slice(0, max), `… and ${lines.length - max} more`];
}
