/**
 * The CLI without a daemon to talk to: every online verb says so and exits 3
 * (no socket, or a stale one); the read verbs turn to the state database
 * (offline-read.test.ts) and say when there is none; `logs` reads the files
 * itself; a daemon of another protocol, or something that is not nodewarden,
 * is named as such.
 */
import { after, describe, test } from 'node:test';
import assert from 'node:assert/strict';
import { spawn } from 'node:child_process';
import fs from 'node:fs';
import http from 'node:http';
import path from 'node:path';
import { CLI, runCli, startTestDaemon, tmpDir, writeConfig } from '../../helpers/daemon.js';
import { staleSocket } from '../api/stale-socket.js';

const ONLINE_VERBS = [
  ['start', 'n'],
  ['stop', 'n', '--wait'],
  ['restart', 'n'],
  ['hold', 'n'],
  ['release', 'n'],
  ['reload'],
  ['shutdown', '--keep-nodes'],
];

/** The read verbs, which fall back to the state database when the daemon is down. */
const READ_VERBS = [
  ['status'],
  ['status', '--json'],
  ['events'],
  ['events', '--json'],
  ['uptime', '--json'],
  ['export', 'events'],
];

/** A server on the socket path that answers every request the way `respond` says. */
async function fakeServer(socket: string, respond: (res: http.ServerResponse) => void): Promise<http.Server> {
  const srv = http.createServer((_req, res) => respond(res));
  await new Promise<void>((r) => srv.listen(socket, r));
  return srv;
}

describe('CLI with the daemon down', { timeout: 120_000 }, () => {
  const dirs: string[] = [];
  after(() => {
    for (const d of dirs) fs.rmSync(d, { recursive: true, force: true });
  });
  const fresh = (): { dir: string; configDir: string; socket: string } => {
    const dir = tmpDir();
    dirs.push(dir);
    const configDir = writeConfig(dir, { nodes: { n: {} } });
    return { dir, configDir, socket: path.join(dir, 'state', 'nodewarden.sock') };
  };
  const downMessage = (socket: string, configDir: string): string =>
    `nodewarden: the daemon is not running (no answer on ${socket})\n` +
    `hint: start it with \`nodewarden run --config ${configDir}\` (or your systemd/supervisord service)\n`;

  test('every online verb prints that the daemon is not running, with the hint, and exits 3', async () => {
    const { configDir, socket } = fresh();
    const results = await Promise.all(ONLINE_VERBS.map((args) => runCli(configDir, args)));
    for (const [i, r] of results.entries()) {
      const verb = ONLINE_VERBS[i]!.join(' ');
      assert.equal(r.code, 3, `${verb}: ${r.stderr}`);
      assert.equal(r.stderr, downMessage(socket, configDir), verb);
      assert.equal(r.stdout, '', verb);
    }
  });

  test('the read verbs with no daemon and no state database say both, and exit 1', async () => {
    const { dir, configDir, socket } = fresh();
    const results = await Promise.all(READ_VERBS.map((args) => runCli(configDir, args)));
    for (const [i, r] of results.entries()) {
      const verb = READ_VERBS[i]!.join(' ');
      assert.equal(r.code, 1, `${verb}: ${r.stderr}`);
      assert.equal(
        r.stderr,
        `nodewarden: no state database at ${path.join(dir, 'state', 'nodewarden.db')}; has nodewarden run with this config?\n` +
          `hint: the daemon is not running either (no answer on ${socket}); start it with \`nodewarden run --config ${configDir}\` (or your systemd/supervisord service)\n`,
        verb,
      );
      assert.equal(r.stdout, '', verb);
    }
  });

  test('a stale socket file (its daemon was killed) is the same: exit 3, or the database for a read verb', async () => {
    const { dir, configDir, socket } = fresh();
    fs.mkdirSync(path.dirname(socket), { recursive: true });
    await staleSocket(socket);
    const r = await runCli(configDir, ['reload']);
    assert.equal(r.code, 3);
    assert.equal(r.stderr, downMessage(socket, configDir));
    const s = await runCli(configDir, ['status']);
    assert.equal(s.code, 1);
    assert.match(
      s.stderr,
      new RegExp(`^nodewarden: no state database at ${path.join(dir, 'state')}/nodewarden\\.db;`),
    );
  });

  test('logs reads the files of a daemon that has stopped, and -f follows them', async () => {
    const t = await startTestDaemon({ nodes: { n: {} } });
    dirs.push(t.dir);
    await t.waitRunning();
    await t.daemon.stop();
    const r = await t.cli(['logs', 'n', '-n', '2']);
    assert.equal(r.code, 0, r.stderr);
    assert.equal(r.stdout, 'stopping\nstopped\n');
    assert.equal((await t.cli(['reload'])).code, 3);

    const missing = await t.cli(['logs', 'zz']);
    assert.equal(missing.code, 1);
    assert.match(missing.stderr, /^nodewarden: no log of node "zz" in .*\/logs\n/);
    assert.equal((await t.cli(['logs', '../n'])).code, 2);

    const child = spawn(process.execPath, [CLI, '--config', t.configDir, 'logs', 'n', '-f', '-n', '1'], {
      stdio: ['ignore', 'pipe', 'pipe'],
    });
    try {
      let out = '';
      // The tail is printed once the follower holds its position: what is appended after it shows up.
      const seen = (text: string): Promise<void> =>
        new Promise((resolve, reject) => {
          const timer = setTimeout(
            () => reject(new Error(`logs -f did not print ${JSON.stringify(text)}; stdout: ${out}`)),
            10_000,
          );
          const check = (): void => {
            if (out.includes(text)) {
              clearTimeout(timer);
              child.stdout.off('data', onData);
              resolve();
            }
          };
          const onData = (d: Buffer): void => {
            out += d.toString('utf8');
            check();
          };
          child.stdout.on('data', onData);
          child.once('exit', () => {
            clearTimeout(timer);
            reject(new Error(`logs -f exited; stdout: ${out}`));
          });
          check();
        });
      await seen('stopped\n');
      fs.appendFileSync(path.join(t.dir, 'logs', 'n.log'), 'a line written later\n');
      await seen('a line written later\n');
      assert.equal(out, 'stopped\na line written later\n');
      const exited = new Promise<number | null>((r) => child.once('exit', (code) => r(code)));
      child.kill('SIGTERM');
      assert.equal(await exited, 0);
    } finally {
      if (child.exitCode === null) child.kill('SIGKILL');
    }
  });

  test('a daemon of another protocol version, or a server that is not nodewarden, is named as such', async () => {
    const { configDir, socket } = fresh();
    fs.mkdirSync(path.dirname(socket), { recursive: true });
    let srv = await fakeServer(socket, (res) => {
      res.setHeader('x-nodewarden-protocol', '99');
      res.setHeader('content-type', 'application/json');
      res.end('{"error":{"code":"E_PROTOCOL_MISMATCH","message":"x"}}');
    });
    try {
      const r = await runCli(configDir, ['status']);
      assert.equal(r.code, 1);
      assert.equal(
        r.stderr,
        'nodewarden: the daemon speaks protocol v99, this cli v1\n' +
          'hint: restart the daemon after upgrading nodewarden, or use the cli of the same version\n',
      );
    } finally {
      await new Promise((r) => srv.close(r));
    }
    srv = await fakeServer(socket, (res) => res.end('hello'));
    try {
      const r = await runCli(configDir, ['status']);
      assert.equal(r.code, 1);
      assert.match(
        r.stderr,
        /what answers on .*nodewarden\.sock is not a nodewarden daemon \(HTTP 200, no x-nodewarden-protocol header\)/,
      );
    } finally {
      await new Promise((r) => srv.close(r));
    }
  });

  test('a nodewarden.json the CLI cannot find the socket from is a config error (exit 2)', async () => {
    const { dir, configDir } = fresh();
    fs.writeFileSync(
      path.join(configDir, 'nodewarden.json'),
      JSON.stringify({ stateDir: 5, logDir: path.join(dir, 'logs') }),
    );
    const r = await runCli(configDir, ['status']);
    assert.equal(r.code, 2);
    assert.match(r.stderr, /nodewarden\.json: stateDir: .*\(5\)/);
  });
});
