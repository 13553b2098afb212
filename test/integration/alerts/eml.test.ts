import { test } from 'node:test';
import assert from 'node:assert/strict';
import fs from 'node:fs';
import path from 'node:path';
import { fileURLToPath } from 'node:url';
import { startDaemon, type Daemon } from '../../../src/daemon.js';
import { tmpDir, waitUntil, writeConfig } from '../../helpers/daemon.js';

const TEMPLATES = fileURLToPath(new URL('../../../../templates/', import.meta.url));

test('without smtp, alerts are written as complete .eml files to <stateDir>/outbox/; a broken template falls back', async () => {
  const dir = tmpDir();
  const configDir = writeConfig(dir, {
    manager: {
      alerts: { on: ['crashed', 'fatal'], email: { from: 'nw@test.invalid', to: ['ops@test.invalid'] } },
    },
  });
  // The shipped templates, with crashed.text broken: that part falls back to default.text.
  const templates = path.join(dir, 'templates');
  fs.cpSync(TEMPLATES, templates, { recursive: true });
  fs.writeFileSync(path.join(templates, 'crashed.text.hbs'), '{{#if event.node}}never closed');
  let daemon: Daemon | null = null;
  try {
    daemon = await startDaemon({ configDir, consoleLog: false });
    daemon.bus.emit({ node: 'ant-7', type: 'crashed', details: { code: 9, signal: null, uptimeMs: 10 } });
    daemon.bus.emit({ node: null, type: 'fatal', reason: 'test' });
    const outbox = path.join(dir, 'state', 'outbox');
    const files = await waitUntil(() => {
      const f = fs.existsSync(outbox) ? fs.readdirSync(outbox).filter((x) => x.endsWith('.eml')) : [];
      return f.length === 2 ? f : null;
    }, 'two .eml files');
    assert.ok(
      files.some((f) => f.includes('-nodewarden-fatal-')),
      'a manager-wide alert is named nodewarden',
    );
    const crash = fs.readFileSync(
      path.join(
        outbox,
        files.find((f) => f.includes('-ant-7-crashed-'))!,
      ),
      'utf8',
    );
    assert.ok(!/[^\r]\n/.test(crash), 'CRLF line ends throughout (RFC 5322)');
    const head = crash.split('\r\n\r\n')[0]!;
    assert.match(head, /^From: nw@test\.invalid$/m);
    assert.match(head, /^To: ops@test\.invalid$/m);
    assert.match(head, /^Subject: \[nodewarden\] ant-7 crashed \(exit code 9\)/m);
    assert.match(head, /^Message-ID: <.+@nodewarden\..+>$/m);
    assert.match(head, /^Date: \w{3}, \d{2} \w{3} \d{4} \d{2}:\d{2}:\d{2} \+0000$/m);
    assert.match(head, /^Content-Type: multipart\/alternative/m);
    assert.match(crash, /Content-Type: text\/html/);
    assert.match(crash, /ant-7: crashed/, 'the text part came from default.text.hbs');
    assert.doesNotMatch(crash, /never closed/);
  } finally {
    await daemon?.stop();
    fs.rmSync(dir, { recursive: true, force: true });
  }
});
