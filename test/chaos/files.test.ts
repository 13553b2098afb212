import { describe, test } from 'node:test';
import assert from 'node:assert/strict';
import fs from 'node:fs';
import path from 'node:path';
import zlib from 'node:zlib';
import { makeInvariants } from '../../chaos/invariants/index.js';
import type { Journal } from '../../chaos/journal.js';
import { LineStamper } from '../../src/logs/line-stamp.js';
import { deadPid, FAST, insertOutbox, makeJournal, makeStore } from './fixture.js';

function inv(j: Journal, id: number, over = {}) {
  const all = makeInvariants(j, { ...FAST, ...over });
  return { inv: all.find((i) => i.id === id)!, all };
}

/** Numbered lines of `pid`, with other output between them, as a sim writes them. */
function numbered(name: string, pid: number, seqs: number[]): string {
  return seqs.map((s) => `${name} ${pid} ${s}\nheight=${s * 10} peers=3\n`).join('');
}

function range(a: number, b: number): number[] {
  return Array.from({ length: b - a + 1 }, (_, i) => a + i);
}

function writeSeq(j: Journal, name: string, pid: number, seq: number): void {
  fs.writeFileSync(path.join(j.run.seqDir, `${name}.${pid}`), `${seq}\n`);
}

describe('invariant 3: every numbered line is in the log exactly once, in order', () => {
  test('lines spread over a gzipped backup, a plain backup and the current file pass', async () => {
    const j = makeJournal();
    const { logDir } = j.run;
    const pid = process.pid;
    fs.writeFileSync(path.join(logDir, 'n1.log.2.gz'), zlib.gzipSync(numbered('n1', pid, range(1, 4))));
    fs.writeFileSync(path.join(logDir, 'n1.log.1'), numbered('n1', pid, range(5, 9)));
    fs.writeFileSync(path.join(logDir, 'n1.log'), numbered('n1', pid, range(10, 12)) + 'n1 77 1\n');
    // n10 shares the prefix "n1" but not the node.
    fs.writeFileSync(path.join(logDir, 'n10.log'), numbered('n10', pid, [5]));
    writeSeq(j, 'n1', pid, 12);
    const { inv: three, all } = inv(j, 3);
    assert.deepEqual(await three.check({ journal: j, phase: 'final' }), []);
    assert.equal(all.facts.logs.processesChecked, 1);
    assert.equal(all.facts.logs.linesChecked, 12);
  });

  test('stamped lines (logs.timestamps) are read through their stamps', async () => {
    const j = makeJournal();
    const stamper = new LineStamper(() => Date.now());
    const text = stamper.apply(Buffer.from(numbered('n1', process.pid, range(1, 5)))).toString();
    assert.notEqual(text, numbered('n1', process.pid, range(1, 5)));
    fs.writeFileSync(path.join(j.run.logDir, 'n1.log'), text);
    writeSeq(j, 'n1', process.pid, 5);
    assert.deepEqual(await inv(j, 3).inv.check({ journal: j, phase: 'final' }), []);
  });

  test('a duplicate, a missing line and a short tail are each caught with where they are', async () => {
    const j = makeJournal();
    const pid = process.pid;
    fs.writeFileSync(path.join(j.run.logDir, 'n1.log.1'), numbered('n1', pid, [1, 2, 3, 5, 6]));
    fs.writeFileSync(path.join(j.run.logDir, 'n1.log'), numbered('n1', pid, [6, 7, 8]));
    writeSeq(j, 'n1', pid, 11);
    const v = await inv(j, 3).inv.check({ journal: j, phase: 'final' });
    assert.equal(v.length, 1, JSON.stringify(v));
    assert.match(v[0]!.message, new RegExp(`n1 pid ${pid}: 3 log line problem`));
    assert.match(v[0]!.evidence[0]!, /missing seq 4..4 \(1 line\(s\)\) before n1.log.1:7 seq 5/);
    assert.match(v[0]!.evidence[1]!, /duplicate: n1.log:1 seq 6 after n1.log.1:9 seq 6/);
    assert.match(v[0]!.evidence[2]!, /recorded seq 11 .* but the logs end at seq 8 .*: 3 line\(s\) missing/);
  });

  test('a gap while the log dir was unwritable is counted, and must be one nodewarden reported', async () => {
    const j = makeJournal();
    const pid = process.pid;
    j.logDirUnwritable.push({ from: Date.now() - 30_000, to: Date.now() - 20_000 });
    fs.writeFileSync(path.join(j.run.logDir, 'n1.log'), numbered('n1', pid, [1, 2, 6, 7]));
    writeSeq(j, 'n1', pid, 7);
    const v = await inv(j, 3).inv.check({ journal: j, phase: 'final' });
    assert.equal(v.length, 1, JSON.stringify(v));
    assert.match(
      v[0]!.message,
      /n1: 3 line\(s\) missing while the log directory was unwritable, but the manager log never reported/,
    );
    fs.writeFileSync(
      path.join(j.run.logDir, 'nodewarden.log'),
      `2026-01-01T00:00:00.000Z WARN node n1: DROPPING LOG OUTPUT (EACCES); the node is not blocked {"node":"n1","droppedLines":3}\n`,
    );
    const { inv: three, all } = inv(j, 3);
    assert.deepEqual(await three.check({ journal: j, phase: 'final' }), []);
    assert.deepEqual(all.facts.logs.droppedUnwritable, { n1: 3 });
  });

  test('lines read by a manager killed with SIGKILL before it wrote them are counted only when the gap spans that kill', async () => {
    const j = makeJournal();
    const pid = process.pid;
    const killedAt = Date.now() - 10_000;
    let now = killedAt - 5_000;
    const stamper = new LineStamper(() => now);
    const before = stamper.apply(Buffer.from(numbered('n1', pid, [1, 2, 3]))).toString();
    now = killedAt + 3_000; // the next manager's arrival stamps
    const after = stamper.apply(Buffer.from(numbered('n1', pid, [6, 7]))).toString();
    fs.writeFileSync(path.join(j.run.logDir, 'n1.log'), before + after);
    writeSeq(j, 'n1', pid, 7);
    j.managers = [
      { pid: 1, startedAt: j.run.startedAt, endedAt: killedAt, endedBy: 'kill9' },
      { pid: process.pid, startedAt: killedAt + 1_000 },
    ];
    const { inv: three, all } = inv(j, 3);
    assert.deepEqual(await three.check({ journal: j, phase: 'final' }), []);
    assert.equal(all.facts.logs.lostInFlight, 2);
    // The same gap when that manager was shut down, not killed, is a violation.
    j.managers[0]!.endedBy = 'shutdown-keep-nodes';
    const v = await inv(j, 3).inv.check({ journal: j, phase: 'final' });
    assert.equal(v.length, 1, JSON.stringify(v));
    assert.match(v[0]!.evidence[0]!, /missing seq 4..5/);
  });

  test('the unread tail of a process that died with no manager running is counted, not a violation', async () => {
    const j = makeJournal();
    const pid = deadPid();
    j.managers = [{ pid: 1, startedAt: j.run.startedAt, endedAt: Date.now() - 5_000, endedBy: 'kill9' }];
    fs.writeFileSync(path.join(j.run.logDir, 'n1.log'), numbered('n1', pid, [1, 2, 3]));
    writeSeq(j, 'n1', pid, 8);
    const { inv: three, all } = inv(j, 3);
    assert.deepEqual(await three.check({ journal: j, phase: 'final' }), []);
    assert.equal(all.facts.logs.lostUnheld, 5);
    // The same tail lost while a manager was reading is a violation.
    j.managers = [{ pid: process.pid, startedAt: j.run.startedAt }];
    assert.equal((await inv(j, 3).inv.check({ journal: j, phase: 'final' })).length, 1);
  });
});

describe('invariant 5: every alert the outbox accepted reaches the sink exactly once', () => {
  const sinkLine = (messageId: string, subject: string): string =>
    JSON.stringify({ at: Date.now(), messageId, subject, to: ['ops@example.org'], text: 'x' }) + '\n';

  test('sent alerts each received once pass, whichever Message-ID spelling the sink kept', async () => {
    const j = makeJournal();
    const db = makeStore(j);
    insertOutbox(db, {
      createdTs: Date.now() - 5_000,
      status: 'sent',
      messageId: '<1.a@nodewarden.h>',
      subject: 'n1 crashed',
    });
    insertOutbox(db, {
      createdTs: Date.now() - 4_000,
      status: 'sent',
      messageId: '<2.b@nodewarden.h>',
      subject: 'n2 crashed',
    });
    db.close();
    fs.writeFileSync(
      j.run.sinkFile,
      sinkLine('<1.a@nodewarden.h>', 'n1 crashed') + sinkLine('2.b@nodewarden.h', 'n2 crashed'),
    );
    assert.deepEqual(await inv(j, 5).inv.check({ journal: j, phase: 'final' }), []);
  });

  test('an alert received twice, one never received and one still pending are caught', async () => {
    const j = makeJournal();
    const db = makeStore(j);
    insertOutbox(db, {
      createdTs: Date.now() - 5_000,
      status: 'sent',
      messageId: '<1.a@h>',
      subject: 'n1 crashed',
    });
    insertOutbox(db, {
      createdTs: Date.now() - 4_000,
      status: 'sent',
      messageId: '<2.b@h>',
      subject: 'n2 crashed',
    });
    insertOutbox(db, {
      createdTs: Date.now() - 3_000,
      status: 'pending',
      messageId: '<3.c@h>',
      subject: 'n3 crashed',
    });
    db.close();
    fs.writeFileSync(j.run.sinkFile, sinkLine('<1.a@h>', 'n1 crashed') + sinkLine('<1.a@h>', 'n1 crashed'));
    const v = await inv(j, 5).inv.check({ journal: j, phase: 'final' });
    const messages = v.map((x) => x.message);
    assert.equal(v.length, 3, JSON.stringify(v));
    assert.ok(messages.includes('1 alert(s) the outbox marked sent never reached the sink'));
    assert.ok(messages.includes('1 alert(s) still pending after the drain time'));
    assert.ok(messages.includes('1 alert(s) reached the sink more than once'));
    assert.match(
      v.find((x) => /more than once/.test(x.message))!.evidence[0]!,
      /^1\.a@h "n1 crashed" received 2 times/,
    );
  });
});
