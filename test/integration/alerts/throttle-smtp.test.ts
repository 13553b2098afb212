import { test } from 'node:test';
import assert from 'node:assert/strict';
import { fileURLToPath } from 'node:url';
import { SmtpChannel } from '../../../src/alerts/channels/smtp.js';
import { alertsConfig, rig } from '../../unit/alerts/harness.js';
import { startSmtp } from './servers.js';

const TEMPLATES = fileURLToPath(new URL('../../../../templates/', import.meta.url));

test('a crash loop of 20 crashes (FakeClock, real SMTP): 2 mails in the window, the second counting 18 more', async () => {
  const smtp = await startSmtp();
  const r = rig();
  try {
    const smtpConfig = { host: '127.0.0.1', port: smtp.port, secure: false, auth: null };
    r.start([new SmtpChannel(smtpConfig)], {
      templatesDir: TEMPLATES,
      config: alertsConfig({
        throttleSeconds: 300,
        email: { from: 'nw@test.invalid', to: ['ops@test.invalid'], smtp: smtpConfig },
      }),
    });
    for (let i = 0; i < 20; i++) {
      r.crash('loop-1', 1);
      r.clock.advance(5_000);
      await r.alerter.settled();
    }
    assert.equal(smtp.mails.length, 1);
    assert.match(smtp.mails[0]!.headers['subject']!, /loop-1 crashed \(exit code 1\) on /);
    r.clock.advance(300_000);
    await r.alerter.settled();
    assert.equal(smtp.mails.length, 2);
    const second = smtp.mails[1]!;
    assert.match(second.headers['subject']!, /loop-1 crashed \(exit code 1\) and 18 more crashes on /);
    assert.match(second.decoded, /and 18 more crashes since \d{4}-\d\d-\d\dT/);
  } finally {
    await r.close();
    await smtp.close();
  }
});
