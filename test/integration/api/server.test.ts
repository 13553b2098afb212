/**
 * The listening control server: socket mode, bearer auth over real TCP on
 * loopback, refusal of an open non-loopback listener, stale and live sockets.
 */
import { after, describe, test } from 'node:test';
import assert from 'node:assert/strict';
import fs from 'node:fs';
import http from 'node:http';
import net from 'node:net';
import path from 'node:path';
import { buildApp } from '../../../src/api/app.js';
import { isLoopback, sameSecret } from '../../../src/api/auth.js';
import { startDaemon } from '../../../src/daemon.js';
import { NodewardenError } from '../../../src/errors.js';
import { ControlClient } from '../../../src/protocol/client.js';
import { startTestDaemon, tmpDir, writeConfig, type TestDaemon } from '../../helpers/daemon.js';
import { assertConfigRefused, fleetWithHttp } from './refusal.js';
import { staleSocket } from './stale-socket.js';
import { freePort } from './tcp.js';

/** GET with optional Authorization; resolves status and parsed body. */
function get(
  port: number,
  url: string,
  auth?: string,
): Promise<{ status: number; body: { error?: { code: string } } }> {
  return new Promise((resolve, reject) => {
    const req = http.get(
      { host: '127.0.0.1', port, path: url, headers: auth ? { authorization: auth } : {} },
      (res) => {
        let text = '';
        res.setEncoding('utf8').on('data', (d: string) => (text += d));
        res.on('end', () => {
          const json = String(res.headers['content-type']).includes('json');
          resolve({ status: res.statusCode ?? 0, body: json ? JSON.parse(text) : {} });
        });
      },
    );
    req.on('error', reject);
  });
}

describe('control server', { timeout: 120_000 }, () => {
  const dirs: string[] = [];
  const daemons: TestDaemon[] = [];
  after(async () => {
    for (const d of daemons) await d.close();
    for (const d of dirs) fs.rmSync(d, { recursive: true, force: true });
  });

  test('the socket is mode 0600; TCP wants the bearer token from the config, the socket does not', async () => {
    const port = await freePort();
    const t = await startTestDaemon({
      nodes: {},
      manager: { control: { http: { host: '127.0.0.1', port, token: 's3cret-token' } } },
    });
    daemons.push(t);
    assert.equal(fs.statSync(t.daemon.manager.control.socket).mode & 0o777, 0o600);
    assert.equal((await get(port, '/api/hello')).status, 401);
    assert.equal((await get(port, '/api/hello')).body.error?.code, 'E_UNAUTHORIZED');
    assert.equal((await get(port, '/api/hello', 'Bearer wrong')).status, 401);
    assert.equal((await get(port, '/api/hello', 's3cret-token')).status, 401);
    assert.equal((await get(port, '/api/hello', 'Bearer s3cret-token')).status, 200);
    assert.deepEqual(
      await new ControlClient({ host: '127.0.0.1', port, token: 's3cret-token' }).status(),
      [],
    );
    await assert.rejects(new ControlClient({ host: '127.0.0.1', port }).status(), { code: 'E_UNAUTHORIZED' });
    assert.equal((await t.client.hello()).protocol, 1);
  });

  test('an app with a token on 127.0.0.1 port 0: no token and a wrong token are 401, the right one passes', async () => {
    const t = await startTestDaemon();
    daemons.push(t);
    const app = buildApp(t.daemon, { token: 'tok-123' });
    await app.listen({ host: '127.0.0.1', port: 0 });
    try {
      const port = (app.server.address() as net.AddressInfo).port;
      assert.equal((await get(port, '/api/status')).status, 401);
      assert.equal((await get(port, '/api/status', 'Bearer tok-1234')).status, 401);
      assert.equal((await get(port, '/api/nope', 'Bearer tok-12')).status, 401);
      assert.equal((await get(port, '/api/status', 'bearer tok-123')).status, 200);
      // A browser's status page may carry the token in the query; a JSON route never may.
      assert.equal((await get(port, '/?token=tok-123')).status, 200);
      assert.equal((await get(port, '/?token=nope')).status, 401);
      assert.equal((await get(port, '/api/status?token=tok-123')).status, 401);
    } finally {
      await app.close();
    }
  });

  test('a non-loopback host without a token refuses to start before any node is touched', async () => {
    const { dir, configDir } = await fleetWithHttp(dirs, '0.0.0.0');
    await assertConfigRefused(
      configDir,
      /nodewarden\.json: control\.http\.host: is not loopback and control\.http\.token is not set: .* \("0\.0\.0\.0"\)/,
    );
    assert.equal(fs.existsSync(path.join(dir, 'logs', 'n.log')), false);
    assert.equal(fs.existsSync(path.join(dir, 'state', 'nodewarden.sock')), false);
    assert.equal(fs.existsSync(path.join(dir, 'state', 'http.token')), false, 'no token was made for it');
  });

  test('a stale socket file is replaced; a socket another process answers on is refused (E_LOCKED)', async () => {
    const dir = tmpDir();
    dirs.push(dir);
    const sock = path.join(dir, 'ctl.sock');
    await staleSocket(sock);
    const configDir = writeConfig(dir, { manager: { control: { socket: sock } } });
    const d = await startDaemon({ configDir, consoleLog: false });
    try {
      assert.deepEqual(await new ControlClient({ socketPath: sock }).status(), []);
      // A second manager (its own stateDir) pointed at the same socket.
      const other = writeConfig(path.join(dir, 'second'), { manager: { control: { socket: sock } } });
      await assert.rejects(startDaemon({ configDir: other, consoleLog: false }), (err: NodewardenError) => {
        assert.equal(err.code, 'E_LOCKED');
        assert.match(err.message, /another process answers on the control socket .*ctl\.sock/);
        return true;
      });
      assert.deepEqual(await new ControlClient({ socketPath: sock }).status(), []);
    } finally {
      await d.stop();
    }
    assert.equal(fs.existsSync(sock), false, 'the socket is removed on stop');
  });

  test('a socket path too long for the kernel is a clear config error', async () => {
    const dir = tmpDir();
    dirs.push(dir);
    const sock = path.join(dir, 'x'.repeat(120) + '.sock');
    const configDir = writeConfig(dir, { manager: { control: { socket: sock } } });
    await assert.rejects(
      startDaemon({ configDir, consoleLog: false }),
      /control\.socket: .* bytes long, more than the 107/,
    );
  });

  test('loopback detection and the constant-time token comparison', () => {
    for (const h of ['127.0.0.1', '127.1.2.3', '::1', '[::1]', 'localhost', '::ffff:127.0.0.1'])
      assert.ok(isLoopback(h), h);
    for (const h of ['0.0.0.0', '10.0.0.1', '::', 'example.com', '128.0.0.1']) assert.ok(!isLoopback(h), h);
    assert.ok(sameSecret('abc', 'abc'));
    assert.ok(!sameSecret('abc', 'abcd'));
    assert.ok(!sameSecret('', 'abc'));
  });
});
