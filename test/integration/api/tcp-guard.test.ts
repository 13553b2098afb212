/**
 * The TCP control listener against a real daemon over real loopback HTTP:
 * the token it generates when none is configured, the `Host` names it
 * answers to (a forged or DNS-rebound name is refused before any handler
 * runs), the refusal of state changes from foreign origins, where the token
 * may travel, and the Unix socket that needs none of this.
 */
import { after, before, describe, test } from 'node:test';
import assert from 'node:assert/strict';
import fs from 'node:fs';
import http from 'node:http';
import path from 'node:path';
import { controlServerOf } from '../../../src/api/server.js';
import { startDaemon } from '../../../src/daemon.js';
import { startTestDaemon, tmpDir, writeConfig, type TestDaemon } from '../../helpers/daemon.js';
import { assertConfigRefused, fleetWithHttp } from './refusal.js';
import { freePort, tcpRequest } from './tcp.js';

describe('the TCP control listener', { timeout: 120_000 }, () => {
  let t: TestDaemon;
  let port: number;
  let token: string;
  let pids: Record<string, number>;
  const tokenFile = (): string => path.join(t.dir, 'state', 'http.token');
  const bearer = (): Record<string, string> => ({ authorization: `Bearer ${token}` });
  /** Both nodes still run the processes they ran before the test's requests. */
  const untouched = (): void => {
    for (const [n, pid] of Object.entries(pids)) {
      const s = t.daemon.supervisor.runner(n)!.snapshot();
      assert.equal(s.state, 'running', `${n} is still running`);
      assert.equal(s.pid, pid, `${n} was not restarted`);
    }
  };

  before(async () => {
    port = await freePort();
    t = await startTestDaemon({
      nodes: { a: {}, b: {} },
      manager: { control: { http: { host: '127.0.0.1', port, allowedHosts: ['Nodes.Example.com'] } } },
    });
    pids = await t.waitRunning();
    token = fs.readFileSync(tokenFile(), 'utf8').trim();
  });
  after(async () => {
    await t?.close();
  });

  test('without control.http.token a token is generated into stateDir (mode 0600) and always required', async () => {
    const st = fs.lstatSync(tokenFile());
    assert.ok(st.isFile());
    assert.equal(st.mode & 0o777, 0o600);
    assert.match(token, /^[A-Za-z0-9_-]{43}$/);
    assert.equal(controlServerOf(t.daemon)?.pageUrl, `http://127.0.0.1:${port}/?token=${token}`);

    const anon = await tcpRequest(port, { path: '/api/status' });
    assert.equal(anon.status, 401);
    assert.equal(anon.json.error?.code, 'E_UNAUTHORIZED');
    const ok = await tcpRequest(port, { path: '/api/status', headers: bearer() });
    assert.equal(ok.status, 200);
    assert.equal((ok.json as unknown as unknown[]).length, 2);
    // What a page of any site could send blind: a bodiless POST, no preflight.
    for (const p of ['/api/shutdown', '/api/nodes/all/stop']) {
      const r = await tcpRequest(port, { method: 'POST', path: p });
      assert.equal(r.status, 401, p);
      assert.equal(r.json.error?.code, 'E_UNAUTHORIZED');
    }
    untouched();
  });

  test('a forged or DNS-rebound Host is refused with 421 before any handler runs, even with the token', async () => {
    for (const host of [
      'evil.example',
      `evil.example:${port}`,
      `rebound.attacker.test:${port}`,
      `127.0.0.1.nip.io:${port}`,
      `localhost.evil.example:${port}`,
      `[::2]:${port}`,
      `10.0.0.1:${port}`,
      `0.0.0.0:${port}`,
      'nodes.example.com.evil.example',
      'a b',
    ]) {
      for (const p of ['/api/nodes/all/stop', '/api/shutdown']) {
        const r = await tcpRequest(port, { method: 'POST', path: p, headers: { ...bearer(), host } });
        assert.equal(r.status, 421, `${host} ${p}`);
        assert.equal(r.json.error?.code, 'E_HOST_NOT_ALLOWED');
        if (host !== 'a b')
          assert.ok(r.json.error?.message.includes(host.slice(0, 20)), r.json.error?.message);
      }
    }
    untouched();
    for (const host of [
      `127.0.0.1:${port}`,
      `localhost:${port}`,
      'LOCALHOST',
      `status.localhost:${port}`,
      '127.5.6.7',
      `[::1]:${port}`,
      'nodes.example.com',
      'NODES.example.com:443',
    ]) {
      const r = await tcpRequest(port, { path: '/api/hello', headers: { ...bearer(), host } });
      assert.equal(r.status, 200, host);
    }
  });

  test('a state-changing request from a foreign Origin is refused with 403, with or without the token', async () => {
    const evil = 'http://evil.example';
    const noToken = await tcpRequest(port, {
      method: 'POST',
      path: '/api/shutdown',
      headers: { origin: evil },
    });
    assert.equal(noToken.status, 403);
    assert.equal(noToken.json.error?.code, 'E_ORIGIN_NOT_ALLOWED');
    for (const origin of [
      evil,
      'null',
      `http://127.0.0.1.evil.example:${port}`,
      'file://',
      'chrome-extension://x',
      // Another web app on this host, on another port, is another origin too.
      `http://127.0.0.1:${port + 1}`,
      'http://127.0.0.1',
      `http://localhost:${port}`,
    ]) {
      for (const [method, p] of [
        ['POST', '/api/nodes/all/stop'],
        ['POST', '/api/actions/restart'],
        ['POST', '/api/reload'],
        ['DELETE', '/api/status'],
      ] as const) {
        const body = p === '/api/actions/restart' ? { targets: ['all'] } : undefined;
        const r = await tcpRequest(port, { method, path: p, headers: { ...bearer(), origin }, body });
        assert.equal(r.status, 403, `${origin} ${method} ${p}`);
        assert.equal(r.json.error?.code, 'E_ORIGIN_NOT_ALLOWED');
      }
    }
    untouched();
    // The page's own origin (as its Host names it), and the reverse proxy's, may change state.
    for (const [origin, host] of [
      [`http://127.0.0.1:${port}`, `127.0.0.1:${port}`],
      [`http://localhost:${port}`, `localhost:${port}`],
      [`http://[::1]:${port}`, `[::1]:${port}`],
      ['https://nodes.example.com', `127.0.0.1:${port}`],
      ['https://nodes.example.com', 'nodes.example.com'],
    ]) {
      for (const verb of ['hold', 'release']) {
        const r = await tcpRequest(port, {
          method: 'POST',
          path: `/api/nodes/a/${verb}`,
          headers: { ...bearer(), origin: origin!, host: host! },
        });
        assert.equal(r.status, 200, `${origin} ${host} ${verb}: ${r.text}`);
      }
    }
    // Reading is no state change (and a foreign page never gets to see the answer).
    const read = await tcpRequest(port, { path: '/api/status', headers: { ...bearer(), origin: evil } });
    assert.equal(read.status, 200);
  });

  test('the token counts only as a bearer header, or as ?token= on the status page and its stream', async () => {
    const wrong: Array<[string, string, Record<string, string>]> = [
      ['POST', `/api/shutdown?token=${token}`, {}],
      ['POST', `/api/nodes/all/stop?token=${token}`, {}],
      ['GET', `/api/status?token=${token}`, {}],
      ['GET', '/api/status', { 'x-token': token }],
      ['GET', '/api/status', { authorization: token }],
      ['GET', '/api/status', { authorization: `Basic ${Buffer.from(`:${token}`).toString('base64')}` }],
      ['GET', '/api/status', { cookie: `token=${token}` }],
      ['GET', '/?token=wrong', {}],
      ['GET', `/api/stream?token=${token}x`, {}],
    ];
    for (const [method, p, headers] of wrong) {
      const r = await tcpRequest(port, { method, path: p, headers });
      assert.equal(r.status, 401, `${method} ${p} ${JSON.stringify(headers)}`);
      assert.equal(r.json.error?.code, 'E_UNAUTHORIZED');
    }
    untouched();
    const page = await tcpRequest(port, { path: `/?token=${token}` });
    assert.equal(page.status, 200);
    assert.match(String(page.headers['content-type']), /^text\/html/);
  });

  test('the Unix socket needs no token and no Host check: its file mode is the authentication', async () => {
    assert.equal(fs.statSync(t.daemon.manager.control.socket).mode & 0o777, 0o600);
    assert.equal((await t.client.status()).length, 2);
    const status = await new Promise<number>((resolve, reject) => {
      const req = http.request(
        {
          socketPath: t.daemon.manager.control.socket,
          path: '/api/status',
          headers: { host: 'evil.example' },
        },
        (res) => {
          res.resume();
          resolve(res.statusCode ?? 0);
        },
      );
      req.on('error', reject);
      req.end();
    });
    assert.equal(status, 200);
  });
});

describe('the generated token', { timeout: 120_000 }, () => {
  const dirs: string[] = [];
  after(() => {
    for (const d of dirs) fs.rmSync(d, { recursive: true, force: true });
  });

  test('stays the same across restarts; a configured token is used instead and no file is made', async () => {
    const dir = tmpDir();
    dirs.push(dir);
    const port = await freePort();
    const configDir = writeConfig(dir, { manager: { control: { http: { host: '127.0.0.1', port } } } });
    const file = path.join(dir, 'state', 'http.token');
    const first = await startDaemon({ configDir, consoleLog: false });
    let token: string;
    try {
      token = fs.readFileSync(file, 'utf8').trim();
    } finally {
      await first.stop();
    }
    const ino = fs.statSync(file).ino;
    const second = await startDaemon({ configDir, consoleLog: false });
    try {
      assert.equal(fs.readFileSync(file, 'utf8').trim(), token);
      assert.equal(fs.statSync(file).ino, ino, 'the file was reused, not remade');
      const r = await tcpRequest(port, { path: '/api/hello', headers: { authorization: `Bearer ${token}` } });
      assert.equal(r.status, 200);
      assert.equal(controlServerOf(second)?.pageUrl, `http://127.0.0.1:${port}/?token=${token}`);
    } finally {
      await second.stop();
    }

    const other = tmpDir();
    dirs.push(other);
    const port2 = await freePort();
    const configured = writeConfig(other, {
      manager: { control: { http: { host: '127.0.0.1', port: port2, token: 'a-configured-token' } } },
    });
    const third = await startDaemon({ configDir: configured, consoleLog: false });
    try {
      assert.equal(fs.existsSync(path.join(other, 'state', 'http.token')), false);
      const r = await tcpRequest(port2, {
        path: '/api/hello',
        headers: { authorization: 'Bearer a-configured-token' },
      });
      assert.equal(r.status, 200);
      assert.equal(controlServerOf(third)?.pageUrl, `http://127.0.0.1:${port2}/?token=a-configured-token`);
    } finally {
      await third.stop();
    }
  });

  test('a token file that is a link, readable by others or not a token refuses the start; nothing is touched', async () => {
    const { dir, configDir } = await fleetWithHttp(dirs, '127.0.0.1');
    const state = path.join(dir, 'state');
    const file = path.join(state, 'http.token');
    const elsewhere = path.join(dir, 'elsewhere');
    fs.mkdirSync(state, { mode: 0o700 });
    fs.writeFileSync(elsewhere, 'x'.repeat(40), { mode: 0o600 });
    const cases: Array<[() => void, RegExp]> = [
      [() => fs.symlinkSync(elsewhere, file), /http\.token: is a symbolic link/],
      [() => fs.symlinkSync(path.join(dir, 'missing'), file), /http\.token: is a symbolic link/],
      [() => fs.writeFileSync(file, 'y'.repeat(40), { mode: 0o644 }), /http\.token: is mode 0644/],
      [
        () => fs.writeFileSync(file, 'short', { mode: 0o600 }),
        /http\.token: must hold one token of at least 16/,
      ],
      [() => fs.mkdirSync(file), /http\.token: is not a regular file/],
    ];
    for (const [plant, message] of cases) {
      plant();
      await assertConfigRefused(configDir, message);
      assert.equal(fs.existsSync(path.join(dir, 'logs', 'n.log')), false, 'no node was started');
      assert.equal(fs.readFileSync(elsewhere, 'utf8'), 'x'.repeat(40), 'the link target is untouched');
      fs.rmSync(file, { recursive: true, force: true });
    }
    assert.deepEqual(
      fs.readdirSync(state).filter((f) => f.includes('http.token')),
      [],
      'no half-made token file is left behind',
    );
  });
});
