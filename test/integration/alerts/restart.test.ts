import { test } from 'node:test';
import assert from 'node:assert/strict';
import fs from 'node:fs';
import { startDaemon, type Daemon } from '../../../src/daemon.js';
import { tmpDir, waitUntil, writeConfig } from '../../helpers/daemon.js';
import { freePort, startSmtp, type SmtpSink } from './servers.js';

interface Row {
  id: number;
  status: string;
  attempts: number;
  payload: string;
}

const rows = (d: Daemon): Row[] =>
  d.store.db.prepare('SELECT id, status, attempts, payload FROM outbox ORDER BY id').all() as Row[];

test('SMTP down, manager restarted, SMTP up: every alert is delivered exactly once', async () => {
  const dir = tmpDir();
  const port = await freePort();
  const configDir = writeConfig(dir, {
    manager: {
      alerts: {
        on: ['crashed', 'fatal'],
        email: { to: ['ops@test.invalid'], smtp: { host: '127.0.0.1', port } },
      },
    },
  });
  let daemon: Daemon | null = null;
  let smtp: SmtpSink | null = null;
  try {
    daemon = await startDaemon({ configDir, consoleLog: false });
    daemon.bus.emit({ node: 'a', type: 'crashed', details: { code: 1 } });
    daemon.bus.emit({ node: 'b', type: 'crashed', details: { code: 2 } });
    daemon.bus.emit({ node: 'c', type: 'fatal', reason: 'max_retries' });
    const first = daemon;
    // Nothing listens on the port: the first try fails, the channel backs off, all three stay pending.
    await waitUntil(
      () => rows(first).length === 3 && rows(first).some((r) => r.attempts >= 1),
      'a failed attempt',
    );
    assert.ok(rows(first).every((r) => r.status === 'pending'));
    await daemon.stop();
    daemon = null;

    smtp = await startSmtp({ port });
    daemon = await startDaemon({ configDir, consoleLog: false });
    const second = daemon;
    await smtp.waitFor(3);
    await waitUntil(() => rows(second).every((r) => r.status === 'sent'), 'every row marked sent');
    const ids = smtp.mails.map((m) => m.headers['message-id']);
    assert.equal(new Set(ids).size, 3);
    assert.deepEqual(
      ids.sort(),
      rows(second)
        .map((r) => (JSON.parse(r.payload) as { messageId: string }).messageId)
        .sort(),
      'the Message-ID fixed when the alert was stored is the one that arrived',
    );
    assert.deepEqual(smtp.mails.map((m) => m.headers['subject']!.match(/\] (\w+):/)?.[1]).sort(), [
      'a',
      'b',
      'c',
    ]);
    await daemon.stop();
    daemon = null;
    assert.equal(smtp.mails.length, 3, 'and nothing twice');
  } finally {
    await daemon?.stop();
    await smtp?.close();
    fs.rmSync(dir, { recursive: true, force: true });
  }
});
