import { after, describe, test } from 'node:test';
import assert from 'node:assert/strict';
import fs from 'node:fs';
import path from 'node:path';
import { runCli, tmpDir, writeConfig } from '../../helpers/daemon.js';
import { startSmtp, startWebhook } from './servers.js';

const dirs: string[] = [];
after(() => dirs.forEach((d) => fs.rmSync(d, { recursive: true, force: true })));

function config(
  alerts: Record<string, unknown>,
  more: Record<string, unknown> = {},
): { dir: string; configDir: string } {
  const dir = tmpDir();
  dirs.push(dir);
  return { dir, configDir: writeConfig(dir, { manager: { alerts, ...more } }) };
}

describe('nodewarden alert test (offline, every channel, direct)', () => {
  test('an SMTP authentication failure is reported with the server text; exit 1; the webhook still tried', async () => {
    const smtp = await startSmtp({ auth: { user: 'nw', pass: 'right' } });
    const hook = await startWebhook();
    try {
      const { configDir } = config({
        email: {
          to: ['ops@test.invalid'],
          smtp: { host: '127.0.0.1', port: smtp.port, auth: { user: 'nw', pass: 'wrong' } },
        },
        webhooks: [{ url: hook.url }],
      });
      const r = await runCli(configDir, ['alert', 'test']);
      assert.equal(r.code, 1, r.stderr);
      assert.match(
        r.stdout,
        new RegExp(`^smtp 127\\.0\\.0\\.1:${smtp.port}: FAILED \\(535 Authentication failed\\)$`, 'm'),
      );
      assert.match(r.stdout, new RegExp(`^webhook ${hook.url}: OK \\(HTTP 200\\)$`, 'm'));
      assert.equal(smtp.mails.length, 0);
      assert.equal((hook.bodies[0]!['event'] as { type: string }).type, 'test');
    } finally {
      await smtp.close();
      await hook.close();
    }
  });

  test('with good credentials every channel reports OK and the test mail arrives; exit 0', async () => {
    const smtp = await startSmtp({ auth: { user: 'nw', pass: 'right' } });
    try {
      const { configDir } = config({
        email: {
          to: ['ops@test.invalid'],
          smtp: { host: '127.0.0.1', port: smtp.port, auth: { user: 'nw', pass: 'right' } },
        },
      });
      const r = await runCli(configDir, ['alert', 'test']);
      assert.equal(r.code, 0, r.stdout + r.stderr);
      assert.match(r.stdout, new RegExp(`^smtp 127\\.0\\.0\\.1:${smtp.port}: OK \\(accepted by .*\\)$`, 'm'));
      assert.equal(smtp.mails.length, 1);
      assert.match(
        smtp.mails[0]!.headers['subject']!,
        /\] test \(alert test\)/,
        'built-in templates: this config has no templates dir',
      );
    } finally {
      await smtp.close();
    }
  });

  test('the mail names the host as host.name says, not the system host name', async () => {
    const smtp = await startSmtp({});
    try {
      const smtpConf = { host: '127.0.0.1', port: smtp.port };
      const { configDir } = config(
        { email: { to: ['ops@test.invalid'], smtp: smtpConf } },
        { host: { name: 'ams-3' } },
      );
      const r = await runCli(configDir, ['alert', 'test']);
      assert.equal(r.code, 0, r.stdout + r.stderr);
      assert.equal(smtp.mails.length, 1);
      assert.match(smtp.mails[0]!.headers['subject']!, / on ams-3$/);
    } finally {
      await smtp.close();
    }
  });

  test('a webhook answering 500 and an SMTP server that is down both fail, with their reasons', async () => {
    const hook = await startWebhook();
    hook.status = 500;
    try {
      const { configDir } = config({
        email: { to: ['ops@test.invalid'], smtp: { host: '127.0.0.1', port: 1 } },
        webhooks: [{ url: hook.url, timeoutMs: 5000 }],
      });
      const r = await runCli(configDir, ['alert', 'test', '--json']);
      assert.equal(r.code, 1);
      const report = JSON.parse(r.stdout) as { results: { channel: string; ok: boolean; message: string }[] };
      assert.deepEqual(
        report.results.map((x) => [x.channel, x.ok]),
        [
          ['smtp 127.0.0.1:1', false],
          [`webhook ${hook.url}`, false],
        ],
      );
      assert.match(report.results[0]!.message, /ECONNREFUSED/);
      assert.match(report.results[1]!.message, /^HTTP 500/);
    } finally {
      await hook.close();
    }
  });

  test('without smtp the test mail is written as an .eml file', async () => {
    const { dir, configDir } = config({ email: { to: ['ops@test.invalid'] } });
    const r = await runCli(configDir, ['alert', 'test']);
    assert.equal(r.code, 0, r.stderr);
    const outbox = path.join(dir, 'state', 'outbox');
    assert.match(r.stdout, new RegExp(`^eml ${outbox}: OK \\(wrote ${outbox}/.+\\.eml\\)$`, 'm'));
    assert.equal(fs.readdirSync(outbox).filter((f) => f.endsWith('.eml')).length, 1);
  });

  test('a bad config exits 2 naming the key', async () => {
    const { configDir } = config({ webhooks: [{ url: 'ftp://nope' }] });
    const r = await runCli(configDir, ['alert', 'test']);
    assert.equal(r.code, 2);
    assert.match(r.stderr, /alerts\.webhooks\.0\.url/);
  });
});
