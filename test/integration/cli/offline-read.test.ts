/**
 * The read verbs with the daemon down: `events`, `uptime`, `export` and
 * `status` answer from the state database opened read-only, marked as such,
 * after a clean shutdown and after a manager that was SIGKILLed (its WAL
 * files left behind, its nodes still running); and config discovery without
 * `--config` (./configs, then the system directory).
 */
import { after, afterEach, describe, test } from 'node:test';
import assert from 'node:assert/strict';
import { spawn, spawnSync } from 'node:child_process';
import { createHash } from 'node:crypto';
import fs from 'node:fs';
import http from 'node:http';
import path from 'node:path';
import { pathToFileURL } from 'node:url';
import {
  CLI,
  collectOutput,
  runCli,
  startTestDaemon,
  tmpDir,
  writeConfig,
  type CliResult,
} from '../../helpers/daemon.js';
import { PROTOCOL_HEADER, PROTOCOL_VERSION } from '../../../src/protocol/types.js';
import { openReadOnlyStore } from '../../../src/store/read-only.js';
import { alive, DIST, Fleet, pidOf, waitGone, waitUntil } from '../core/harness.js';

interface Row {
  name: string;
  state: string;
  health: string;
  pid: number | null;
  restarts: number;
  cpuPercent: number | null;
  rssBytes: number | null;
  height: number | null;
  source?: string;
  recordedAt?: string | null;
}

const TIME = '\\d{4}-\\d\\d-\\d\\dT\\d\\d:\\d\\d:\\d\\dZ';
const escape = (s: string): string => s.replace(/[.*+?^${}()|[\]\\]/g, '\\$&');
/** The marker line of an answer read from `db`. */
const marker = (db: string): RegExp =>
  new RegExp(`^nodewarden is not running \\(last known state from ${escape(db)}, recorded ${TIME}\\)$`);
const firstLine = (text: string): string => text.split('\n')[0]!;
const sha = (file: string): string => createHash('sha256').update(fs.readFileSync(file)).digest('hex');

/** The built CLI in `cwd` with `env` (NODEWARDEN_CONFIG removed unless given), run through `wrapper` if any. */
function runIn(
  cwd: string,
  args: string[],
  env: NodeJS.ProcessEnv = {},
  wrapper: string[] = [],
): Promise<CliResult> {
  const full: NodeJS.ProcessEnv = { ...process.env };
  delete full.NODEWARDEN_CONFIG;
  delete full.NODEWARDEN_SYSTEM_CONFIG;
  const [cmd, ...pre] = [...wrapper, process.execPath, CLI, ...args];
  const child = spawn(cmd!, pre, {
    cwd,
    env: { ...full, ...env },
    stdio: ['ignore', 'pipe', 'pipe'],
  });
  return collectOutput(child, `nodewarden ${args.join(' ')}`);
}

describe('read verbs with the daemon down', { timeout: 180_000 }, () => {
  const cleanups: Array<() => Promise<void> | void> = [];
  afterEach(async () => {
    for (const c of cleanups.splice(0).reverse()) await c();
  });

  test('after a shutdown: events, uptime, export and status answer from the database, marked, without writing it', async () => {
    const t = await startTestDaemon({ nodes: { a: {}, b: {} } });
    cleanups.push(() => t.close());
    await t.waitRunning();
    const restart = await t.cli(['restart', 'a', '--wait']);
    assert.equal(restart.code, 0, restart.stderr);
    await t.waitRunning();
    const shutdown = await t.cli(['shutdown']);
    assert.equal(shutdown.code, 0, shutdown.stderr);
    await t.daemon.stopped;

    const db = path.join(t.dir, 'state', 'nodewarden.db');
    const before = sha(db);
    const isMarker = marker(db);

    const events = await t.cli(['events']);
    assert.equal(events.code, 0, events.stderr);
    assert.match(firstLine(events.stdout), isMarker);
    assert.match(events.stdout, /\ba\b.*restarting/);
    assert.match(events.stdout, /manager_stopped/);

    const eventsJson = await t.cli(['events', '--json']);
    assert.equal(eventsJson.code, 0, eventsJson.stderr);
    assert.match(firstLine(eventsJson.stderr), isMarker);
    const list = JSON.parse(eventsJson.stdout) as Array<{ type: string; node: string | null; ts: number }>;
    assert.ok(Array.isArray(list));
    assert.equal(list[0]!.type, 'manager_started', 'oldest first, as with the daemon up');
    assert.equal(list[list.length - 1]!.type, 'manager_stopped');
    assert.ok(list.some((e) => e.type === 'restarting' && e.node === 'a'));
    assert.ok(list.some((e) => e.type === 'manager_started'));
    const filtered = await t.cli(['events', '--json', '--node', 'a', '--type', 'restarting']);
    assert.deepEqual(
      (JSON.parse(filtered.stdout) as Array<{ type: string; node: string }>).map((e) => [e.node, e.type]),
      [['a', 'restarting']],
    );

    const uptime = await t.cli(['uptime']);
    assert.equal(uptime.code, 0, uptime.stderr);
    assert.match(firstLine(uptime.stdout), isMarker);
    assert.match(uptime.stdout, /^a\s/m);
    assert.match(uptime.stdout, /^b\s/m);

    const uptimeJson = await t.cli(['uptime', '--json']);
    assert.equal(uptimeJson.code, 0, uptimeJson.stderr);
    assert.match(firstLine(uptimeJson.stderr), isMarker);
    const up = JSON.parse(uptimeJson.stdout) as {
      source: string;
      sinceMs: number;
      untilMs: number;
      nodes: Array<{ node: string; uptimePercent: number | null }>;
    };
    assert.equal(up.source, 'database');
    assert.deepEqual(up.nodes.map((n) => n.node).sort(), ['a', 'b']);
    for (const n of up.nodes) assert.ok(n.uptimePercent !== null && n.uptimePercent > 0, JSON.stringify(n));

    const csv = await t.cli(['export', 'events']);
    assert.equal(csv.code, 0, csv.stderr);
    assert.match(firstLine(csv.stderr), isMarker);
    const csvLines = csv.stdout.split('\r\n');
    assert.equal(csvLines[0], 'id,time,ts,node,type,severity,reason,details');
    assert.ok(csvLines.some((l) => /,a,restarting,/.test(l)));
    assert.equal(csvLines.filter((l) => l !== '').length - 1, list.length, 'every event, oldest first');

    const upExport = await t.cli(['export', 'uptime', '--format', 'json']);
    assert.equal(upExport.code, 0, upExport.stderr);
    assert.match(firstLine(upExport.stderr), isMarker);
    const upRows = JSON.parse(upExport.stdout) as Array<{ node: string; uptimePercent: number }>;
    assert.deepEqual(upRows.map((r) => r.node).sort(), ['a', 'b']);

    const status = await t.cli(['status']);
    assert.equal(status.code, 0, status.stderr);
    const lines = status.stdout.trimEnd().split('\n');
    assert.match(lines[0]!, isMarker);
    assert.match(lines[1]!, /^NAME\s+STATE\s+HEALTH\s+PID/);
    assert.match(lines[2]!, /^a\s+stopped\s+unknown\s+-\s+-\s+1\s+-\s+-\s+-\s+-\s+-$/);
    assert.match(lines[3]!, /^b\s+stopped\s+unknown\s+-\s+-\s+0\s+-\s+-\s+-\s+-\s+-$/);
    assert.equal(lines.length, 4);

    const statusJson = await t.cli(['status', '--json']);
    assert.equal(statusJson.code, 0, statusJson.stderr);
    assert.match(firstLine(statusJson.stderr), isMarker);
    const rows = JSON.parse(statusJson.stdout) as Row[];
    assert.deepEqual(
      rows.map((r) => [
        r.name,
        r.state,
        r.health,
        r.pid,
        r.restarts,
        r.cpuPercent,
        r.rssBytes,
        r.height,
        r.source,
      ]),
      [
        ['a', 'stopped', 'unknown', null, 1, null, null, null, 'database'],
        ['b', 'stopped', 'unknown', null, 0, null, null, null, 'database'],
      ],
    );
    assert.match(rows[0]!.recordedAt!, /^\d{4}-\d\d-\d\dT/);
    const one = await t.cli(['status', 'b', 'zz']);
    assert.equal(one.code, 1);
    assert.equal(one.stdout.trimEnd().split('\n').length, 3, one.stdout);
    assert.equal(one.stderr, 'zz: ERROR (no such node)\n');

    assert.equal(sha(db), before, 'the database file is not written');
  });

  test('globs with the daemon down are resolved against the configured names, as the daemon resolves them', async () => {
    const t = await startTestDaemon({ nodes: { ant: { instances: 2 }, bee: {} } });
    cleanups.push(() => t.close());
    await t.waitRunning();
    const NONE = [
      ['events', '--node', 'zzz-*'],
      ['export', 'events', '--node', 'zzz-*'],
      ['uptime', 'zzz-*'],
      ['export', 'events', '--node', 'ant-[9-1]'],
    ];
    const online: CliResult[] = [];
    for (const args of NONE) online.push(await t.cli(args));
    const shutdown = await t.cli(['shutdown']);
    assert.equal(shutdown.code, 0, shutdown.stderr);
    await t.daemon.stopped;
    const isMarker = marker(path.join(t.dir, 'state', 'nodewarden.db'));

    const json = await t.cli(['events', '--node', 'ant-*', '--json']);
    assert.equal(json.code, 0, json.stderr);
    assert.match(firstLine(json.stderr), isMarker);
    const list = JSON.parse(json.stdout) as Array<{ id: number; ts: number; node: string; type: string }>;
    assert.deepEqual([...new Set(list.map((e) => e.node))].sort(), ['ant-1', 'ant-2']);
    for (let i = 1; i < list.length; i++) {
      const [a, b] = [list[i - 1]!, list[i]!];
      assert.ok(a.ts < b.ts || (a.ts === b.ts && a.id < b.id), `oldest first: ${JSON.stringify([a, b])}`);
    }

    const table = await t.cli(['events', '--node', 'a*']);
    assert.equal(table.code, 0, table.stderr);
    const lines = table.stdout.trimEnd().split('\n');
    assert.match(lines[0]!, isMarker);
    assert.match(lines[1]!, /^TIME\s+NODE\s+TYPE/);
    assert.ok(lines.length > 2, table.stdout);
    for (const l of lines.slice(2)) assert.match(l, /^\S+Z\s+ant-[12]\s/, 'only the nodes the glob matches');
    assert.ok(lines.some((l) => /\sant-1\s/.test(l)) && lines.some((l) => /\sant-2\s/.test(l)), table.stdout);

    const up = await t.cli(['uptime', 'ant-*', 'bee', '--json']);
    assert.equal(up.code, 0, up.stderr);
    const rows = JSON.parse(up.stdout) as { source: string; nodes: Array<{ node: string }> };
    assert.equal(rows.source, 'database');
    assert.deepEqual(rows.nodes.map((r) => r.node).sort(), ['ant-1', 'ant-2', 'bee']);

    const csv = await t.cli(['export', 'events', '--node', 'ant-*']);
    assert.equal(csv.code, 0, csv.stderr);
    const csvRows = csv.stdout
      .split('\r\n')
      .filter((l) => l !== '')
      .slice(1);
    assert.ok(csvRows.length > 0, csv.stdout);
    for (const l of csvRows) assert.match(l, /,ant-[12],/);

    // A glob that matches nothing (or a bad one): the same message and exit code as with the daemon up.
    for (const [i, args] of NONE.entries()) {
      const r = await t.cli(args);
      assert.notEqual(r.code, 0, args.join(' '));
      // uptime prints its (empty) table, marked as read from the database.
      const out = r.stdout
        .split('\n')
        .filter((l) => !isMarker.test(l))
        .join('\n');
      assert.deepEqual(
        [r.code, out, r.stderr],
        [online[i]!.code, online[i]!.stdout, online[i]!.stderr],
        args.join(' '),
      );
    }
  });

  test('after a manager was SIGKILLed: the WAL is read, surviving nodes show as running with their pid, gone ones as stopped', async () => {
    const f = Fleet.create({ nodes: { a: {}, b: {} } });
    cleanups.push(() => f.cleanup());
    const manager = f.startManager();
    const pids = (await Promise.all(['a', 'b'].map((n) => f.log.waitEvent(n, 'started')))).map(pidOf);
    f.track(...pids);
    // The log line comes first; the store writes the state change at the end of that tick.
    await waitUntil(() => {
      const store = openReadOnlyStore(f.stateDir);
      try {
        const last = store.lastIntervals();
        return ['a', 'b'].every((n) => last.get(n)?.state === 'running');
      } finally {
        store.close();
      }
    }, 'the database records a and b running');
    manager.signal('SIGKILL');
    await manager.waitExit();

    const db = path.join(f.stateDir, 'nodewarden.db');
    assert.ok(fs.existsSync(`${db}-wal`), 'the killed manager left its WAL');
    const walBefore = sha(`${db}-wal`);
    const dbBefore = sha(db);
    const isMarker = marker(db);
    const run = async (args: string[]): Promise<CliResult> => {
      const cli = f.cli(args);
      const { code } = await cli.waitExit();
      return { code, stdout: cli.stdout(), stderr: cli.stderr() };
    };

    const json = await run(['status', '--json']);
    assert.equal(json.code, 0, json.stderr);
    assert.match(firstLine(json.stderr), isMarker);
    const rows = JSON.parse(json.stdout) as Row[];
    assert.deepEqual(
      rows.map((r) => [r.name, r.state, r.pid, r.source]),
      [
        ['a', 'running', pids[0], 'database'],
        ['b', 'running', pids[1], 'database'],
      ],
    );
    const human = await run(['status']);
    assert.equal(human.code, 0, human.stderr);
    const lines = human.stdout.trimEnd().split('\n');
    assert.match(lines[0]!, isMarker);
    assert.match(lines[2]!, new RegExp(`^a\\s+running\\s+unknown\\s+${pids[0]}\\s`));

    const events = await run(['events', '--json', '--type', 'started']);
    assert.equal(events.code, 0, events.stderr);
    assert.deepEqual((JSON.parse(events.stdout) as Array<{ node: string }>).map((e) => e.node).sort(), [
      'a',
      'b',
    ]);
    const up = await run(['uptime', '--json']);
    assert.equal(up.code, 0, up.stderr);
    assert.deepEqual(
      (JSON.parse(up.stdout) as { nodes: Array<{ node: string }> }).nodes.map((n) => n.node).sort(),
      ['a', 'b'],
    );

    // b dies while no manager watches: its recorded process is gone, so it is not shown running.
    process.kill(pids[1]!, 'SIGKILL');
    await waitGone([pids[1]!], 'b');
    const later = await run(['status', '--json']);
    assert.equal(later.code, 0, later.stderr);
    assert.deepEqual(
      (JSON.parse(later.stdout) as Row[]).map((r) => [r.name, r.state, r.pid]),
      [
        ['a', 'running', pids[0]],
        ['b', 'stopped', null],
      ],
    );
    assert.ok(alive(pids[0]!), 'a still runs');
    assert.equal(sha(db), dbBefore, 'the database file is not written');
    assert.equal(sha(`${db}-wal`), walBefore, 'the WAL is neither written nor checkpointed');
  });

  test('a busy daemon is waited for, never bypassed for the database', async () => {
    const dir = tmpDir();
    cleanups.push(() => fs.rmSync(dir, { recursive: true, force: true }));
    const configDir = writeConfig(dir, { nodes: { n: {} } });
    const socket = path.join(dir, 'state', 'nodewarden.sock');
    fs.mkdirSync(path.dirname(socket), { recursive: true });
    // It takes the request and answers only once the test lets it.
    let arrived!: () => void;
    const requested = new Promise<void>((r) => (arrived = r));
    const held: http.ServerResponse[] = [];
    const answer = (res: http.ServerResponse): void => {
      res.setHeader(PROTOCOL_HEADER, String(PROTOCOL_VERSION));
      res.setHeader('content-type', 'application/json');
      res.end('[]');
    };
    // Only the first request is held; `status` then also asks for the targets, answered at once.
    const srv = http.createServer((_req, res) => {
      if (held.length > 0) return answer(res);
      held.push(res);
      arrived();
    });
    await new Promise<void>((r) => srv.listen(socket, r));
    cleanups.push(() => new Promise<void>((r) => srv.close(() => r())));
    const pending = runCli(configDir, ['status', '--json']);
    await requested;
    answer(held[0]!);
    const r = await pending;
    assert.equal(r.code, 0, r.stderr);
    assert.equal(r.stdout, '[]\n');
    assert.equal(r.stderr, '', 'the daemon answered: no database, no marker');
  });

  test('a running manager that does not answer on its socket is not taken for a stopped one (exit 3)', async () => {
    const t = await startTestDaemon({ nodes: { a: {} } });
    cleanups.push(() => t.close());
    await t.waitRunning();
    // The socket gone while the manager still holds the stateDir (as while it starts or stops).
    fs.rmSync(t.daemon.manager.control.socket);
    const r = await t.cli(['status']);
    assert.equal(r.code, 3, r.stderr);
    assert.match(
      r.stderr,
      new RegExp(
        `^nodewarden: nodewarden \\(pid ${process.pid}\\) holds .*nodewarden\\.lock but does not answer on ${escape(t.daemon.manager.control.socket)}: it is starting or stopping\\n`,
      ),
    );
    assert.equal(r.stdout, '');
  });
});

/**
 * A state database written by a store in a child process that then either
 * closes it (no -wal/-shm left) or is SIGKILLed with an event in its WAL.
 */
function writeDatabase(stateDir: string, end: 'close' | 'kill', sql = ''): void {
  const db = pathToFileURL(path.join(DIST, 'src', 'store', 'db.js')).href;
  const script = `
    const { openStore } = await import(${JSON.stringify(db)});
    const quiet = { error() {}, warn() {}, info() {}, debug() {} };
    const store = openStore(${JSON.stringify(stateDir)}, { logger: quiet });
    store.db.prepare("INSERT INTO events (ts, node, type, severity, details) VALUES (?, 'n', 'started', 'info', '{}')").run(Date.now());
    store.db.exec(${JSON.stringify(sql)});
    if (${JSON.stringify(end)} === 'kill') process.kill(process.pid, 'SIGKILL');
    store.close();`;
  spawnSync(process.execPath, ['--input-type=module', '-e', script], { stdio: 'inherit' });
}

test('secrets in events an older nodewarden stored unmasked are masked when read from the database', async () => {
  const dir = tmpDir();
  try {
    const configDir = writeConfig(dir, { nodes: { n: { env: { RPC_PASSWORD: 'from-the-config-1234' } } } });
    writeDatabase(
      path.join(dir, 'state'),
      'close',
      `INSERT INTO secrets (node, key, value, created_ts) VALUES ('n', 'rpc', 'generated-secret-5678', 0);
       INSERT INTO events (ts, node, type, severity, reason, details) VALUES
         (1, 'n', 'crashed', 'warning', 'bad password generated-secret-5678', '{"argv":"--pw from-the-config-1234"}');`,
    );
    const r = await runCli(configDir, ['events', '--json', '--type', 'crashed']);
    assert.equal(r.code, 0, r.stderr);
    const [e] = JSON.parse(r.stdout) as Array<{ reason: string; details: { argv: string } }>;
    assert.equal(e!.reason, 'bad password ********');
    assert.equal(e!.details.argv, '--pw ********');
  } finally {
    fs.rmSync(dir, { recursive: true, force: true });
  }
});

const setpriv = ['/usr/bin/setpriv', '/bin/setpriv'].find((p) => fs.existsSync(p));
const asRoot = process.getuid?.() === 0 && setpriv !== undefined;

describe(
  'a database this user cannot open read-only',
  { timeout: 60_000, skip: !asRoot && 'needs root and setpriv' },
  () => {
    const dirs: string[] = [];
    after(() => {
      for (const d of dirs) fs.rmSync(d, { recursive: true, force: true });
    });
    /** The CLI as user nobody (the files readable, nothing of them writable). */
    const asNobody = (configDir: string, args: string[]): Promise<CliResult> =>
      runIn('/', [...args, '--config', configDir], {}, [
        setpriv!,
        '--reuid=65534',
        '--regid=65534',
        '--clear-groups',
      ]);

    test('no -wal/-shm and a directory it cannot write to, or a -wal without its -shm: said so, exit 1', async () => {
      const dir = tmpDir();
      dirs.push(dir);
      const configDir = writeConfig(dir, { nodes: { n: {} } });
      const stateDir = path.join(dir, 'state');
      const db = path.join(stateDir, 'nodewarden.db');

      writeDatabase(stateDir, 'close');
      assert.equal(fs.existsSync(`${db}-wal`), false);
      spawnSync('chmod', ['-R', 'a+rX', dir]);
      const clean = await asNobody(configDir, ['events', '--json']);
      assert.equal(clean.code, 1, clean.stderr);
      assert.equal(
        clean.stderr,
        `nodewarden: cannot read the state database ${db} read-only: its -wal and -shm files are missing and ${stateDir} is not writable by this user (SQLITE_READONLY_DIRECTORY)\n` +
          'hint: run this as the user that runs nodewarden, or start the daemon and ask it\n',
      );

      fs.rmSync(stateDir, { recursive: true });
      writeDatabase(stateDir, 'kill');
      spawnSync('chmod', ['-R', 'a+rX', dir]);
      // With its -shm there (readable only), the WAL is read.
      const killed = await asNobody(configDir, ['events', '--json']);
      assert.equal(killed.code, 0, killed.stderr);
      assert.deepEqual(
        (JSON.parse(killed.stdout) as Array<{ node: string; type: string }>).map((e) => [e.node, e.type]),
        [['n', 'started']],
      );
      fs.rmSync(`${db}-shm`);
      const noShm = await asNobody(configDir, ['events', '--json']);
      assert.equal(noShm.code, 1, noShm.stderr);
      assert.match(
        noShm.stderr,
        new RegExp(
          `^nodewarden: cannot read the state database ${escape(db)} read-only: its -shm file is missing and cannot be created in ${escape(stateDir)} \\(SQLITE_CANTOPEN`,
        ),
      );
    });
  },
);

describe('config discovery without --config', { timeout: 60_000 }, () => {
  const dirs: string[] = [];
  after(() => {
    for (const d of dirs) fs.rmSync(d, { recursive: true, force: true });
  });
  const fresh = (): string => {
    const d = fs.realpathSync(tmpDir());
    dirs.push(d);
    return d;
  };

  test('./configs of the working directory is used', async () => {
    const dir = fresh();
    writeConfig(dir, { nodes: { n: {} } });
    const r = await runIn(dir, ['config', 'check', '--json'], {
      NODEWARDEN_SYSTEM_CONFIG: path.join(dir, 'nope'),
    });
    assert.equal(r.code, 0, r.stderr);
    assert.deepEqual(JSON.parse(r.stdout), { ok: true, nodes: ['n'], warnings: [] });
    // A read verb finds that config's stateDir (no daemon, no database yet).
    const s = await runIn(dir, ['status']);
    assert.equal(s.code, 1);
    assert.match(
      s.stderr,
      new RegExp(`^nodewarden: no state database at ${escape(path.join(dir, 'state'))}/`),
    );
  });

  test('without ./configs, the system directory is used', async () => {
    const dir = fresh();
    const system = writeConfig(dir, { nodes: { sys: {} } });
    const cwd = fresh();
    const r = await runIn(cwd, ['config', 'check', '--json'], { NODEWARDEN_SYSTEM_CONFIG: system });
    assert.equal(r.code, 0, r.stderr);
    assert.deepEqual(JSON.parse(r.stdout), { ok: true, nodes: ['sys'], warnings: [] });
  });

  test('neither: one line naming both places, exit 2', async () => {
    const cwd = fresh();
    const system = path.join(cwd, 'no-system-dir');
    for (const args of [['status'], ['events', '--json'], ['config', 'check'], ['logs', 'n']]) {
      const r = await runIn(cwd, args, { NODEWARDEN_SYSTEM_CONFIG: system });
      assert.equal(r.code, 2, `${args.join(' ')}: ${r.stderr}`);
      assert.equal(
        r.stderr,
        `nodewarden: no config directory at ${path.join(cwd, 'configs')} or ${system}; pass --config DIR or set NODEWARDEN_CONFIG\n`,
      );
      assert.equal(r.stdout, '');
    }
    if (!fs.existsSync('/etc/nodewarden')) {
      const r = await runIn(cwd, ['status']);
      assert.equal(r.code, 2);
      assert.equal(
        r.stderr,
        `nodewarden: no config directory at ${path.join(cwd, 'configs')} or /etc/nodewarden; pass --config DIR or set NODEWARDEN_CONFIG\n`,
      );
    }
  });

  test('an explicit --config or NODEWARDEN_CONFIG that does not exist is named, absolute, exit 2', async () => {
    const cwd = fresh();
    writeConfig(cwd, { nodes: { n: {} } }); // ./configs exists but is not what was asked for
    const r = await runIn(cwd, ['--config', 'missing', 'status']);
    assert.equal(r.code, 2);
    assert.equal(
      r.stderr,
      `nodewarden: no config directory at ${path.join(cwd, 'missing')}; pass --config DIR or set NODEWARDEN_CONFIG\n`,
    );
    const e = await runIn(cwd, ['events'], { NODEWARDEN_CONFIG: path.join(cwd, 'gone') });
    assert.equal(e.code, 2);
    assert.equal(
      e.stderr,
      `nodewarden: no config directory at ${path.join(cwd, 'gone')} (from NODEWARDEN_CONFIG); pass --config DIR or set NODEWARDEN_CONFIG\n`,
    );
    // runCli passes --config explicitly too.
    const c = await runCli(path.join(cwd, 'also-missing'), ['uptime']);
    assert.equal(c.code, 2);
  });
});
