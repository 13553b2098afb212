import { afterEach, describe, test } from 'node:test';
import assert from 'node:assert/strict';
import { makeInvariants } from '../../chaos/invariants/index.js';
import { rssKb } from '../../chaos/invariants/proc.js';
import { waitUntil } from '../helpers/wait.js';
import { addNode, FAST, makeJournal, Procs } from './fixture.js';

const procs = new Procs();
afterEach(() => procs.endAll());

function inv(j: ReturnType<typeof makeJournal>, id: number, over = {}) {
  const all = makeInvariants(j, { ...FAST, ...over });
  return { inv: all.find((i) => i.id === id)!, all };
}

describe('invariant 1: one process per node, none after stop, no orphans', () => {
  test('a running node with its grandchild and a stopped node with no process pass', async () => {
    const j = makeJournal();
    addNode(j, 'n1', [[j.run.startedAt, 'running', false]]);
    addNode(j, 'n2', [
      [j.run.startedAt, 'running', false],
      [Date.now() - 30_000, 'stopped', false],
    ]);
    const n1 = await procs.sim(j, 'n1', ['--spawn-child']);
    assert.ok(n1.grandchild);
    const { inv: one } = inv(j, 1);
    assert.deepEqual(await one.check({ journal: j, phase: 'fault' }), []);
    assert.deepEqual(await one.check({ journal: j, phase: 'final' }), []);
  });

  test('two main processes of one node are caught', async () => {
    const j = makeJournal();
    addNode(j, 'n1', [[j.run.startedAt, 'running', false]]);
    const a = await procs.sim(j, 'n1');
    const b = await procs.sim(j, 'n1');
    const v = await inv(j, 1).inv.check({ journal: j, phase: 'fault' });
    assert.equal(v.length, 1, JSON.stringify(v));
    assert.match(v[0]!.message, /n1: 2 main processes alive at once/);
    assert.ok(v[0]!.evidence.some((l) => l.includes(`pid ${a.pid} `)));
    assert.ok(v[0]!.evidence.some((l) => l.includes(`pid ${b.pid} `)));
  });

  test('a process of a stopped node past its grace is caught; within its grace it is not', async () => {
    const j = makeJournal({ graceMs: 5_000 });
    const n = addNode(j, 'n2', [
      [j.run.startedAt, 'running', false],
      [Date.now(), 'stopped', false],
    ]);
    const p = await procs.sim(j, 'n2');
    assert.deepEqual(await inv(j, 1).inv.check({ journal: j, phase: 'fault' }), []);
    // The stop was asked 10 s ago: its 5 s grace is over.
    n.history[1]!.at = Date.now() - 10_000;
    const v = await inv(j, 1).inv.check({ journal: j, phase: 'fault' });
    assert.equal(v.length, 1, JSON.stringify(v));
    assert.match(v[0]!.message, /n2: stopped since .* but 1 process\(es\) still alive/);
    assert.ok(v[0]!.evidence[0]!.includes(`pid ${p.pid} `));
  });

  test('the grace of a wish made with no manager running counts from the next manager', async () => {
    const j = makeJournal({ graceMs: 5_000 });
    const wish = Date.now() - 20_000;
    addNode(j, 'n3', [
      [j.run.startedAt, 'running', false],
      [wish, 'removed', false],
    ]);
    // No manager from before the wish until a moment ago.
    j.managers = [
      { pid: 1, startedAt: j.run.startedAt, endedAt: wish - 1_000, endedBy: 'kill9' },
      { pid: process.pid, startedAt: Date.now() - 1_000 },
    ];
    await procs.sim(j, 'n3');
    assert.deepEqual(await inv(j, 1).inv.check({ journal: j, phase: 'fault' }), []);
  });

  test("at the end, a process outside its node's tree and older than its main is an orphan", async () => {
    const j = makeJournal();
    addNode(j, 'n1', [[j.run.startedAt, 'running', false]]);
    const stray = await procs.sleeper(j, 'n1');
    const main = await procs.sim(j, 'n1');
    const v = await inv(j, 1).inv.check({ journal: j, phase: 'final' });
    assert.equal(v.length, 1, JSON.stringify(v));
    assert.match(v[0]!.message, new RegExp(`n1: 1 orphan\\(s\\) outside the tree of main pid ${main.pid}`));
    assert.ok(v[0]!.evidence.some((l) => l.startsWith(`orphan: pid ${stray} `)));
  });
});

describe('invariant 2: every node that should run is running after the last fault', () => {
  test('a running node passes and the recovery time is measured', async () => {
    const j = makeJournal();
    addNode(j, 'n1', [[j.run.startedAt, 'running', false]]);
    await procs.sim(j, 'n1');
    const { inv: two, all } = inv(j, 2);
    assert.deepEqual(await two.check({ journal: j, phase: 'final' }), []);
    assert.notEqual(all.facts.recovery.recoveredAfterMs, null);
  });

  test('a node that should run but has no process by the bound is caught; a held one is not', async () => {
    const j = makeJournal();
    j.faults.push({ seq: 1, at: Date.now(), kind: 'kill9-node', target: 'n1', detail: 'test' });
    addNode(j, 'n1', [[j.run.startedAt, 'running', false]]);
    addNode(j, 'n4', [[j.run.startedAt, 'running', true]]);
    const v = await inv(j, 2).inv.check({ journal: j, phase: 'final' });
    assert.equal(v.length, 1, JSON.stringify(v));
    assert.match(v[0]!.message, /1 node\(s\) not running 300 ms after the last fault/);
    assert.deepEqual(v[0]!.evidence, ['n1: no main process']);
  });
});

describe("invariant 7: the manager's RSS stays bounded", () => {
  test('a manager under its bounds passes and its samples are kept', async () => {
    const j = makeJournal();
    const m = await procs.sim(j, 'mgr');
    j.managers = [{ pid: m.pid, startedAt: Date.now() - 60_000 }];
    const { inv: seven, all } = inv(j, 7);
    assert.deepEqual(await seven.check({ journal: j, phase: 'fault' }), []);
    assert.deepEqual(await seven.check({ journal: j, phase: 'final' }), []);
    assert.equal(all.facts.rss.samples.length, 2);
    assert.ok(all.facts.rss.peakKb > 0);
  });

  test('a manager over the absolute cap is caught', async () => {
    const j = makeJournal();
    const m = await procs.sim(j, 'mgr');
    j.managers = [{ pid: m.pid, startedAt: Date.now() - 60_000 }];
    const v = await inv(j, 7, { rssCapMb: 1 }).inv.check({ journal: j, phase: 'fault' });
    assert.equal(v.length, 1);
    assert.match(v[0]!.message, new RegExp(`manager pid ${m.pid}: RSS .* over the cap of 1 MiB`));
  });

  test('a manager whose RSS settles upwards by a few MiB is not a leak', async () => {
    const j = makeJournal();
    j.run.startedAt = Date.now();
    const m = await procs.sim(j, 'mgr', ['--leak-mb-per-s', '4', '--leak-max-mb', '24']);
    j.managers = [{ pid: m.pid, startedAt: Date.now() - 60_000 }];
    const slopeOnly = inv(j, 7, { rssSlopeMbPerMin: 1, rssGrowthMinMb: 0 }).inv;
    const withFloor = inv(j, 7, { rssSlopeMbPerMin: 1 }).inv;
    const caught = [];
    const kept = [];
    let last = rssKb(m.pid)!;
    for (let i = 0; i < 14; i++) {
      last = await waitUntil(
        () => {
          const kb = rssKb(m.pid)!;
          return kb > last + 512 ? kb : null;
        },
        'RSS settles upwards',
        30_000,
      );
      const phase = i === 13 ? 'final' : 'fault';
      caught.push(...(await slopeOnly.check({ journal: j, phase })));
      kept.push(...(await withFloor.check({ journal: j, phase })));
    }
    // The same rising series is flagged on slope alone, and not once the growth floor applies.
    assert.ok(
      caught.some((v) => /grew at every one/.test(v.message)),
      JSON.stringify(caught),
    );
    assert.deepEqual(kept, []);
  });

  test('a leaking manager is caught by the factor and by its steady growth', async () => {
    const j = makeJournal();
    j.run.startedAt = Date.now();
    const m = await procs.sim(j, 'mgr', ['--leak-mb-per-s', '20', '--leak-max-mb', '300']);
    j.managers = [{ pid: m.pid, startedAt: Date.now() - 60_000 }];
    const { inv: seven } = inv(j, 7, { rssFactor: 1.5, rssSlopeMbPerMin: 1, rssGrowthMinMb: 1 });
    const first = rssKb(m.pid)!;
    const violations = [];
    let last = first;
    for (let i = 0; i < 14; i++) {
      // Sample only once RSS has grown, so the series rises at every step.
      last = await waitUntil(
        () => {
          const kb = rssKb(m.pid)!;
          return kb > last + 1024 ? kb : null;
        },
        'leaking RSS grows',
        30_000,
      );
      violations.push(...(await seven.check({ journal: j, phase: i === 13 ? 'final' : 'fault' })));
    }
    assert.ok(
      violations.some((v) => /is over 1.5× its first steady sample/.test(v.message)),
      JSON.stringify(violations),
    );
    assert.ok(
      violations.some((v) => /grew at every one of \d+ samples across the run's second half/.test(v.message)),
    );
  });
});
