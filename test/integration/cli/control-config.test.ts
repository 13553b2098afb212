/**
 * What `nodewarden run` refuses about its control setup, `config check`
 * refuses too, with the same message and exit 2, and neither touches a node;
 * and `run` with a TCP listener prints the status page's URL with its token
 * as the first line of stdout, the same URL on every start.
 */
import { after, describe, test } from 'node:test';
import assert from 'node:assert/strict';
import { spawn } from 'node:child_process';
import fs from 'node:fs';
import path from 'node:path';
import { ControlClient } from '../../../src/protocol/client.js';
import { isAlive, readStartTime } from '../../../src/supervisor/proc.js';
import { CLI, runCli, tmpDir, waitUntil, writeConfig, type TestConfig } from '../../helpers/daemon.js';
import { freePort, tcpRequest } from '../api/tcp.js';

/** The error report of a verb: stderr from its `nodewarden:` line on, without the hint (each verb's fits it). */
function report(stderr: string): string {
  const at = stderr.indexOf('nodewarden: ');
  return (at < 0 ? stderr : stderr.slice(at)).replace(/^hint: .*\n?/m, '');
}

describe('config check refuses what run refuses', { timeout: 180_000 }, () => {
  const dirs: string[] = [];
  after(() => {
    for (const d of dirs) fs.rmSync(d, { recursive: true, force: true });
  });

  const cases: Array<{
    what: string;
    manager: (dir: string, port: number) => TestConfig['manager'];
    prepare?: (dir: string) => void;
    message: RegExp;
  }> = [
    {
      what: 'a non-loopback control host without a token',
      manager: (_d, port) => ({ control: { http: { host: '0.0.0.0', port } } }),
      message: /nodewarden\.json: control\.http\.host: is not loopback and control\.http\.token is not set/,
    },
    {
      what: 'a control socket path taken by a file that is not a socket',
      manager: (dir) => ({ control: { socket: path.join(dir, 'not-a-socket') } }),
      prepare: (dir) => fs.writeFileSync(path.join(dir, 'not-a-socket'), 'keep me'),
      message: /control\.socket: .*not-a-socket exists and is not a socket/,
    },
    {
      what: 'a control socket path too long for the kernel',
      manager: (dir) => ({ control: { socket: path.join(dir, `${'s'.repeat(110)}.sock`) } }),
      message: /control\.socket: .* bytes long, more than the 107/,
    },
    {
      what: 'an allowed host that is a URL, not a name',
      manager: (_d, port) => ({
        control: { http: { host: '127.0.0.1', port, allowedHosts: ['https://nodes.example.com'] } },
      }),
      message: /control\.http\.allowedHosts: "https:\/\/nodes\.example\.com" is not a host name/,
    },
    {
      what: 'a token file that is a symbolic link',
      manager: (_d, port) => ({ control: { http: { host: '127.0.0.1', port } } }),
      prepare: (dir) => {
        fs.mkdirSync(path.join(dir, 'state'), { mode: 0o700 });
        fs.writeFileSync(path.join(dir, 'theirs'), 't'.repeat(40), { mode: 0o600 });
        fs.symlinkSync(path.join(dir, 'theirs'), path.join(dir, 'state', 'http.token'));
      },
      message: /state\/http\.token: is a symbolic link/,
    },
    {
      what: 'a token file other users can read',
      manager: (_d, port) => ({ control: { http: { host: '127.0.0.1', port } } }),
      prepare: (dir) => {
        fs.mkdirSync(path.join(dir, 'state'), { mode: 0o700 });
        fs.writeFileSync(path.join(dir, 'state', 'http.token'), 't'.repeat(40));
        fs.chmodSync(path.join(dir, 'state', 'http.token'), 0o644);
      },
      message: /state\/http\.token: is mode 0644/,
    },
  ];

  for (const c of cases) {
    test(`${c.what}: both exit 2 with the same message; no node is started`, async () => {
      const dir = tmpDir();
      dirs.push(dir);
      const configDir = writeConfig(dir, { nodes: { n: {} }, manager: c.manager(dir, await freePort()) });
      c.prepare?.(dir);
      const before = snapshot(dir);

      const check = await runCli(configDir, ['config', 'check']);
      assert.equal(check.code, 2, `config check: ${check.stdout}${check.stderr}`);
      assert.match(check.stderr, c.message);
      assert.match(check.stderr, /^nodewarden: config .* is invalid \(1 problem\):\n/);
      assert.deepEqual(snapshot(dir), before, 'config check changed nothing');

      const json = await runCli(configDir, ['config', 'check', '--json']);
      assert.equal(json.code, 2);
      const parsed = JSON.parse(json.stdout) as { ok: boolean; issues: Array<{ message: string }> };
      assert.equal(parsed.ok, false);
      assert.equal(parsed.issues.length, 1);

      const run = await runCli(configDir, ['run']);
      assert.equal(run.code, 2, `run: ${run.stdout}${run.stderr}`);
      assert.equal(report(run.stderr), report(check.stderr));
      assert.equal(run.stdout, '');
      assert.equal(fs.existsSync(path.join(dir, 'logs', 'n.log')), false, 'no node was started');
      if (fs.existsSync(path.join(dir, 'theirs')))
        assert.equal(fs.readFileSync(path.join(dir, 'theirs'), 'utf8'), 't'.repeat(40));
      if (fs.existsSync(path.join(dir, 'not-a-socket')))
        assert.equal(fs.readFileSync(path.join(dir, 'not-a-socket'), 'utf8'), 'keep me');
    });
  }

  test('config check lists the control problems with every other problem', async () => {
    const dir = tmpDir();
    dirs.push(dir);
    const configDir = writeConfig(dir, {
      nodes: { n: { restart: { maxRetries: -1 } } },
      manager: { control: { http: { host: '0.0.0.0', port: await freePort() } } },
    });
    const check = await runCli(configDir, ['config', 'check']);
    assert.equal(check.code, 2);
    assert.match(check.stderr, /is invalid \(2 problems\)/);
    assert.match(check.stderr, /restart\.maxRetries/);
    assert.match(check.stderr, /control\.http\.host: is not loopback/);
  });
});

/** Every path under dir with its type and content (files) or target (links). */
function snapshot(dir: string): Record<string, string> {
  const out: Record<string, string> = {};
  const walk = (d: string): void => {
    for (const name of fs.readdirSync(d)) {
      const p = path.join(d, name);
      const st = fs.lstatSync(p);
      if (st.isDirectory()) {
        out[p] = 'dir';
        walk(p);
      } else if (st.isSymbolicLink()) out[p] = `link ${fs.readlinkSync(p)}`;
      else out[p] = `file ${st.mode & 0o777} ${fs.readFileSync(p, 'utf8')}`;
    }
  };
  walk(dir);
  return out;
}

describe('nodewarden run with a TCP listener', { timeout: 120_000 }, () => {
  const dirs: string[] = [];
  const nodes = new Map<number, string | null>();
  after(() => {
    for (const [pid, startTime] of nodes) {
      if (isAlive(pid, startTime ?? undefined)) process.kill(pid, 'SIGKILL');
    }
    for (const d of dirs) fs.rmSync(d, { recursive: true, force: true });
  });

  /** Start `run`, wait for its first stdout line and for node n to run; stop it with SIGTERM later. */
  async function start(
    configDir: string,
    socket: string,
  ): Promise<{ firstLine: string; stop(): Promise<number | null> }> {
    const manager = spawn(process.execPath, [CLI, '--config', configDir, 'run'], {
      stdio: ['ignore', 'pipe', 'pipe'],
    });
    let stdout = '';
    let stderr = '';
    manager.stdout!.setEncoding('utf8').on('data', (d: string) => (stdout += d));
    manager.stderr!.setEncoding('utf8').on('data', (d: string) => (stderr += d));
    const exited = new Promise<number | null>((r) => manager.once('exit', (code) => r(code)));
    const client = new ControlClient({ socketPath: socket });
    try {
      await waitUntil(
        async () => {
          if (manager.exitCode !== null) throw new Error(`run exited ${manager.exitCode}: ${stderr}`);
          const rows = await client.status().catch(() => []);
          for (const r of rows) if (r.pid !== null) nodes.set(r.pid, readStartTime(r.pid));
          return stdout.includes('\n') && rows.length === 1 && rows[0]!.state === 'running';
        },
        'run printed its first line and node n runs',
        30_000,
      );
    } catch (err) {
      manager.kill('SIGKILL');
      throw err;
    }
    return {
      firstLine: stdout.slice(0, stdout.indexOf('\n')),
      stop: async () => {
        manager.kill('SIGTERM'); // by the child's pid
        return exited;
      },
    };
  }

  test('prints the status page URL with the generated token first; the link works and stays the same', async () => {
    const dir = tmpDir();
    dirs.push(dir);
    const port = await freePort();
    const configDir = writeConfig(dir, {
      nodes: { n: {} },
      manager: { control: { http: { host: '127.0.0.1', port } } },
    });
    const socket = path.join(dir, 'state', 'nodewarden.sock');
    const first = await start(configDir, socket);
    let url: URL;
    try {
      const m = /^status page: (http:\/\/127\.0\.0\.1:(\d+)\/\?token=([A-Za-z0-9_-]{43}))$/.exec(
        first.firstLine,
      );
      assert.ok(m, first.firstLine);
      assert.equal(Number(m[2]), port);
      const file = path.join(dir, 'state', 'http.token');
      assert.equal(fs.readFileSync(file, 'utf8').trim(), m[3]);
      assert.equal(fs.statSync(file).mode & 0o777, 0o600);
      url = new URL(m[1]!);
      const page = await tcpRequest(port, { path: `${url.pathname}${url.search}` });
      assert.equal(page.status, 200);
      assert.match(page.text, /<title>nodewarden<\/title>/);
      const status = await tcpRequest(port, {
        path: '/api/status',
        headers: { authorization: `Bearer ${m[3]}` },
      });
      assert.equal(status.status, 200);
    } finally {
      assert.equal(await first.stop(), 0);
    }
    const second = await start(configDir, socket);
    try {
      assert.equal(second.firstLine, `status page: ${url.href}`);
    } finally {
      assert.equal(await second.stop(), 0);
    }
  });
});
