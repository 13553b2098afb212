import { after, before, describe, test } from 'node:test';
import assert from 'node:assert/strict';
import { fileURLToPath } from 'node:url';
import { simArgs, startTestDaemon, waitUntil, type TestDaemon } from '../../helpers/daemon.js';
import { emailVia, startSmtp, startWebhook, type SmtpSink, type WebhookSink } from './servers.js';

const TEMPLATES = fileURLToPath(new URL('../../../../templates/', import.meta.url));

describe('a real daemon mails a crash (SMTP and webhook on loopback)', () => {
  let smtp: SmtpSink;
  let hook: WebhookSink;
  let t: TestDaemon;

  before(async () => {
    smtp = await startSmtp({ auth: { user: 'nw', pass: 's3cret' } });
    hook = await startWebhook();
    t = await startTestDaemon({
      manager: {
        templatesDir: TEMPLATES,
        alerts: {
          on: ['crashed'],
          throttleSeconds: 300,
          email: emailVia(smtp, { user: 'nw', pass: 's3cret' }),
          webhooks: [{ url: hook.url, headers: { 'x-token': 'abc' }, timeoutMs: 5000 }],
        },
      },
      nodes: { crashy: { args: simArgs('--block-ms', '200', '--crash-after', '1500:3') } },
    });
  });

  after(async () => {
    await t?.close();
    await smtp?.close();
    await hook?.close();
  });

  test('the crash alert arrives with the node name and exit code, as a proper MIME mail', async () => {
    const [mail] = await smtp.waitFor(1, 15_000);
    assert.equal(mail!.from, 'nodewarden@test.invalid');
    assert.deepEqual(mail!.to, ['ops@test.invalid']);
    assert.match(mail!.headers['subject']!, /crashy crashed \(exit code 3\)/);
    assert.match(mail!.decoded, /crashy crashed with exit code 3/);
    assert.ok(!Number.isNaN(Date.parse(mail!.headers['date']!)), 'a Date header');
    assert.match(mail!.headers['message-id']!, /^<.+@nodewarden\..+>$/);
    assert.match(mail!.headers['content-type']!, /multipart\/alternative/);
    assert.match(mail!.raw, /Content-Type: text\/plain/);
    assert.match(mail!.raw, /Content-Type: text\/html/);
  });

  test('the webhook receives the same alert as JSON with its headers', async () => {
    const [body] = await hook.waitFor(1, 15_000);
    assert.equal(hook.headers[0]!['x-token'], 'abc');
    assert.equal(hook.headers[0]!['content-type'], 'application/json');
    assert.equal(body!['subject'], smtp.mails[0]!.headers['subject']);
    const event = body!['event'] as { type: string; node: string; details: { code: number } };
    assert.deepEqual([event.type, event.node, event.details.code], ['crashed', 'crashy', 3]);
    assert.equal((body!['node'] as { name: string }).name, 'crashy');
    assert.equal(body!['suppressed'], 0);
    assert.match(String(body!['text']), /crashy crashed with exit code 3/);
  });

  test('the node keeps crashing, but within the window no second mail is sent', async () => {
    // The throttle records each swallowed crash: wait for that fact, then look at the outbox.
    const suppressed = (): number =>
      (t.daemon.store.db
        .prepare(`SELECT suppressed FROM alert_throttle WHERE node = 'crashy' AND condition = 'crashed'`)
        .pluck()
        .get() as number | undefined) ?? 0;
    await waitUntil(() => suppressed() >= 1, 'a second crash was counted', 15_000);
    const rows = t.daemon.store.db.prepare(`SELECT channel FROM outbox`).all();
    assert.equal(rows.length, 2, 'one row for mail, one for the webhook');
    assert.equal(smtp.mails.length, 1);
    assert.equal(hook.bodies.length, 1);
  });
});
