/**
 * Secrets never leave nodewarden in clear. Two real nodes carry a generated
 * `{{secret}}` in their argv (one also an env password) and print both to
 * their log. A first manager starts them, a second adopts them (alerts as
 * .eml files), a third, after a config change, reaps them (alerts to a real
 * SMTP server on loopback). The secret values then appear in none of:
 * `events --json`, `/api/events`, the events table, nodewarden.log, the
 * mails, the .eml files, the status page's snapshot, `config show`. And the
 * state directory is 0700 (though it existed as 0755), nodewarden.log and
 * the database files 0600.
 */
import { after, before, describe, test } from 'node:test';
import assert from 'node:assert/strict';
import fs from 'node:fs';
import path from 'node:path';
import { fileURLToPath } from 'node:url';
import { MASK } from '../../../src/config/issues.js';
import { startDaemon, type Daemon } from '../../../src/daemon.js';
import { ControlClient } from '../../../src/protocol/client.js';
import { isAlive } from '../../../src/supervisor/proc.js';
import { buildStatusMessage, recentEvents } from '../../../src/web/snapshot.js';
import { runCli, tmpDir, waitUntil, writeConfig, writeNode, removeNode } from '../../helpers/daemon.js';
import { startSmtp, type SmtpSink } from './servers.js';

const TEMPLATES = fileURLToPath(new URL('../../../../templates/', import.meta.url));
const ENV_PASSWORD = 'env-password-4f9a1c';
// A node that prints its argv and its env password, then idles until stopped.
const SCRIPT =
  "process.stdout.write('up ' + process.argv.slice(1).join(' ') + ' ' + process.env.RPC_PASSWORD + '\\n'); setInterval(() => {}, 1e9);";
const node = (flag: string, extra: string[] = []): Record<string, unknown> => ({
  args: ['-e', SCRIPT, '--', `--${flag}={{secret "${flag}"}}`, ...extra],
  env: { RPC_PASSWORD: ENV_PASSWORD },
});

describe('secrets are masked everywhere nodewarden shows or sends them', { timeout: 120_000 }, () => {
  let dir: string;
  let configDir: string;
  let stateDir: string;
  let smtp: SmtpSink;
  let daemon: Daemon | null = null;
  const pids = new Map<number, string>();
  let secrets: string[] = [];

  const boot = async (): Promise<Daemon> => {
    const d = await startDaemon({ configDir, consoleLog: false });
    d.bus.on('process', (p) => {
      if (p.identity) pids.set(p.identity.pid, p.identity.startTime);
    });
    daemon = d;
    return d;
  };
  const storedEvents = (d: Daemon, type: string): number =>
    d.store.db.prepare('SELECT count(*) FROM events WHERE type = ?').pluck().get(type) as number;
  const outbox = (): string[] => {
    try {
      return fs.readdirSync(path.join(stateDir, 'outbox')).filter((f) => f.endsWith('.eml'));
    } catch {
      return [];
    }
  };
  const leaks = (text: string): string[] => [...secrets, ENV_PASSWORD].filter((s) => text.includes(s));

  before(async () => {
    dir = tmpDir();
    stateDir = path.join(dir, 'state');
    fs.mkdirSync(stateDir, { mode: 0o755 });
    fs.chmodSync(stateDir, 0o755);
    smtp = await startSmtp();
    configDir = writeConfig(dir, {
      manager: {
        templatesDir: TEMPLATES,
        alerts: {
          on: ['adopted', 'orphan_reaped'],
          email: { from: 'nw@test.invalid', to: ['ops@test.invalid'] },
        },
      },
      nodes: { vault: node('rpcpassword'), gone: node('apikey') },
    });

    // 1: start both nodes, then leave them running.
    let d = await boot();
    await waitUntil(
      () => ['vault', 'gone'].every((n) => d.supervisor.runner(n)?.snapshot().state === 'running'),
      'both nodes run',
    );
    secrets = ['vault:rpcpassword', 'gone:apikey'].map((k) => {
      const [n, key] = k.split(':') as [string, string];
      return d.store.db
        .prepare('SELECT value FROM secrets WHERE node = ? AND key = ?')
        .pluck()
        .get(n, key) as string;
    });
    assert.ok(
      secrets.every((s) => /^[0-9a-f]{64}$/.test(s)),
      'both secrets were generated',
    );
    await waitUntil(
      () =>
        ['vault', 'gone'].every((n) =>
          fs.readFileSync(path.join(dir, 'logs', `${n}.log`), 'utf8').includes('up '),
        ),
      'both nodes printed their secrets to their logs',
    );
    await d.stop({ keepNodes: true });

    // 2: adopt them; the adoption alerts go to .eml files (no SMTP configured yet).
    d = await boot();
    await waitUntil(
      () => storedEvents(d, 'adopted') === 2 && outbox().length === 2,
      'two adoptions, two .eml files',
    );
    await d.stop({ keepNodes: true });

    // 3: vault's args changed, gone removed, SMTP configured: both survivors are reaped and mailed about.
    writeNode(configDir, 'vault', node('rpcpassword', ['--changed']));
    removeNode(configDir, 'gone');
    const cfgFile = path.join(configDir, 'nodewarden.json');
    const cfg = JSON.parse(fs.readFileSync(cfgFile, 'utf8')) as {
      alerts: { email: Record<string, unknown> };
    };
    cfg.alerts.email['smtp'] = { host: '127.0.0.1', port: smtp.port };
    fs.writeFileSync(cfgFile, JSON.stringify(cfg));
    d = await boot();
    await waitUntil(() => storedEvents(d, 'orphan_reaped') === 2, 'both survivors reaped', 20_000);
    await smtp.waitFor(2, 20_000);
    await waitUntil(() => d.supervisor.runner('vault')?.snapshot().state === 'running', 'vault runs again');
  });

  after(async () => {
    await daemon?.stop();
    for (const [pid, startTime] of pids) if (isAlive(pid, startTime)) process.kill(pid, 'SIGKILL');
    await smtp?.close();
    fs.rmSync(dir, { recursive: true, force: true });
  });

  test('the events show the argv with the secret masked, and no secret anywhere', async () => {
    const d = daemon!;
    const reaped = d.store.queryEvents({ type: 'orphan_reaped' });
    const vault = reaped.find((e) => e.node === 'vault')!;
    assert.ok((vault.details['argv'] as string[]).includes(`--rpcpassword=${MASK}`), JSON.stringify(vault));
    const api = await new ControlClient({ socketPath: d.manager.control.socket }).events({ limit: 500 });
    assert.ok(api.events.length > 10);
    assert.deepEqual(leaks(JSON.stringify(api)), [], '/api/events');
    const cli = await runCli(configDir, ['events', '--json', '--limit', '500']);
    assert.equal(cli.code, 0, cli.stderr);
    assert.match(cli.stdout, /orphan_reaped/);
    assert.deepEqual(leaks(cli.stdout), [], 'events --json');
    const rows = d.store.db.prepare('SELECT reason, details FROM events').all();
    assert.deepEqual(leaks(JSON.stringify(rows)), [], 'the events table');
  });

  test('the identity kept for re-adoption is exact: the real argv is in the database, not in any event', () => {
    const argv = daemon!.store.db
      .prepare(`SELECT argv FROM nodes WHERE name = 'vault'`)
      .pluck()
      .get() as string;
    assert.ok(argv.includes(secrets[0]!), 'the nodes table keeps the argv to compare');
  });

  test('nodewarden.log has the events, but no secret', () => {
    const log = fs.readFileSync(path.join(dir, 'logs', 'nodewarden.log'), 'utf8');
    assert.match(log, /vault: adopted/);
    assert.match(log, /gone: orphan_reaped/);
    assert.deepEqual(leaks(log), []);
  });

  test('mails and .eml files carry the node log tail and the events, masked', () => {
    assert.equal(smtp.mails.length, 2);
    for (const m of smtp.mails) {
      assert.match(m.decoded, /Last lines of/);
      assert.ok(m.decoded.includes(MASK), 'the log tail shows the mask');
      assert.deepEqual(leaks(m.raw + m.decoded), [], m.headers['subject']);
    }
    const files = outbox();
    assert.equal(files.length, 2);
    for (const f of files) {
      const file = path.join(stateDir, 'outbox', f);
      assert.deepEqual(leaks(fs.readFileSync(file, 'utf8').replace(/=\r?\n/g, '')), [], f);
      assert.equal(fs.statSync(file).mode & 0o777, 0o600, f);
    }
  });

  test("the status page's snapshot and its recent events show no secret", () => {
    const d = daemon!;
    const page = JSON.stringify([buildStatusMessage(d), recentEvents(d, 100)]);
    assert.match(page, /orphan_reaped/);
    assert.deepEqual(leaks(page), []);
  });

  test('config show masks the generated secret and the env password', async () => {
    const r = await runCli(configDir, ['config', 'show', 'vault']);
    assert.equal(r.code, 0, r.stderr);
    const shown = JSON.parse(r.stdout) as { env: Record<string, string>; args: string[] };
    assert.equal(shown.env['RPC_PASSWORD'], MASK);
    assert.ok(shown.args.includes(`--rpcpassword=${MASK}`));
    assert.deepEqual(leaks(r.stdout), []);
  });

  test('stateDir is 0700 although it existed as 0755; nodewarden.log and the database files are 0600', () => {
    const mode = (f: string): number => fs.statSync(f).mode & 0o777;
    assert.equal(mode(stateDir), 0o700);
    assert.equal(mode(path.join(dir, 'logs', 'nodewarden.log')), 0o600);
    for (const f of ['nodewarden.db', 'nodewarden.db-wal', 'nodewarden.db-shm'])
      assert.equal(mode(path.join(stateDir, f)), 0o600, f);
  });
});
