/**
 * `nodewarden run` (the real CLI, its own process) loads the mail code only
 * when the first mail goes out and keeps V8's young generation small. The
 * first alert after a fresh start must still be rendered and delivered to a
 * real SMTP server on loopback, and the manager's own /metrics shows the small
 * young generation after its boot burst.
 */
import { after, before, describe, test } from 'node:test';
import assert from 'node:assert/strict';
import { spawn, type ChildProcess } from 'node:child_process';
import fs from 'node:fs';
import http from 'node:http';
import path from 'node:path';
import { fileURLToPath } from 'node:url';
import { ControlClient } from '../../../src/protocol/client.js';
import { isAlive } from '../../../src/supervisor/proc.js';
import { CLI, simArgs, tmpDir, waitUntil, writeConfig } from '../../helpers/daemon.js';
import { sample } from '../metrics/exposition.js';
import { emailVia, startSmtp, type SmtpSink } from './servers.js';

const TEMPLATES = fileURLToPath(new URL('../../../../templates/', import.meta.url));
const MiB = 1024 * 1024;

function getOverSocket(socketPath: string, urlPath: string): Promise<string> {
  return new Promise((resolve, reject) => {
    const req = http.get({ socketPath, path: urlPath, agent: false }, (res) => {
      let body = '';
      res.setEncoding('utf8').on('data', (d: string) => (body += d));
      res.on('end', () =>
        res.statusCode === 200 ? resolve(body) : reject(new Error(`${urlPath}: ${res.statusCode} ${body}`)),
      );
    });
    req.on('error', reject);
  });
}

describe('nodewarden run: the first alert after a fresh start', () => {
  let smtp: SmtpSink;
  let dir: string;
  let socket: string;
  let manager: ChildProcess;
  let stderr = '';
  const nodePids = new Set<number>();

  before(async () => {
    smtp = await startSmtp();
    dir = tmpDir();
    const configDir = writeConfig(dir, {
      manager: {
        templatesDir: TEMPLATES,
        alerts: {
          on: ['crashed'],
          throttleSeconds: 300,
          email: emailVia(smtp),
        },
      },
      nodes: {
        calm: {},
        // Exits with code 3 1.5 s after every start (past its 1 s start window: a crash).
        crashy: {
          args: simArgs('--block-ms', '200', '--crash-after', '1500:3'),
          restart: { maxRetries: 100 },
        },
      },
    });
    socket = path.join(dir, 'state', 'nodewarden.sock');
    manager = spawn(process.execPath, [CLI, '--config', configDir, 'run'], {
      stdio: ['ignore', 'ignore', 'pipe'],
    });
    manager.stderr!.setEncoding('utf8').on('data', (d: string) => (stderr += d));
  });

  after(async () => {
    if (manager?.pid !== undefined && manager.exitCode === null && manager.signalCode === null) {
      const exited = new Promise((r) => manager.once('exit', r));
      manager.kill('SIGTERM'); // by the child's pid; it stops its nodes
      await exited;
    }
    for (const pid of nodePids) if (isAlive(pid)) process.kill(pid, 'SIGKILL');
    await smtp?.close();
    if (dir) fs.rmSync(dir, { recursive: true, force: true });
  });

  test('the crash mail reaches the SMTP server, rendered from the templates', async () => {
    const client = new ControlClient({ socketPath: socket });
    const [mail] = await waitUntil(
      async () => {
        if (manager.exitCode !== null) throw new Error(`run exited ${manager.exitCode}: ${stderr}`);
        for (const r of await client.status().catch(() => [])) if (r.pid !== null) nodePids.add(r.pid);
        return smtp.mails.length > 0 ? smtp.mails : null;
      },
      'the first mail arrived',
      120_000, // a failure bound only: a loaded machine boots the manager slowly
    );
    assert.deepEqual(mail!.to, ['ops@test.invalid']);
    assert.match(mail!.headers['subject']!, /crashy crashed \(exit code 3\)/);
    assert.match(mail!.decoded, /crashy crashed with exit code 3/);
    assert.match(mail!.raw, /Content-Type: text\/html/);
  });

  test("the manager's young generation stayed at its initial size through boot and that alert", async () => {
    const text = await getOverSocket(socket, '/metrics');
    const newSpace = sample(text, 'nodewarden_nodejs_heap_space_size_total_bytes', { space: 'new' });
    assert.ok(newSpace !== undefined && newSpace > 0, 'the new space is reported');
    assert.ok(newSpace <= 4 * MiB, `new space ${(newSpace / MiB).toFixed(1)} MiB, expected at most 4 MiB`);
  });
});
