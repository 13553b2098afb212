import { describe, test } from 'node:test';
import assert from 'node:assert/strict';
import { Sampler } from '../../../src/monitoring/sampler.js';
import type { ProcSource } from '../../../src/monitoring/proc-source.js';
import type { ProcInfo, ProcessTable } from '../../../src/supervisor/proc.js';
import { FakeClock } from '../../helpers/fake-clock.js';

interface P {
  pid: number;
  ppid: number;
  ticks: number;
  pages: number;
  start?: number;
  state?: string;
}

/** A ProcSource over a scripted host: `set` replaces the process list, `uptime` is seconds since boot. */
class ScriptedProcs implements ProcSource {
  readonly hz = 100;
  readonly pageSize = 4096;
  procs: P[] = [];
  uptime = 1000;

  table(): ProcessTable {
    const procs = new Map<number, ProcInfo>();
    const children = new Map<number, number[]>();
    for (const p of this.procs) {
      procs.set(p.pid, {
        pid: p.pid,
        ppid: p.ppid,
        pgid: p.pid,
        sid: p.pid,
        state: p.state ?? 'S',
        startTime: String(p.start ?? 0),
        cpuTicks: p.ticks,
        rssPages: p.pages,
      });
      children.set(p.ppid, [...(children.get(p.ppid) ?? []), p.pid]);
    }
    return { procs, children };
  }

  uptimeSeconds(): number {
    return this.uptime;
  }
}

/** `tableOf` over a scripted host: only the asked pids, each request recorded in `asked`. */
function tableOfPids(host: ScriptedProcs, pids: Iterable<number>, asked: number[][]): ProcessTable {
  const want = new Set(pids);
  asked.push([...want].sort((a, b) => a - b));
  const procs = new Map([...host.table().procs].filter(([pid]) => want.has(pid)));
  const children = new Map<number, number[]>();
  for (const p of procs.values()) children.set(p.ppid, [...(children.get(p.ppid) ?? []), p.pid]);
  return { procs, children };
}

/**
 * A sampler over `fast` and a reference one over the same host that always
 * makes the full pass: `both` samples with each and asserts the figures agree;
 * `step` moves the clock and the host's uptime one 5 s tick.
 */
function pairedSamplers(fast: ProcSource, host: ScriptedProcs) {
  const clock = new FakeClock({ now: 0 });
  const a = new Sampler({ procs: fast, clock });
  const reference = new Sampler({ procs: host, clock });
  return {
    both: (roots: { node: string; pid: number | null }[]) => {
      const got = a.sampleOnce(roots);
      assert.deepEqual(got.nodes, reference.sampleOnce(roots).nodes);
      return got;
    },
    step: () => {
      clock.advance(5000);
      host.uptime += 5;
    },
  };
}

function setup(): { procs: ScriptedProcs; clock: FakeClock; sampler: Sampler } {
  const procs = new ScriptedProcs();
  const clock = new FakeClock({ now: 0 });
  return { procs, clock, sampler: new Sampler({ procs, clock }) };
}

/** Advance the fake clock and the scripted uptime together. */
function elapse(s: { procs: ScriptedProcs; clock: FakeClock }, ms: number): void {
  s.clock.advance(ms);
  s.procs.uptime += ms / 1000;
}

describe('Sampler', () => {
  test('sums RSS and CPU over the whole tree (children and grandchildren), not over other processes', () => {
    const s = setup();
    s.procs.procs = [
      { pid: 10, ppid: 1, ticks: 100, pages: 1000 },
      { pid: 11, ppid: 10, ticks: 50, pages: 200 },
      { pid: 12, ppid: 11, ticks: 10, pages: 30 },
      { pid: 20, ppid: 1, ticks: 999, pages: 5000 }, // another node
    ];
    const first = s.sampler.sampleOnce([{ node: 'a', pid: 10 }]).nodes[0]!;
    assert.equal(first.processes, 3);
    assert.equal(first.rssBytes, 1230 * 4096);
    assert.equal(first.cpuPercent, null, 'no baseline for processes that ran before the first tick');
    assert.equal(first.cpuSecondsTotal, 0);

    elapse(s, 2000);
    s.procs.procs[0]!.ticks += 100; // 1 s of CPU
    s.procs.procs[2]!.ticks += 100; // 1 s more in the grandchild
    s.procs.procs[3]!.ticks += 400; // not ours
    const second = s.sampler.sampleOnce([{ node: 'a', pid: 10 }]).nodes[0]!;
    assert.equal(second.cpuPercent, 100, '2 CPU seconds over 2 s = one core');
    assert.equal(second.cpuSecondsTotal, 2);
  });

  test('a child born since the previous tick counts with all its CPU; one that left loses only its last interval', () => {
    const s = setup();
    s.procs.procs = [{ pid: 10, ppid: 1, ticks: 0, pages: 10, start: 100_000 }];
    s.sampler.sampleOnce([{ node: 'a', pid: 10 }]);
    elapse(s, 1000);
    // uptime was 1000 s = 100000 ticks at the previous tick; the child started later.
    s.procs.procs.push({ pid: 11, ppid: 10, ticks: 30, pages: 5, start: 100_050 });
    const u = s.sampler.sampleOnce([{ node: 'a', pid: 10 }]).nodes[0]!;
    assert.equal(u.cpuPercent, 30);
    assert.equal(u.processes, 2);
    elapse(s, 1000);
    s.procs.procs.pop(); // the child exited
    s.procs.procs[0]!.ticks += 20;
    const after = s.sampler.sampleOnce([{ node: 'a', pid: 10 }]).nodes[0]!;
    assert.equal(after.cpuPercent, 20);
    assert.equal(after.processes, 1);
    assert.equal(after.cpuSecondsTotal, 0.5);
  });

  test('a reused pid is a new process (pid + start time), never a negative delta', () => {
    const s = setup();
    s.procs.procs = [{ pid: 10, ppid: 1, ticks: 500, pages: 10, start: 5 }];
    s.sampler.sampleOnce([{ node: 'a', pid: 10 }]);
    elapse(s, 1000);
    s.procs.procs = [{ pid: 10, ppid: 1, ticks: 7, pages: 10, start: 100_010 }];
    const u = s.sampler.sampleOnce([{ node: 'a', pid: 10 }]).nodes[0]!;
    assert.equal(u.cpuPercent, 7);
    assert.equal(u.cpuSecondsTotal, 0.07);
  });

  test('the counter keeps counting across restarts of the node; without a process figures are null', () => {
    const s = setup();
    s.procs.procs = [{ pid: 10, ppid: 1, ticks: 0, pages: 10, start: 100_000 }];
    s.sampler.sampleOnce([{ node: 'a', pid: 10 }]);
    elapse(s, 1000);
    s.procs.procs[0]!.ticks = 100;
    s.sampler.sampleOnce([{ node: 'a', pid: 10 }]);
    elapse(s, 1000);
    s.procs.procs = [];
    const down = s.sampler.sampleOnce([{ node: 'a', pid: null }]).nodes[0]!;
    assert.deepEqual(down, {
      node: 'a',
      pid: null,
      processes: 0,
      cpuPercent: null,
      rssBytes: null,
      cpuSecondsTotal: 1,
    });
    elapse(s, 1000);
    s.procs.procs = [{ pid: 33, ppid: 1, ticks: 40, pages: 10, start: 100_250 }];
    const back = s.sampler.sampleOnce([{ node: 'a', pid: 33 }]).nodes[0]!;
    assert.equal(back.cpuSecondsTotal, 1.4);
    s.sampler.forget('a');
    elapse(s, 1000);
    assert.equal(s.sampler.sampleOnce([{ node: 'a', pid: 33 }]).nodes[0]!.cpuSecondsTotal, 0);
  });

  test('a zombie root or a pid missing from /proc reads as no process', () => {
    const s = setup();
    s.procs.procs = [{ pid: 10, ppid: 1, ticks: 5, pages: 0, state: 'Z' }];
    const [z, gone] = s.sampler.sampleOnce([
      { node: 'z', pid: 10 },
      { node: 'g', pid: 99 },
    ]).nodes;
    assert.equal(z!.processes, 0);
    assert.equal(z!.rssBytes, null);
    assert.equal(gone!.pid, null);
  });

  test('while no pid is handed out it re-reads only the trees, with the figures of a full pass', () => {
    // One host, two samplers: one may skip the /proc pass, the other always makes it.
    const host = new ScriptedProcs();
    let lastPid = 100;
    let full = 0;
    const asked: number[][] = [];
    const skipping: ProcSource = {
      hz: host.hz,
      pageSize: host.pageSize,
      uptimeSeconds: () => host.uptime,
      table: () => (full++, host.table()),
      lastPid: () => lastPid,
      tableOf: (pids) => tableOfPids(host, pids, asked),
    };
    const { both, step } = pairedSamplers(skipping, host);
    host.procs = [
      { pid: 10, ppid: 1, ticks: 100, pages: 10 },
      { pid: 11, ppid: 10, ticks: 50, pages: 5 },
      { pid: 12, ppid: 11, ticks: 5, pages: 1 },
      { pid: 20, ppid: 1, ticks: 999, pages: 99 },
    ];
    const roots = [
      { node: 'a', pid: 10 },
      { node: 'b', pid: null },
    ];
    both(roots);
    assert.equal(full, 1);

    step();
    host.procs = host.procs.map((p) => ({ ...p, ticks: p.ticks + 10 }));
    let r = both(roots);
    assert.equal(full, 1, 'no pid handed out: no pass over /proc');
    assert.deepEqual(asked.at(-1), [10, 11, 12]);
    assert.equal(r.nodes[0]!.processes, 3);
    assert.equal(r.nodes[0]!.cpuPercent, 6);
    assert.equal(r.hostProcesses, 4, 'the host count of the last full pass');

    // 11 exits: 12 is reparented to init, out of the tree
    step();
    host.procs = host.procs.filter((p) => p.pid !== 11).map((p) => (p.pid === 12 ? { ...p, ppid: 1 } : p));
    r = both(roots);
    assert.equal(full, 1);
    assert.equal(r.nodes[0]!.processes, 1);

    step();
    both(roots);
    assert.deepEqual(asked.at(-1), [10], 'only what is left of the tree');

    // a birth moves the last pid: a full pass finds the new child
    step();
    lastPid = 101;
    host.procs = [...host.procs, { pid: 101, ppid: 10, ticks: 3, pages: 2, start: host.uptime * 100 - 1 }];
    r = both(roots);
    assert.equal(full, 2);
    assert.equal(r.nodes[0]!.processes, 2);

    // a root not seen at the last tick (a node started) needs a full pass too
    step();
    host.procs = [...host.procs, { pid: 30, ppid: 1, ticks: 0, pages: 1 }];
    r = both([...roots, { node: 'c', pid: 30 }]);
    assert.equal(full, 3);
    assert.equal(r.nodes[2]!.processes, 1);
  });

  test('after births it reads only the trees and the pids handed out since, with the figures of a full pass', () => {
    const host = new ScriptedProcs();
    let lastPid = 100;
    let full = 0;
    const asked: number[][] = [];
    const listing: ProcSource = {
      hz: host.hz,
      pageSize: host.pageSize,
      pidMax: 1000,
      uptimeSeconds: () => host.uptime,
      table: () => (full++, host.table()),
      lastPid: () => lastPid,
      pids: () => host.procs.map((p) => p.pid),
      tableOf: (pids) => tableOfPids(host, pids, asked),
    };
    const { both, step } = pairedSamplers(listing, host);
    const born = (pid: number, ppid: number) => ({
      pid,
      ppid,
      ticks: 1,
      pages: 1,
      start: host.uptime * 100 - 1,
    });
    host.procs = [
      { pid: 10, ppid: 1, ticks: 100, pages: 10 },
      { pid: 11, ppid: 10, ticks: 50, pages: 5 },
      { pid: 20, ppid: 1, ticks: 999, pages: 99 },
      { pid: 50, ppid: 20, ticks: 7, pages: 3 },
    ];
    const roots = [{ node: 'a', pid: 10 }];
    both(roots);
    assert.equal(full, 1);

    // births outside the trees: only the members and the newborn are read
    step();
    lastPid = 103;
    host.procs = [...host.procs, born(101, 20), born(103, 1)];
    let r = both(roots);
    assert.equal(full, 1, 'no pass over every process');
    assert.deepEqual(asked.at(-1), [10, 11, 101, 103]);
    assert.equal(r.nodes[0]!.processes, 2);
    assert.equal(r.hostProcesses, 6, 'the listing counts every process');

    // a birth inside a tree, and one under it, are found without a full pass
    step();
    lastPid = 105;
    host.procs = [...host.procs, born(104, 11), born(105, 104)];
    r = both(roots);
    assert.equal(full, 1);
    assert.deepEqual(asked.at(-1), [10, 11, 104, 105]);
    assert.equal(r.nodes[0]!.processes, 4);

    // the pid counter wraps below pid_max: the newborn at both ends are read
    for (const next of [500, 900]) {
      step();
      lastPid = next;
      both(roots);
    }
    step();
    lastPid = 12;
    host.procs = [...host.procs, born(950, 105), born(12, 10), born(700, 1)];
    r = both(roots);
    assert.equal(full, 1);
    assert.deepEqual(asked.at(-1), [10, 11, 12, 104, 105, 950]);
    assert.equal(r.nodes[0]!.processes, 6);

    // a full pass at least once a minute
    for (let i = 0; i < 12; i++) {
      step();
      lastPid = 13 + i;
      both(roots);
    }
    assert.equal(full, 2);

    // a jump of more than half the pid range (it may have gone round): a full pass
    step();
    lastPid = 700;
    both(roots);
    assert.equal(full, 3);
  });

  test('reports the size of the /proc pass and its duration', () => {
    const s = setup();
    s.procs.procs = [
      { pid: 1, ppid: 0, ticks: 0, pages: 1 },
      { pid: 2, ppid: 1, ticks: 0, pages: 1 },
    ];
    const r = s.sampler.sampleOnce([]);
    assert.equal(r.hostProcesses, 2);
    assert.ok(r.durationMs >= 0);
    assert.equal(r.at, 0);
  });
});
