import { afterEach, describe, test } from 'node:test';
import assert from 'node:assert/strict';
import { makeInvariants } from '../../chaos/invariants/index.js';
import type { Journal } from '../../chaos/journal.js';
import { addNode, FAST, insertEvent, insertInterval, makeJournal, makeStore, Procs } from './fixture.js';

const procs = new Procs();
afterEach(() => procs.endAll());

function inv(j: Journal, id: number) {
  return makeInvariants(j, FAST).find((i) => i.id === id)!;
}

describe('invariant 4: crashes, restarts, adoptions and reaps are events, once; uptime within the wall clock', () => {
  test('a kill -9 with its crashed event and sound intervals pass', async () => {
    const j = makeJournal();
    const t = Date.now() - 20_000;
    j.faults.push({ seq: 1, at: t, kind: 'kill9-node', target: 'n1', detail: 'pid 123' });
    const db = makeStore(j);
    insertEvent(db, {
      ts: t + 40,
      node: 'n1',
      type: 'crashed',
      details: { code: null, signal: 'SIGKILL', uptimeMs: 20_000 },
    });
    insertEvent(db, { ts: t + 41, node: 'n1', type: 'restarting', reason: 'crash' });
    insertEvent(db, { ts: t + 1_100, node: 'n1', type: 'started', details: { pid: 456, attempt: 0 } });
    insertInterval(db, {
      node: 'n1',
      state: 'running',
      pid: 123,
      start: j.run.startedAt + 1_000,
      end: t + 40,
    });
    insertInterval(db, { node: 'n1', state: 'starting', start: t + 40, end: t + 1_100 });
    insertInterval(db, { node: 'n1', state: 'running', pid: 456, start: t + 1_100, end: null });
    db.close();
    assert.deepEqual(await inv(j, 4).check({ journal: j, phase: 'final' }), []);
  });

  test('a kill -9 a running manager never recorded is caught; one while no manager ran is not owed', async () => {
    const j = makeJournal();
    const t = Date.now() - 20_000;
    j.faults.push({ seq: 1, at: t, kind: 'kill9-node', target: 'n1', detail: 'pid 123' });
    makeStore(j).close();
    const v = await inv(j, 4).check({ journal: j, phase: 'final' });
    assert.equal(v.length, 1, JSON.stringify(v));
    assert.match(v[0]!.message, /n1: killed with SIGKILL at .* but no crashed\/exited event follows/);
    j.managers = [
      { pid: 1, startedAt: j.run.startedAt, endedAt: t - 1, endedBy: 'kill9' },
      { pid: process.pid, startedAt: t + 10_000 },
    ];
    assert.deepEqual(await inv(j, 4).check({ journal: j, phase: 'final' }), []);
  });

  test('a kill that lands while the manager restarts the node on its own is that restart; a crash restart alone is not', async () => {
    const j = makeJournal();
    const t = Date.now() - 20_000;
    j.faults.push({ seq: 1, at: t, kind: 'kill9-node', target: 'n1', detail: 'pid 123' });
    const db = makeStore(j);
    insertEvent(db, { ts: t + 100, node: 'n1', type: 'restarting', reason: 'crash' });
    db.close();
    // restarting(crash) without its crashed event: the crash record is missing.
    assert.equal((await inv(j, 4).check({ journal: j, phase: 'final' })).length, 1);
    const db2 = makeStore(j);
    insertEvent(db2, { ts: t + 100, node: 'n1', type: 'restarting', reason: 'unreachable' });
    db2.close();
    assert.deepEqual(await inv(j, 4).check({ journal: j, phase: 'final' }), []);
  });

  test('a survivor of a killed manager must be adopted by the next one', async () => {
    const j = makeJournal();
    const survivor = await procs.sim(j, 'n1');
    j.managers = [{ pid: 1, startedAt: j.run.startedAt, endedAt: Date.now() - 1_000, endedBy: 'kill9' }];
    const db = makeStore(j);
    db.close();
    const four = inv(j, 4);
    // Seen alive with no manager, then again under the next manager.
    assert.deepEqual(await four.check({ journal: j, phase: 'fault' }), []);
    await new Promise((r) => setTimeout(r, 5));
    const next = Date.now();
    j.managers.push({ pid: process.pid, startedAt: next });
    await new Promise((r) => setTimeout(r, 5));
    const v = await four.check({ journal: j, phase: 'final' });
    assert.equal(v.length, 1, JSON.stringify(v));
    assert.match(
      v[0]!.message,
      new RegExp(`n1: main pid ${survivor.pid} survived into manager pid ${process.pid}`),
    );

    const j2 = { ...j, managers: [j.managers[0]!] };
    const four2 = inv(j2, 4);
    await four2.check({ journal: j2, phase: 'fault' });
    await new Promise((r) => setTimeout(r, 5));
    j2.managers.push({ pid: process.pid, startedAt: Date.now() });
    const db2 = makeStore(j2);
    insertEvent(db2, {
      ts: Date.now(),
      node: 'n1',
      type: 'adopted',
      details: { pid: survivor.pid, pgid: survivor.pid, argv: [] },
    });
    db2.close();
    await new Promise((r) => setTimeout(r, 5));
    assert.deepEqual(await four2.check({ journal: j2, phase: 'final' }), []);
  });

  test('duplicate events and an adoption told twice are caught', async () => {
    const j = makeJournal();
    const t = Date.now() - 10_000;
    const db = makeStore(j);
    insertEvent(db, {
      ts: t,
      node: 'n1',
      type: 'crashed',
      details: { code: 1, signal: null, uptimeMs: 100 },
    });
    insertEvent(db, {
      ts: t,
      node: 'n1',
      type: 'crashed',
      details: { code: 1, signal: null, uptimeMs: 100 },
    });
    insertEvent(db, { ts: t + 10, node: 'n2', type: 'adopted', details: { pid: 42 } });
    insertEvent(db, { ts: t + 20, node: 'n2', type: 'adopted', details: { pid: 42 } });
    db.close();
    const v = await inv(j, 4).check({ journal: j, phase: 'final' });
    assert.deepEqual(
      v.map((x) => x.message),
      ['n1: crashed stored twice', 'n2: pid 42 adopted twice by one manager'],
    );
  });

  test('overlapping intervals and running time longer than the run are caught', async () => {
    const j = makeJournal();
    const db = makeStore(j);
    const s = j.run.startedAt;
    insertInterval(db, { node: 'n1', state: 'running', pid: 1, start: s + 1_000, end: s + 30_000 });
    insertInterval(db, { node: 'n1', state: 'running', pid: 2, start: s + 20_000, end: s + 59_000 });
    insertInterval(db, { node: 'n2', state: 'running', pid: 3, start: s - 3_600_000, end: null });
    insertEvent(db, { ts: s + 5_000, node: 'n3', type: 'crashed', details: { uptimeMs: 3_600_000 } });
    db.close();
    const v = await inv(j, 4).check({ journal: j, phase: 'final' });
    assert.equal(v.length, 3, JSON.stringify(v));
    assert.match(v[0]!.evidence.join('\n'), /overlaps the one before/);
    assert.match(v[1]!.evidence.join('\n'), /starts before the run/);
    assert.match(v[1]!.evidence.join('\n'), /running for \d+\.\d s in a run of/);
    assert.match(v[2]!.message, /n3: crashed tells an uptime of 3600000 ms, longer than the run had lasted/);
  });
});

describe('invariant 6: held nodes untouched; sync.minHealthy never breached by the manager', () => {
  test('an operator restart of a held node and group restarts that keep the floor pass', async () => {
    const j = makeJournal({ minHealthy: { g: 2 } });
    const s = j.run.startedAt;
    addNode(j, 'n1', [
      [s, 'running', false],
      [s + 10_000, 'running', true],
      [s + 30_000, 'running', false],
    ]);
    for (const n of ['a', 'b', 'c']) addNode(j, n, [[s, 'running', false]], 'g');
    j.faults.push({ seq: 1, at: s + 15_000, kind: 'verb-restart', target: 'n1', detail: '' });
    const db = makeStore(j);
    insertEvent(db, { ts: s + 10_000, node: 'n1', type: 'held' });
    insertEvent(db, { ts: s + 15_001, node: 'n1', type: 'restarting', reason: 'manual' });
    insertEvent(db, { ts: s + 16_000, node: 'n1', type: 'started', details: { pid: 9 } });
    insertEvent(db, { ts: s + 30_000, node: 'n1', type: 'released' });
    for (const n of ['a', 'b', 'c'])
      insertEvent(db, { ts: s + 1_000, node: n, type: 'started', details: { pid: 1 } });
    insertEvent(db, { ts: s + 20_000, node: 'b', type: 'restarting', reason: 'out_of_sync' });
    insertEvent(db, { ts: s + 22_000, node: 'b', type: 'started', details: { pid: 2 } });
    insertEvent(db, { ts: s + 23_000, node: 'a', type: 'crashed' });
    db.close();
    assert.deepEqual(await inv(j, 6).check({ journal: j, phase: 'final' }), []);
  });

  test('an automatic restart of a held node is caught', async () => {
    const j = makeJournal();
    const s = j.run.startedAt;
    addNode(j, 'n1', [
      [s, 'running', false],
      [s + 10_000, 'running', true],
    ]);
    const db = makeStore(j);
    insertEvent(db, { ts: s + 10_000, node: 'n1', type: 'held' });
    insertEvent(db, {
      ts: s + 15_000,
      node: 'n1',
      type: 'crashed',
      details: { code: null, signal: 'SIGKILL' },
    });
    insertEvent(db, { ts: s + 15_001, node: 'n1', type: 'restarting', reason: 'crash' });
    insertEvent(db, { ts: s + 16_000, node: 'n1', type: 'started', details: { pid: 9 } });
    db.close();
    const v = await inv(j, 6).check({ journal: j, phase: 'final' });
    assert.equal(v.length, 1, JSON.stringify(v));
    assert.match(v[0]!.message, /n1: held from .* to the end but the manager acted on it on its own/);
    assert.equal(v[0]!.evidence.length, 2);
    assert.match(v[0]!.evidence[0]!, /n1 restarting\(crash\)/);
    assert.match(v[0]!.evidence[1]!, /n1 started/);
  });

  test('an automatic restart stored right after the held event, in the same millisecond, is caught', async () => {
    const j = makeJournal();
    const s = j.run.startedAt;
    addNode(j, 'n1', [
      [s, 'running', false],
      [s + 9_990, 'running', true],
    ]);
    const db = makeStore(j);
    insertEvent(db, { ts: s + 10_000, node: 'n1', type: 'held' });
    insertEvent(db, { ts: s + 10_000, node: 'n1', type: 'restarting', reason: 'out_of_sync' });
    db.close();
    const v = await inv(j, 6).check({ journal: j, phase: 'final' });
    assert.equal(v.length, 1, JSON.stringify(v));
    assert.match(v[0]!.evidence[0]!, /n1 restarting\(out_of_sync\)/);
  });

  test('a policy restart that leaves a group below minHealthy is caught', async () => {
    const j = makeJournal({ minHealthy: { g: 2 } });
    const s = j.run.startedAt;
    for (const n of ['a', 'b', 'c']) addNode(j, n, [[s, 'running', false]], 'g');
    const db = makeStore(j);
    insertEvent(db, { ts: s, node: null, type: 'manager_started' });
    for (const n of ['a', 'b', 'c'])
      insertEvent(db, { ts: s + 1_000, node: n, type: 'started', details: { pid: 1 } });
    insertEvent(db, { ts: s + 20_000, node: 'a', type: 'crashed' });
    insertEvent(db, { ts: s + 21_000, node: 'b', type: 'restarting', reason: 'out_of_sync' });
    db.close();
    const v = await inv(j, 6).check({ journal: j, phase: 'final' });
    assert.equal(v.length, 1, JSON.stringify(v));
    assert.match(
      v[0]!.message,
      /group g: restarting\(out_of_sync\) of b at .* left 1 running, below sync.minHealthy 2/,
    );
    assert.equal(v[0]!.evidence[0], 'running others: c; down: a');
  });
});
