import type { CheckContext, FaultRecord, Invariant, Journal, Violation } from '../journal.js';
import { scanRun } from './proc.js';
import { describeEvent, readStore, type EventRow, type StoreView } from './store-read.js';
import { at, cap, coveredThrough, describeFault, managerAt } from './timeline.js';
import type { InvariantOptions } from './options.js';

/**
 * Invariant 4, from the SQLite file (read-only) and /proc:
 * - every kill -9 of a node's main process while a manager watched is followed
 *   by an event telling that process's end (`crashed`, or `exited` / `backoff` /
 *   `fatal` / `stopped` / `orphan_reaped` when it died starting or stopping);
 * - every main process that survived a manager's end (same pid and start time
 *   seen before and after the next manager started) is `adopted` (or
 *   `orphan_reaped`, when its config no longer matched);
 * - no event is stored twice: no two identical rows, no pid adopted twice by
 *   one manager, no pid `started` twice;
 * - uptime never exceeds the wall clock: a node's state intervals do not
 *   overlap, lie within the run, and its `running` time and every `uptimeMs`
 *   fit in the time since the run began.
 * Events are only owed while they could be stored: a manager ran long enough
 * after the fact, and did not die with writes it was holding for a read-only
 * database.
 */

interface Snapshot {
  at: number;
  /** node → `pid@startTicks` of its main process(es). */
  mains: Map<string, Set<string>>;
}

const END_TYPES = new Set(['crashed', 'exited', 'backoff', 'fatal', 'stopped', 'orphan_reaped']);
/** Slack for clocks read a moment apart (the driver's and the manager's Date.now()). */
const SKEW_MS = 1_000;
/** How near a kill a restart the manager decided itself accounts for the killed process. */
const OWN_RESTART_MS = 5_000;
/** How long after a kill its event may come (a busy manager, an adopted process polled). */
const NOTICE_WINDOW_MS = 60_000;

export function events(journal: Journal, opts: InvariantOptions): Invariant {
  const snapshots: Snapshot[] = [];
  return {
    id: 4,
    name: 'every crash, restart, adoption and reap is one event; uptime within the wall clock',
    check(ctx: CheckContext): Promise<Violation[]> {
      snapshots.push(snapshot(journal));
      if (ctx.phase === 'fault') return Promise.resolve([]);
      const view = readStore(journal.run.dbPath);
      const now = Date.now();
      return Promise.resolve([
        ...kills(journal, opts, view),
        ...adoptions(journal, opts, view, snapshots),
        ...duplicates(journal, view),
        ...uptime(journal, view, now),
      ]);
    },
  };
}

function snapshot(journal: Journal): Snapshot {
  const mains = new Map<string, Set<string>>();
  for (const p of scanRun(journal.run.runId)) {
    if (!p.main) continue;
    let s = mains.get(p.node);
    if (!s) mains.set(p.node, (s = new Set()));
    s.add(`${p.pid}@${p.startTicks}`);
  }
  return { at: Date.now(), mains };
}

/**
 * Whether events about something at `t` are owed: a manager ran from `t` for
 * `noticeMs`, and did not end by a kill while the database was read-only
 * (its held writes die with it).
 */
export function owed(journal: Journal, t: number, noticeMs: number): boolean {
  if (!coveredThrough(journal, t, t + noticeMs)) return false;
  const m = managerAt(journal, t)!;
  if (m.endedAt === undefined || m.endedBy !== 'kill9') return true;
  return !journal.dbReadOnly.some((w) => w.from <= m.endedAt! && (w.to === undefined || w.to + 10_000 >= t));
}

function isNodeKill(f: FaultRecord): boolean {
  return /kill-?9/.test(f.kind) && /node/.test(f.kind) && !/grand|child|daemon|manager/.test(f.kind);
}

function kills(journal: Journal, opts: InvariantOptions, view: StoreView): Violation[] {
  const out: Violation[] = [];
  const used = new Set<number>();
  const kills = journal.faults.filter(isNodeKill).sort((a, b) => a.at - b.at);
  for (const f of kills) {
    const node = f.target.split(/[\s,;]+/)[0]!;
    if (!owed(journal, f.at, opts.crashNoticeMs)) continue;
    const m = managerAt(journal, f.at)!;
    const until = Math.min(f.at + NOTICE_WINDOW_MS, m.endedAt ?? Infinity);
    const e = view.events.find(
      (e) =>
        !used.has(e.id) &&
        e.node === node &&
        ((END_TYPES.has(e.type) && e.ts >= f.at - SKEW_MS && e.ts <= until) ||
          // The manager was itself restarting the node (a sync or resource rule)
          // when the kill came: the process's end is that recorded restart.
          (e.type === 'restarting' && e.reason !== 'crash' && Math.abs(e.ts - f.at) <= OWN_RESTART_MS)),
    );
    if (e) {
      used.add(e.id);
      continue;
    }
    const near = view.events.filter((e) => e.node === node && Math.abs(e.ts - f.at) <= NOTICE_WINDOW_MS);
    out.push({
      invariant: 4,
      message: `${node}: killed with SIGKILL at ${at(journal, f.at)} while manager pid ${m.pid} ran, but no crashed/exited event follows`,
      evidence: cap([describeFault(journal, f), ...near.map((e) => describeEvent(e, journal.run.startedAt))]),
    });
  }
  return out;
}

function adoptions(
  journal: Journal,
  opts: InvariantOptions,
  view: StoreView,
  snaps: Snapshot[],
): Violation[] {
  const out: Violation[] = [];
  const managers = [...journal.managers].sort((a, b) => a.startedAt - b.startedAt);
  for (const m of managers.slice(1)) {
    const before = [...snaps].reverse().find((s) => s.at < m.startedAt);
    const after = snaps.find((s) => s.at > m.startedAt && managerAt(journal, s.at) === m);
    if (!before || !after || !owed(journal, after.at, opts.crashNoticeMs)) continue;
    // Only a manager that ended leaving its nodes (killed, or --keep-nodes) hands survivors over.
    const prev = managers.filter((p) => p.startedAt < m.startedAt).pop();
    if (prev && prev.endedBy !== 'kill9' && prev.endedBy !== 'shutdown-keep-nodes') continue;
    for (const [node, ids] of before.mains) {
      for (const id of ids) {
        if (!after.mains.get(node)?.has(id)) continue;
        const pid = Number(id.split('@')[0]);
        const e = view.events.find(
          (e) =>
            e.node === node &&
            (e.type === 'adopted' || e.type === 'orphan_reaped') &&
            e.ts >= m.startedAt - SKEW_MS &&
            (e.type === 'orphan_reaped' || e.details.pid === pid),
        );
        if (e) continue;
        out.push({
          invariant: 4,
          message: `${node}: main pid ${pid} survived into manager pid ${m.pid} (started ${at(journal, m.startedAt)}) but no adopted event names it`,
          evidence: cap([
            `alive at ${at(journal, before.at)} and at ${at(journal, after.at)} (pid@start ${id})`,
            ...view.events
              .filter((e) => e.node === node && e.ts >= m.startedAt - SKEW_MS && e.ts <= after.at + SKEW_MS)
              .map((e) => describeEvent(e, journal.run.startedAt)),
          ]),
        });
      }
    }
  }
  return out;
}

function duplicates(journal: Journal, view: StoreView): Violation[] {
  const out: Violation[] = [];
  const start = journal.run.startedAt;
  const push = (what: string, pair: EventRow[]): void => {
    out.push({
      invariant: 4,
      message: `${pair[0]!.node ?? '-'}: ${what}`,
      evidence: pair.map((e) => describeEvent(e, start)),
    });
  };
  const exact = new Map<string, EventRow>();
  const adopted = new Map<string, EventRow>();
  const started = new Map<string, EventRow>();
  for (const e of view.events) {
    if (e.type === 'manager_started') adopted.clear();
    const key = JSON.stringify([e.node, e.type, e.ts, e.reason, e.rawDetails]);
    const twin = exact.get(key);
    if (twin) push(`${e.type} stored twice`, [twin, e]);
    else exact.set(key, e);
    if (e.node === null || typeof e.details.pid !== 'number') continue;
    const pidKey = `${e.node}\0${e.details.pid}`;
    if (e.type === 'adopted') {
      const first = adopted.get(pidKey);
      if (first && !twin) push(`pid ${e.details.pid} adopted twice by one manager`, [first, e]);
      else adopted.set(pidKey, e);
    } else if (e.type === 'started') {
      const first = started.get(pidKey);
      if (first && !twin) push(`pid ${e.details.pid} started twice`, [first, e]);
      else started.set(pidKey, e);
    }
  }
  return out;
}

function uptime(journal: Journal, view: StoreView, now: number): Violation[] {
  const out: Violation[] = [];
  const { startedAt } = journal.run;
  const wall = now - startedAt;
  const byNode = new Map<string, typeof view.intervals>();
  for (const iv of view.intervals) {
    let list = byNode.get(iv.node);
    if (!list) byNode.set(iv.node, (list = []));
    list.push(iv);
  }
  const show = (iv: (typeof view.intervals)[number]): string =>
    `interval #${iv.id} ${iv.state} pid ${iv.pid ?? '-'} from ${at(journal, iv.start)} to ${iv.end !== null ? at(journal, iv.end) : 'open'} (${iv.endReason ?? '-'})`;
  const managerNow = managerAt(journal, now) !== undefined;
  for (const [node, list] of byNode) {
    const bad: string[] = [];
    let runningMs = 0;
    let prev: (typeof list)[number] | null = null;
    let open = 0;
    for (const iv of list) {
      const end = iv.end ?? now;
      if (iv.end === null) open++;
      if (iv.start < startedAt - SKEW_MS) bad.push(`starts before the run: ${show(iv)}`);
      if (end < iv.start) bad.push(`ends before it starts: ${show(iv)}`);
      if (end > now + SKEW_MS) bad.push(`ends in the future: ${show(iv)}`);
      if (prev && prev.end !== null && iv.start < prev.end)
        bad.push(`overlaps the one before: ${show(prev)} / ${show(iv)}`);
      if (prev && prev.end === null) bad.push(`follows an interval still open: ${show(prev)} / ${show(iv)}`);
      if (iv.state === 'running') runningMs += Math.max(0, end - iv.start);
      prev = iv;
    }
    if (managerNow && open > 1) bad.push(`${open} intervals open at once`);
    if (runningMs > wall + SKEW_MS)
      bad.push(`running for ${(runningMs / 1000).toFixed(1)} s in a run of ${(wall / 1000).toFixed(1)} s`);
    if (bad.length > 0)
      out.push({
        invariant: 4,
        message: `${node}: state intervals exceed the wall clock`,
        evidence: cap(bad),
      });
  }
  for (const e of view.events) {
    const up = e.details.uptimeMs;
    if (typeof up === 'number' && up > e.ts - startedAt + SKEW_MS)
      out.push({
        invariant: 4,
        message: `${e.node ?? '-'}: ${e.type} tells an uptime of ${up} ms, longer than the run had lasted`,
        evidence: [describeEvent(e, startedAt)],
      });
  }
  return out;
}
