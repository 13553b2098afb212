import type { CheckContext, Invariant, Journal, Violation } from '../journal.js';
import { describeEvent, readStore, type EventRow } from './store-read.js';
import { at, cap, describeFault, faultTargets, heldSpans } from './timeline.js';

/**
 * Invariant 6, from the SQLite file read against the journal:
 * - A held node is never touched by automation: while the journal says it was
 *   held (trimmed to the store's own `held` … `released` so a slow CLI does
 *   not blur the edges), no `restarting` for crash / out_of_sync /
 *   unreachable / resource, no `paused` or `resumed`, and no `started` after
 *   it crashed unless an operator fault (a verb, a reload, a manager start)
 *   aimed at it came in between. Operator stops and restarts of a held node
 *   are allowed: the CLI passes them through a hold.
 * - `sync.minHealthy` is never breached by the manager's own actions. The
 *   manager counts a group member healthy while it is in state `running`; the
 *   store tells that state by events (`started` / `adopted` begin it; `crashed`,
 *   `exited`, `stopped`, `restarting`, `paused`, `backoff`, `fatal`,
 *   `orphan_reaped` end it). Replaying them in time order, every restart the
 *   manager chose (out_of_sync, unreachable, resource, config) and every
 *   pressure pause must leave at least minHealthy other members running (for a
 *   config restart: at least min(minHealthy, members − 1), as the manager
 *   allows it to happen one at a time). Conservative: after a manager start
 *   every node counts as running until an event says otherwise, so a gap in
 *   the record never makes a breach.
 */

const AUTOMATIC = new Set(['crash', 'out_of_sync', 'unreachable', 'resource']);
const CHOSEN = new Set(['out_of_sync', 'unreachable', 'resource', 'config']);
const UP = new Set(['started', 'adopted']);
const DOWN = new Set([
  'crashed',
  'exited',
  'stopped',
  'restarting',
  'paused',
  'backoff',
  'fatal',
  'orphan_reaped',
]);
/** Operator faults that may legitimately start a held node. */
const OPERATOR = /verb|start|restart|reload|manager|run|keep|upgrade/;
const SKEW_MS = 1_000;

export function heldFloor(journal: Journal): Invariant {
  return {
    id: 6,
    name: 'held nodes untouched; sync.minHealthy never breached by the manager',
    check(ctx: CheckContext): Promise<Violation[]> {
      if (ctx.phase === 'fault') return Promise.resolve([]);
      const events = [...readStore(journal.run.dbPath).events].sort((a, b) => a.ts - b.ts || a.id - b.id);
      return Promise.resolve([...holds(journal, events), ...floor(journal, events)]);
    },
  };
}

function holds(journal: Journal, events: readonly EventRow[]): Violation[] {
  const out: Violation[] = [];
  const start = journal.run.startedAt;
  for (const n of Object.values(journal.nodes)) {
    const mine = events.filter((e) => e.node === n.name);
    for (const span of heldSpans(n)) {
      // The store's own held/released events mark the edges; events between them count, in stored order.
      const heldAt = mine.findIndex(
        (e) => e.type === 'held' && e.ts >= span.from - SKEW_MS && e.ts <= span.from + 30_000,
      );
      const firstAfter = mine.findIndex((e) => e.ts > span.from);
      const fromIdx = heldAt >= 0 ? heldAt : firstAfter < 0 ? mine.length : firstAfter - 1;
      const releasedAt = mine.findIndex((e, i) => i > fromIdx && e.type === 'released');
      const until = span.to ?? Infinity;
      const from = heldAt >= 0 ? mine[heldAt]!.ts : span.from;
      const to = Math.min(until, releasedAt >= 0 ? mine[releasedAt]!.ts : Infinity);
      const bad: EventRow[] = [];
      let downAt: number | null = null;
      for (const [i, e] of mine.entries()) {
        if (i <= fromIdx || (releasedAt >= 0 && i >= releasedAt) || e.ts >= until) continue;
        if (e.type === 'restarting' && AUTOMATIC.has(e.reason ?? '')) bad.push(e);
        else if (e.type === 'paused' || e.type === 'resumed') bad.push(e);
        else if (e.type === 'crashed' || e.type === 'exited') downAt = e.ts;
        else if (e.type === 'started' && downAt !== null) {
          const asked = journal.faults.some(
            (f) =>
              OPERATOR.test(f.kind) &&
              f.at >= downAt! - SKEW_MS &&
              f.at <= e.ts + SKEW_MS &&
              (faultTargets(f, n.name) || /manager|run|keep|reload/.test(f.kind)),
          );
          if (!asked) bad.push(e);
          downAt = null;
        }
      }
      if (bad.length === 0) continue;
      out.push({
        invariant: 6,
        message: `${n.name}: held from ${at(journal, from)} to ${to === Infinity ? 'the end' : at(journal, to)} but the manager acted on it on its own`,
        evidence: cap(bad.map((e) => describeEvent(e, start))),
      });
    }
  }
  return out;
}

function floor(journal: Journal, events: readonly EventRow[]): Violation[] {
  const out: Violation[] = [];
  const groups = new Map<string, string[]>();
  for (const n of Object.values(journal.nodes)) {
    if (n.group === null) continue;
    let list = groups.get(n.group);
    if (!list) groups.set(n.group, (list = []));
    list.push(n.name);
  }
  // Every node counts as running until an event says otherwise (conservative).
  const down = new Set<string>();
  for (const e of events) {
    if (e.type === 'manager_started') down.clear();
    if (e.node === null) continue;
    const group = journal.nodes[e.node]?.group ?? null;
    const members = group === null ? [] : (groups.get(group) ?? []).filter((m) => present(journal, m, e.ts));
    const takesDown = (e.type === 'restarting' && CHOSEN.has(e.reason ?? '')) || e.type === 'paused';
    if (takesDown && !down.has(e.node) && group !== null && members.length > 1) {
      let min = journal.run.minHealthy[group] ?? 1;
      if (e.type === 'restarting' && e.reason === 'config') min = Math.min(min, members.length - 1);
      const others = members.filter((m) => m !== e.node && !down.has(m));
      if (others.length < min) {
        const context = events.filter(
          (x) => x.node !== null && members.includes(x.node) && x.ts >= e.ts - 30_000 && x.ts <= e.ts,
        );
        out.push({
          invariant: 6,
          message: `group ${group}: ${e.type}${e.reason ? `(${e.reason})` : ''} of ${e.node} at ${at(journal, e.ts)} left ${others.length} running, below sync.minHealthy ${min}`,
          evidence: cap(
            [
              `running others: ${others.join(', ') || 'none'}; down: ${members.filter((m) => down.has(m)).join(', ') || 'none'}`,
              ...context.map((x) => describeEvent(x, journal.run.startedAt)),
              ...journal.faults
                .filter((f) => Math.abs(f.at - e.ts) < 30_000)
                .map((f) => describeFault(journal, f)),
            ],
            30,
          ),
        });
      }
    }
    if (UP.has(e.type)) down.delete(e.node);
    else if (DOWN.has(e.type)) down.add(e.node);
  }
  return out;
}

/** Whether `name` was part of the configuration at `t` (not removed then). */
function present(journal: Journal, name: string, t: number): boolean {
  const n = journal.nodes[name];
  if (!n) return false;
  let desired: string = n.history[0]?.desired ?? n.desired;
  for (const h of n.history) if (h.at <= t) desired = h.desired;
  return desired !== 'removed';
}
