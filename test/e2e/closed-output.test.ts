/**
 * End to end: the manager never dies of its own output. `nodewarden run`
 * with stdout and stderr on pipes whose reading ends are closed (as after
 * `nodewarden run | head -1`) goes on supervising: a node killed by pid is
 * replaced, the crash still reaches nodewarden.log, and SIGTERM still ends
 * the manager with exit 0. A read verb whose reader went away
 * (`nodewarden logs -f | head -1`) ends quietly with exit 0.
 */
import { after, test } from 'node:test';
import assert from 'node:assert/strict';
import { spawn, type ChildProcess } from 'node:child_process';
import fs from 'node:fs';
import path from 'node:path';
import { ControlClient } from '../../src/protocol/client.js';
import { isAlive, readStartTime } from '../../src/supervisor/proc.js';
import { CLI, tmpDir, waitUntil, writeConfig } from '../helpers/daemon.js';

const nodes = new Map<number, string | null>();
let manager: ChildProcess | null = null;
let dir: string | null = null;

after(() => {
  if (manager && manager.exitCode === null && manager.signalCode === null) manager.kill('SIGKILL');
  for (const [pid, startTime] of nodes)
    if (isAlive(pid, startTime ?? undefined)) process.kill(pid, 'SIGKILL');
  if (dir) fs.rmSync(dir, { recursive: true, force: true });
});

test('with its stdout and stderr pipes closed, the manager still replaces a crashed node and exits 0 on SIGTERM', async () => {
  dir = tmpDir();
  const configDir = writeConfig(dir, { nodes: { alpha: {} } });
  const m = spawn(process.execPath, [CLI, '--config', configDir, 'run'], {
    cwd: dir,
    stdio: ['ignore', 'pipe', 'pipe'],
  });
  manager = m;
  const exited = new Promise<{ code: number | null; signal: NodeJS.Signals | null }>((resolve) =>
    m.once('exit', (code, signal) => resolve({ code, signal })),
  );
  const firstLine = await new Promise<string>((resolve, reject) => {
    let text = '';
    m.stderr!.setEncoding('utf8').on('data', (d: string) => {
      text += d;
      if (text.includes('\n')) resolve(text.split('\n')[0]!);
    });
    m.once('exit', (code) => reject(new Error(`nodewarden run exited ${code} before its first line`)));
  });
  assert.ok(firstLine.length > 0);
  // The reader goes away: every later write of the manager to stdout or stderr fails (EPIPE).
  m.stdout!.destroy();
  m.stderr!.destroy();

  const client = new ControlClient({ socketPath: path.join(dir, 'state', 'nodewarden.sock') });
  const alive = (): void => {
    if (m.exitCode !== null || m.signalCode !== null)
      throw new Error(`the manager died: exit ${m.exitCode} signal ${m.signalCode}`);
  };
  const running = async (): Promise<number | null> => {
    alive();
    const rows = await client.status().catch(() => []);
    const row = rows.find((r) => r.name === 'alpha');
    return row?.state === 'running' ? row.pid : null;
  };
  const first = await waitUntil(running, 'alpha runs', 20_000);
  nodes.set(first, readStartTime(first));

  process.kill(first, 'SIGKILL');
  const second = await waitUntil(
    async () => {
      const pid = await running();
      return pid !== null && pid !== first ? pid : null;
    },
    'a replacement of alpha runs',
    20_000,
  );
  nodes.set(second, readStartTime(second));

  const log = path.join(dir, 'logs', 'nodewarden.log');
  await waitUntil(
    () => fs.readFileSync(log, 'utf8').includes('"alpha: crashed'),
    'the crash is in nodewarden.log',
  );

  m.kill('SIGTERM');
  const end = await Promise.race([
    exited,
    new Promise<never>((_, reject) =>
      setTimeout(() => reject(new Error('the manager did not exit after SIGTERM')), 20_000).unref(),
    ),
  ]);
  assert.deepEqual(end, { code: 0, signal: null });
  assert.equal(isAlive(second, nodes.get(second) ?? undefined), false, 'the node was stopped');
});

test('`logs -f` whose reader went away ends quietly with exit 0 at its next line', async () => {
  const base = tmpDir();
  const configDir = writeConfig(base, { nodes: { alpha: {} } });
  const logFile = path.join(base, 'logs', 'alpha.log');
  fs.mkdirSync(path.dirname(logFile), { recursive: true });
  fs.writeFileSync(logFile, 'first line\n');
  try {
    const child = spawn(process.execPath, [CLI, '--config', configDir, 'logs', 'alpha', '-f'], {
      stdio: ['ignore', 'pipe', 'pipe'],
    });
    let stderr = '';
    child.stderr!.setEncoding('utf8').on('data', (d: string) => (stderr += d));
    const exited = new Promise<number | null>((resolve) => child.once('exit', (code) => resolve(code)));
    await new Promise<void>((resolve) => child.stdout!.once('data', () => resolve()));
    child.stdout!.destroy();
    // Lines keep coming until the follower writes one into the closed pipe (each write is a chance).
    let n = 0;
    const feeder = setInterval(() => fs.appendFileSync(logFile, `line ${++n}\n`), 50);
    const bound = setTimeout(() => child.kill('SIGKILL'), 10_000);
    const code = await exited.finally(() => {
      clearInterval(feeder);
      clearTimeout(bound);
    });
    assert.equal(code, 0, stderr);
    assert.equal(stderr, '');
  } finally {
    fs.rmSync(base, { recursive: true, force: true });
  }
});
