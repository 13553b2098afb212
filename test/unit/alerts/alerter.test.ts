import { afterEach, describe, test } from 'node:test';
import assert from 'node:assert/strict';
import fs from 'node:fs';
import path from 'node:path';
import { alertsConfig, FakeChannel, rig, type Rig } from './harness.js';

const rigs: Rig[] = [];
function newRig(): Rig {
  const r = rig();
  rigs.push(r);
  return r;
}
afterEach(async () => {
  for (const r of rigs.splice(0)) await r.close();
});

const RETRY = { baseMs: 5_000, maxMs: 600_000, giveUpAfterMs: 3_600_000 };

describe('alerter: events to outbox to channels', () => {
  test('a crash becomes one stored row per channel, then is sent and marked sent', async () => {
    const r = newRig();
    const mail = new FakeChannel('email');
    const hook = new FakeChannel('webhook http://x', 'webhook');
    r.start([mail, hook]);
    r.crash('ant-1', 7);
    await r.alerter.settled();
    const rows = r.outbox.list();
    assert.deepEqual(
      rows.map((x) => [x.channel, x.key, x.status, x.attempts]),
      [
        ['email', 'ant-1/crashed', 'sent', 1],
        ['webhook http://x', 'ant-1/crashed', 'sent', 1],
      ],
    );
    assert.equal(mail.sent.length, 1);
    const p = mail.sent[0]!.payload;
    assert.ok(p.kind === 'email');
    assert.match(p.subject, /ant-1: crashed/);
    assert.match(p.text, /"code": 7/);
    assert.match(p.messageId, /^<\d+\.[0-9a-f]+@nodewarden\..+>$/);
    assert.deepEqual(p.to, ['ops@localhost']);
    const w = hook.sent[0]!.payload;
    assert.ok(w.kind === 'webhook');
    assert.deepEqual(Object.keys(w.body).sort(), [
      'event',
      'host',
      'node',
      'resolved',
      'subject',
      'suppressed',
      'text',
    ]);
    assert.equal((w.body.event as { details: { code: number } }).details.code, 7);
  });

  test('the bus subscriber only enqueues: a hanging channel never delays the emitter', async () => {
    const r = newRig();
    const mail = new FakeChannel('email');
    let open!: () => void;
    mail.gate = new Promise((res) => (open = res));
    r.start([mail], { config: alertsConfig({ throttleSeconds: 0 }) });
    const t0 = performance.now();
    for (let i = 0; i < 50; i++) r.crash(`n${i}`);
    assert.ok(performance.now() - t0 < 500, 'emitting 50 alertable events is immediate');
    // Nothing is written synchronously: rendering and storing happen a tick later.
    assert.equal(r.outbox.list().length, 0);
    await new Promise((res) => setImmediate(res));
    open();
    await r.alerter.settled();
    assert.equal(mail.sent.length, 50);
    assert.equal(mail.attempts, 50, 'one in-flight send at a time, each row once');
  });

  test('a crash loop of 20 crashes yields 2 mails in the window, the second counting the 18 suppressed', async () => {
    const r = newRig();
    const mail = new FakeChannel('email');
    r.start([mail]);
    for (let i = 0; i < 20; i++) {
      r.crash('ant-1', 1);
      r.clock.advance(5_000);
      await r.alerter.settled();
    }
    assert.equal(mail.sent.length, 1);
    r.clock.advance(300_000 - 20 * 5_000);
    await r.alerter.settled();
    assert.equal(mail.sent.length, 2);
    const second = mail.sent[1]!.payload;
    assert.ok(second.kind === 'email');
    assert.equal(second.meta.suppressed, 18);
    assert.match(second.text, /and 18 more crashed since /);
    r.clock.advance(3_600_000);
    await r.alerter.settled();
    assert.equal(mail.sent.length, 2, 'nothing more once the loop stopped');
  });

  test('out_of_sync then in_sync: a problem mail and a resolved note', async () => {
    const r = newRig();
    const mail = new FakeChannel('email');
    r.start([mail]);
    r.bus.emit({ node: 'ant-1', type: 'out_of_sync', details: { lag: 40 } });
    r.clock.advance(1000);
    r.bus.emit({ node: 'ant-1', type: 'in_sync' });
    await r.alerter.settled();
    assert.equal(mail.sent.length, 2);
    const note = mail.sent[1]!.payload;
    assert.ok(note.kind === 'email' && note.meta.resolved && note.meta.type === 'in_sync');
    assert.match(note.subject, /resolved/);
  });

  test('a started that clears no condition queues nothing and writes nothing to the outbox', async () => {
    const r = newRig();
    const mail = new FakeChannel('email');
    r.start([mail]);
    let adds = 0;
    const add = r.outbox.add.bind(r.outbox);
    r.outbox.add = (...args) => (adds++, add(...args));
    r.bus.emit({ node: 'ant-1', type: 'started', details: { pid: 1 } });
    await r.alerter.settled();
    assert.equal(adds, 0);
    assert.equal(mail.sent.length, 0);
    r.crash('ant-1');
    await r.alerter.settled();
    assert.equal(adds, 1, 'a real alert is still stored, once');
    assert.equal(mail.sent.length, 1);
  });

  test('a failing channel is retried with exponential backoff and the alert sent exactly once', async () => {
    const r = newRig();
    const mail = new FakeChannel('email');
    mail.failWith = '421 try later';
    r.start([mail], { retry: RETRY });
    r.crash();
    await r.alerter.settled();
    const [row] = r.outbox.list();
    assert.equal(row!.attempts, 1);
    assert.equal(row!.lastError, '421 try later');
    assert.equal(row!.nextAttemptTs - row!.createdTs, 5_000);
    r.clock.advance(4_999);
    await r.alerter.settled();
    assert.equal(mail.attempts, 1, 'not before the backoff is over');
    r.clock.advance(1);
    await r.alerter.settled();
    assert.equal(mail.attempts, 2);
    assert.equal(r.outbox.list()[0]!.nextAttemptTs - r.clock.wallNow(), 10_000, 'then 10 s');
    mail.failWith = null;
    r.clock.advance(10_000);
    await r.alerter.settled();
    assert.equal(mail.sent.length, 1);
    assert.equal(r.outbox.list()[0]!.status, 'sent');
    r.clock.advance(3_600_000);
    await r.alerter.settled();
    assert.equal(mail.sent.length, 1);
  });

  test('a final failure raises alert_failed once; the alert_failed alert failing on that channel raises nothing more', async () => {
    const r = newRig();
    const mail = new FakeChannel('email');
    const hook = new FakeChannel('webhook http://ok', 'webhook');
    mail.failWith = '554 rejected';
    r.start([mail, hook], { retry: RETRY });
    r.crash();
    for (let i = 0; i < 40; i++) {
      r.clock.advance(600_000);
      await r.alerter.settled();
    }
    const failed = r.events.filter((e) => e.type === 'alert_failed');
    assert.equal(failed.length, 1);
    assert.equal(failed[0]!.node, 'ant-1');
    assert.deepEqual(
      {
        channel: failed[0]!.details['channel'],
        alert: failed[0]!.details['alert'],
        error: failed[0]!.details['error'],
      },
      { channel: 'email', alert: 'crashed', error: '554 rejected' },
    );
    assert.deepEqual(
      hook.sent.map((s) => s.payload.meta.type),
      ['crashed', 'alert_failed'],
      'the webhook tells about the failed mail',
    );
    assert.deepEqual(
      r.outbox.list('failed').map((x) => x.payload.meta.type),
      ['crashed', 'alert_failed'],
    );
    assert.equal(r.outbox.list('pending').length, 0);
    assert.equal(r.alerter.stats().failed, 2);
  });

  test('after a restart, pending rows are sent at once and the throttle remembers its window', async () => {
    const r = newRig();
    const down = new FakeChannel('email');
    down.failWith = 'ECONNREFUSED';
    r.start([down], { retry: RETRY });
    r.crash('a');
    r.crash('b');
    r.crash('a'); // swallowed, counted
    await r.alerter.settled();
    await r.alerter.stop();

    const up = new FakeChannel('email');
    r.start([up], { retry: RETRY });
    await r.alerter.settled();
    assert.deepEqual(up.sent.map((s) => s.payload.meta.node).sort(), ['a', 'b']);
    r.crash('a');
    await r.alerter.settled();
    assert.equal(up.sent.length, 2, 'still inside the window of the first run');
    r.clock.advance(300_000);
    await r.alerter.settled();
    assert.equal(up.sent.length, 3);
    assert.equal(
      up.sent[2]!.payload.meta.suppressed,
      1,
      'two swallowed crashes of a, across the restart: one shown, one counted',
    );
  });

  test('rows of a channel that is no longer configured are given up at start', async () => {
    const r = newRig();
    const old = new FakeChannel('webhook http://gone', 'webhook');
    old.failWith = 'down';
    r.start([old], { retry: RETRY });
    r.crash();
    await r.alerter.settled();
    await r.alerter.stop();
    r.start([new FakeChannel('email')]);
    await r.alerter.settled();
    const gone = r.outbox.list().find((x) => x.channel === 'webhook http://gone')!;
    assert.equal(gone.status, 'failed');
    assert.equal(gone.lastError, 'channel no longer configured');
  });

  test('a broken template falls back to the default; the alert still goes out', async () => {
    const r = newRig();
    const dir = path.join(r.dir, 'templates');
    fs.mkdirSync(dir);
    fs.writeFileSync(path.join(dir, 'crashed.text.hbs'), '{{#each}}broken');
    fs.writeFileSync(path.join(dir, 'default.text.hbs'), 'DEFAULT TEXT {{event.node}}');
    const mail = new FakeChannel('email');
    r.start([mail], { templatesDir: dir });
    r.crash();
    await r.alerter.settled();
    assert.equal(mail.sent.length, 1);
    const p = mail.sent[0]!.payload;
    assert.ok(p.kind === 'email');
    assert.equal(p.text, 'DEFAULT TEXT ant-1');
    assert.equal(r.alerter.stats().templateErrors, 1);
  });

  test('when the database refuses writes, alerts are still sent from memory and stored once it accepts them', async () => {
    const r = newRig();
    const mail = new FakeChannel('email');
    r.start([mail]);
    r.store.db.pragma('query_only = ON');
    r.crash();
    await r.alerter.settled();
    assert.equal(mail.sent.length, 1);
    assert.ok(r.alerter.stats().outboxWriteErrors >= 1);
    r.store.db.pragma('query_only = OFF');
    r.crash('other');
    await r.alerter.settled();
    assert.deepEqual(
      r.outbox.list().map((x) => [x.key, x.status]),
      [['other/crashed', 'sent']],
      'the memory row was sent already (not stored twice), the new one stored and sent',
    );
    assert.equal(mail.sent.length, 2);
  });
});
