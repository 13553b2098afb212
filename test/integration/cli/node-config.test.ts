/**
 * Per-instance `overrides`, `args+`, conflict checks and ignored node files,
 * through the built CLI and a real daemon: `config show` and `config check`
 * offline, instances spawned with their override (read back from /proc), a
 * conflicting config refused by `run` and by `reload` with nothing changed,
 * and the warning for a file nodes/ ignores, printed and logged.
 */
import { after, before, describe, test } from 'node:test';
import assert from 'node:assert/strict';
import fs from 'node:fs';
import net from 'node:net';
import path from 'node:path';
import { startDaemon } from '../../../src/daemon.js';
import {
  runCli,
  simArgs,
  startTestDaemon,
  tmpDir,
  waitUntil,
  writeConfig,
  writeNode,
  type TestDaemon,
} from '../../helpers/daemon.js';

const dirs: string[] = [];
after(() => dirs.forEach((d) => fs.rmSync(d, { recursive: true, force: true })));

function configWith(nodes: Record<string, Record<string, unknown>>): string {
  const dir = tmpDir();
  dirs.push(dir);
  return writeConfig(dir, { nodes });
}

function argvOf(pid: number): string[] {
  return fs.readFileSync(`/proc/${pid}/cmdline`, 'utf8').split('\0').slice(0, -1);
}

function envOf(pid: number): Record<string, string> {
  const pairs = fs.readFileSync(`/proc/${pid}/environ`, 'utf8').split('\0').filter(Boolean);
  return Object.fromEntries(pairs.map((p) => [p.slice(0, p.indexOf('=')), p.slice(p.indexOf('=') + 1)]));
}

/** A port nobody listens on right now (the sim binds it later). */
async function freePort(): Promise<number> {
  const server = net.createServer();
  await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
  const { port } = server.address() as net.AddressInfo;
  await new Promise<void>((resolve) => server.close(() => resolve()));
  return port;
}

const KMD = {
  instances: 3,
  env: { ROLE: 'plain' },
  overrides: { '2': { env: { ROLE: 'second-{{index}}' }, 'args+': ['--peers', '{{add 5 index}}'] } },
};

describe('config show and config check (offline)', { timeout: 120_000 }, () => {
  test('config show kmd-2 has its override applied, kmd-1 does not', async () => {
    const configDir = configWith({ kmd: KMD });
    const two = await runCli(configDir, ['config', 'show', 'kmd-2']);
    assert.equal(two.code, 0, two.stderr);
    const spec2 = JSON.parse(two.stdout) as { env: Record<string, string>; args: string[] };
    assert.deepEqual(spec2.env, { ROLE: 'second-2' });
    assert.deepEqual(spec2.args.slice(-2), ['--peers', '7']);
    const one = await runCli(configDir, ['config', 'show', 'kmd-1']);
    assert.equal(one.code, 0, one.stderr);
    const spec1 = JSON.parse(one.stdout) as { env: Record<string, string>; args: string[] };
    assert.deepEqual(spec1.env, { ROLE: 'plain' });
    assert.ok(!spec1.args.includes('--peers'), spec1.args.join(' '));
  });

  test('args+ appends to the template args in config show', async () => {
    const configDir = configWith({ a: { 'args+': ['--peers', '4'] } });
    const r = await runCli(configDir, ['config', 'show', 'a']);
    assert.equal(r.code, 0, r.stderr);
    const spec = JSON.parse(r.stdout) as { args: string[] };
    // The template's simArgs (sim path, --name a, --block-ms 1000), then the appended pair.
    assert.deepEqual(spec.args.slice(1), ['--name', 'a', '--block-ms', '1000', '--peers', '4']);
  });

  test('an override for a missing instance: exit 2 naming file and key', async () => {
    const configDir = configWith({ kmd: { instances: 3, overrides: { '7': { priority: 1 } } } });
    const r = await runCli(configDir, ['config', 'check']);
    assert.equal(r.code, 2, r.stdout);
    assert.match(r.stderr, /^ {2}nodes\/kmd\.json: overrides\.7: no such instance \(instances is 3\)$/m);
  });

  test('a port clash: exit 2, the message names both nodes, both files and the key', async () => {
    const configDir = configWith({
      a: { args: simArgs('--port', '9000') },
      b: { args: simArgs('--port=9000') },
    });
    const r = await runCli(configDir, ['config', 'check']);
    assert.equal(r.code, 2, r.stdout);
    assert.match(
      r.stderr,
      /^ {2}nodes\/b\.json: args: port 9000 is also used by node a \(nodes\/a\.json\)$/m,
    );
    const j = await runCli(configDir, ['config', 'check', '--json']);
    assert.equal(j.code, 2);
    const out = JSON.parse(j.stdout) as {
      ok: boolean;
      issues: { file: string; key: string; message: string }[];
    };
    assert.equal(out.ok, false);
    assert.deepEqual(
      out.issues.map((i) => [path.relative(configDir, i.file), i.key, i.message]),
      [['nodes/b.json', 'args', 'port 9000 is also used by node a (nodes/a.json)']],
    );
  });

  test('a shared dataDir and one inside another: exit 2 naming both nodes and files', async () => {
    const dir = tmpDir();
    dirs.push(dir);
    const configDir = writeConfig(dir, {
      nodes: {
        a: { dataDir: path.join(dir, 'data', 'shared') },
        b: { dataDir: path.join(dir, 'data', 'shared') },
        c: { dataDir: path.join(dir, 'data', 'shared', 'inner') },
      },
    });
    const r = await runCli(configDir, ['config', 'check']);
    assert.equal(r.code, 2, r.stdout);
    assert.match(
      r.stderr,
      /^ {2}nodes\/b\.json: dataDir: is also the dataDir of node "a" \(nodes\/a\.json\)/m,
    );
    assert.match(
      r.stderr,
      /^ {2}nodes\/c\.json: dataDir: is inside the dataDir of node a \(nodes\/a\.json\)/m,
    );
  });

  test('a file nodes/ ignores is a warning on stderr (and under warnings with --json); exit stays 0', async () => {
    const configDir = configWith({ a: {} });
    fs.writeFileSync(path.join(configDir, 'nodes', 'x.yaml'), 'binary: /bin/true\n');
    const r = await runCli(configDir, ['config', 'check']);
    assert.equal(r.code, 0, r.stderr);
    assert.equal(r.stderr, 'nodewarden: warning: nodes/x.yaml: ignored (node files end in .json)\n');
    assert.match(r.stdout, /is valid: 1 node\(s\)/);
    const j = await runCli(configDir, ['config', 'check', '--json']);
    assert.equal(j.code, 0, j.stderr);
    assert.equal(j.stderr, '');
    const out = JSON.parse(j.stdout) as { ok: boolean; warnings: { file: string; message: string }[] };
    assert.equal(out.ok, true);
    assert.deepEqual(
      out.warnings.map((w) => [path.relative(configDir, w.file), w.message]),
      [['nodes/x.yaml', 'ignored (node files end in .json)']],
    );
  });

  test('run refuses a conflicting config: exit 2 with the conflict, nothing started', async () => {
    // autostart off: even a run that wrongly went ahead would spawn no node.
    const configDir = configWith({
      a: { autostart: false, args: simArgs('--port', '9100') },
      b: { autostart: false, args: simArgs('--port', '9100') },
    });
    const r = await runCli(configDir, ['run']);
    assert.equal(r.code, 2, r.stdout);
    assert.match(r.stderr, /nodes\/b\.json: args: port 9100 is also used by node a \(nodes\/a\.json\)/);
  });
});

describe('a daemon running instances with an override', { timeout: 120_000 }, () => {
  let t: TestDaemon;
  let pids: Record<string, number>;
  let port: number;
  before(async () => {
    port = await freePort();
    t = await startTestDaemon({ nodes: { kmd: KMD, web: { args: simArgs('--port', String(port)) } } });
    pids = await t.waitRunning();
  });
  after(async () => t?.close());

  test('instance 2 runs with its own args and env; 1 and 3 with the file settings', () => {
    assert.deepEqual(Object.keys(pids).sort(), ['kmd-1', 'kmd-2', 'kmd-3', 'web']);
    const argv2 = argvOf(pids['kmd-2']!);
    assert.deepEqual(argv2.slice(-2), ['--peers', '7']);
    assert.equal(envOf(pids['kmd-2']!).ROLE, 'second-2');
    for (const n of ['kmd-1', 'kmd-3']) {
      assert.ok(!argvOf(pids[n]!).includes('--peers'), argvOf(pids[n]!).join(' '));
      assert.equal(envOf(pids[n]!).ROLE, 'plain');
    }
  });

  test('a reload that would introduce a port conflict is refused; running nodes are untouched', async () => {
    writeNode(t.configDir, 'clash', { args: simArgs('--port', String(port)) });
    writeNode(t.configDir, 'web', { args: simArgs('--port', String(port)), priority: 3 });
    const r = await t.cli(['reload']);
    assert.equal(r.code, 2, r.stdout);
    assert.match(r.stderr, /^nodewarden: reload refused, nothing changed/);
    assert.ok(
      r.stderr.includes(`nodes/web.json: args: port ${port} is also used by node clash (nodes/clash.json)`),
      r.stderr,
    );
    assert.deepEqual(t.daemon.supervisor.names().sort(), ['kmd-1', 'kmd-2', 'kmd-3', 'web']);
    assert.equal(t.daemon.supervisor.spec('web')!.priority, 100, 'the live setting was not taken either');
    for (const [name, pid] of Object.entries(pids)) assert.equal(t.pid(name), pid, name);
    const stored = t.daemon.store.queryEvents({ type: 'config_error' });
    assert.equal(stored.length, 1);
    fs.rmSync(path.join(t.configDir, 'nodes', 'clash.json'));
  });

  test('a reload logs a warning for a file nodes/ ignores', async () => {
    fs.writeFileSync(path.join(t.configDir, 'nodes', 'kmd.json~'), '{}');
    const r = await t.cli(['reload']);
    assert.equal(r.code, 0, r.stderr);
    const log = path.join(t.daemon.manager.logDir, 'nodewarden.log');
    await waitUntil(
      () =>
        fs.existsSync(log) &&
        fs.readFileSync(log, 'utf8').includes('nodes/kmd.json~: ignored (node files end in .json)'),
      'the warning in nodewarden.log',
    );
    for (const [name, pid] of Object.entries(pids)) if (name !== 'web') assert.equal(t.pid(name), pid, name);
  });
});

test('the daemon logs the warning for an ignored file at start', { timeout: 60_000 }, async () => {
  const dir = tmpDir();
  dirs.push(dir);
  const configDir = writeConfig(dir, {});
  fs.mkdirSync(path.join(configDir, 'nodes', 'old'));
  const daemon = await startDaemon({ configDir, consoleLog: false });
  try {
    const log = path.join(daemon.manager.logDir, 'nodewarden.log');
    await waitUntil(
      () => fs.existsSync(log) && fs.readFileSync(log, 'utf8').includes('nodes/old: ignored (a directory'),
      'the warning in nodewarden.log',
    );
  } finally {
    await daemon.stop();
  }
});
