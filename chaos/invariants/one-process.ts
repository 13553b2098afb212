import type { CheckContext, Invariant, Journal, NodeExpectation, Violation } from '../journal.js';
import { byNode, describeProc, parentOf, scanRun, type NodeProc } from './proc.js';
import { at, cap, firstCovered, lastFaultEnd } from './timeline.js';
import { sleep, type InvariantOptions } from './options.js';

/**
 * Invariant 1, from /proc: never two main processes of one node; no process of
 * a node that is stopped or removed survives its grace (counted from the
 * moment a manager was there to act on the wish); at the end, no orphan: every
 * live process of the run belongs to a node that should run and lies in the
 * tree of that node's main process, or is a daemon it started (a process that
 * left the tree, started after the current main).
 */
export function oneProcess(journal: Journal, opts: InvariantOptions): Invariant {
  return {
    id: 1,
    name: 'one process per node, none after stop, no orphans',
    async check(ctx: CheckContext): Promise<Violation[]> {
      if (ctx.phase === 'fault')
        return [...twoMains(journal, scanRun(journal.run.runId)), ...overdue(journal, opts, Date.now())];
      // At the end, wishes may still be within their grace: wait for the world to settle, up to the recovery bound.
      const deadline = Math.max(Date.now(), lastFaultEnd(journal) + journal.run.recoverBoundMs);
      const doubles: Violation[] = [];
      for (;;) {
        const procs = scanRun(journal.run.runId);
        doubles.push(...twoMains(journal, procs));
        const found = [...overdue(journal, opts, Date.now()), ...orphans(journal, procs)];
        if (found.length === 0 || Date.now() >= deadline) return [...dedupe(doubles), ...found];
        await sleep(opts.pollMs);
      }
    },
  };
}

/** The current wish of `n` and when it began (the first entry of the current run of that wish). */
function currentWish(n: NodeExpectation): { desired: NodeExpectation['desired']; since: number } | null {
  if (n.history.length === 0) return null;
  let i = n.history.length - 1;
  const desired = n.history[i]!.desired;
  while (i > 0 && n.history[i - 1]!.desired === desired) i--;
  return { desired, since: n.history[i]!.at };
}

function twoMains(journal: Journal, procs: readonly NodeProc[]): Violation[] {
  const out: Violation[] = [];
  for (const [node, list] of byNode(procs)) {
    const mains = list.filter((p) => p.main);
    if (mains.length < 2) continue;
    out.push({
      invariant: 1,
      message: `${node}: ${mains.length} main processes alive at once at ${at(journal, Date.now())}`,
      evidence: mains.map(describeProc),
    });
  }
  return out;
}

function dedupe(vs: Violation[]): Violation[] {
  const seen = new Set<string>();
  return vs.filter((v) => {
    const key = v.evidence.join('\n');
    if (seen.has(key)) return false;
    seen.add(key);
    return true;
  });
}

/** Processes of stopped or removed nodes past their grace. */
function overdue(journal: Journal, opts: InvariantOptions, now: number): Violation[] {
  const procs = byNode(scanRun(journal.run.runId));
  const out: Violation[] = [];
  for (const n of Object.values(journal.nodes)) {
    const wish = currentWish(n);
    if (!wish || wish.desired === 'running') continue;
    const list = procs.get(n.name);
    if (!list || list.length === 0) continue;
    // The grace runs from when a manager could act: the wish itself, or the next manager's start.
    const from = firstCovered(journal, wish.since, journal.run.graceMs);
    if (from === null) continue;
    const deadline = from.at + journal.run.graceMs + (from.boot ? opts.bootSlackMs : 0);
    if (now <= deadline) continue;
    out.push({
      invariant: 1,
      message: `${n.name}: ${wish.desired} since ${at(journal, wish.since)} but ${list.length} process(es) still alive at ${at(journal, now)} (grace ended ${at(journal, deadline)})`,
      evidence: cap(list.map(describeProc)),
    });
  }
  return out;
}

/** Whether `p` descends from `root` (walking parents through /proc). */
function inTree(p: NodeProc, root: number): boolean {
  let pid: number | null = p.pid;
  for (let hops = 0; pid !== null && pid > 1 && hops < 64; hops++) {
    if (pid === root) return true;
    pid = parentOf(pid);
  }
  return false;
}

/** At the end: processes of nodes that should not run, or outside their node's current tree. */
function orphans(journal: Journal, procs: readonly NodeProc[]): Violation[] {
  const out: Violation[] = [];
  for (const [node, list] of byNode(procs)) {
    const n = journal.nodes[node];
    const mains = list.filter((p) => p.main);
    if (!n || n.desired !== 'running') {
      // A stopped or removed node is the grace check's; one the journal never knew is an orphan outright.
      if (!n)
        out.push({
          invariant: 1,
          message: `${node}: ${list.length} process(es) of a node the run never had`,
          evidence: cap(list.map(describeProc)),
        });
      continue;
    }
    if (mains.length !== 1) {
      // No main (or two, told above): everything left is an orphan.
      if (mains.length === 0)
        out.push({
          invariant: 1,
          message: `${node}: ${list.length} process(es) left with no main process at ${at(journal, Date.now())}`,
          evidence: cap(list.map(describeProc)),
        });
      continue;
    }
    const main = mains[0]!;
    const strays = list.filter((p) => p !== main && !inTree(p, main.pid) && p.startTicks < main.startTicks);
    if (strays.length === 0) continue;
    out.push({
      invariant: 1,
      message: `${node}: ${strays.length} orphan(s) outside the tree of main pid ${main.pid}, older than it`,
      evidence: cap([`main: ${describeProc(main)}`, ...strays.map((p) => `orphan: ${describeProc(p)}`)]),
    });
  }
  return out;
}
