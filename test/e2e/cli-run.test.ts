/**
 * End to end: `nodewarden run` as a real process on a temp config, driven by
 * the built CLI; each verb's output is compared with a template (placeholders
 * for pids, times and durations). Ends with `shutdown`, after which the
 * manager has exited 0, every node is gone and `logs` still reads the files.
 */
import { after, before, describe, test } from 'node:test';
import assert from 'node:assert/strict';
import { spawn, type ChildProcess } from 'node:child_process';
import fs from 'node:fs';
import path from 'node:path';
import { ControlClient } from '../../src/protocol/client.js';
import { isAlive, readStartTime } from '../../src/supervisor/proc.js';
import { CLI, runCli, tmpDir, waitUntil, writeConfig, writeNode, type CliResult } from '../helpers/daemon.js';
import { mismatch } from './templates.js';

const STATUS_HEADER = 'NAME  STATE  HEALTH  PID  UPTIME  RESTARTS  CPU  MEM  HEIGHT  LAG  HELD';

describe('nodewarden run, driven by the CLI', { timeout: 180_000 }, () => {
  let dir: string;
  let configDir: string;
  let manager: ChildProcess;
  let managerLog = '';
  const nodes = new Map<number, string | null>();

  const cli = (...args: string[]): Promise<CliResult> => runCli(configDir, args);
  /** Run a verb, check its exit code and its stdout against the template. */
  const expect = async (args: string[], code: number, template: string[]): Promise<CliResult> => {
    const r = await cli(...args);
    assert.equal(r.code, code, `nodewarden ${args.join(' ')}: exit ${r.code}; stderr: ${r.stderr}`);
    const diff = mismatch(r.stdout, template);
    assert.equal(diff, null, `nodewarden ${args.join(' ')}:\n${diff}`);
    return r;
  };
  const remember = async (): Promise<void> => {
    const client = new ControlClient({ socketPath: path.join(dir, 'state', 'nodewarden.sock') });
    for (const s of await client.status()) if (s.pid !== null) nodes.set(s.pid, readStartTime(s.pid));
  };

  before(async () => {
    dir = tmpDir();
    // beta-1 and beta-2 form one sync group, so a restart of both rolls through it node by node.
    configDir = writeConfig(dir, { nodes: { alpha: {}, beta: { instances: 2, sync: { group: 'beta' } } } });
    manager = spawn(process.execPath, [CLI, '--config', configDir, 'run'], {
      cwd: dir,
      stdio: ['ignore', 'pipe', 'pipe'],
    });
    manager.stdout!.setEncoding('utf8').on('data', (d: string) => (managerLog += d));
    manager.stderr!.setEncoding('utf8').on('data', (d: string) => (managerLog += d));
    const client = new ControlClient({ socketPath: path.join(dir, 'state', 'nodewarden.sock') });
    await waitUntil(
      async () => {
        if (manager.exitCode !== null)
          throw new Error(`nodewarden run exited ${manager.exitCode}: ${managerLog}`);
        const rows = await client.status().catch(() => []);
        return rows.length === 3 && rows.every((s) => s.state === 'running');
      },
      'the manager answers and every node runs',
      20_000,
    );
    await remember();
  });

  after(async () => {
    if (manager.exitCode === null && manager.signalCode === null) manager.kill('SIGKILL');
    for (const [pid, startTime] of nodes) {
      if (isAlive(pid, startTime ?? undefined)) process.kill(pid, 'SIGKILL');
    }
    fs.rmSync(dir, { recursive: true, force: true });
  });

  test('status shows every node running', async () => {
    await expect(['status'], 0, [
      STATUS_HEADER,
      'alpha  running  <any>  <pid>  <dur>  0  <any>  <any>  -  -  -',
      'beta-1  running  <any>  <pid>  <dur>  0  <any>  <any>  -  -  -',
      'beta-2  running  <any>  <pid>  <dur>  0  <any>  <any>  -  -  -',
    ]);
  });

  test('restart, stop and start with --wait; an unknown node fails the verb', async () => {
    await expect(['restart', 'beta-*', '--wait'], 0, [
      'beta-1: restarting',
      'beta-1: running',
      'beta-1: passed its gate',
      'beta-2: restarting',
      'beta-2: running',
      'beta-2: passed its gate',
      'beta-1: restarted',
      'beta-2: restarted',
    ]);
    await remember();
    // The stop as it happens; a stopped node shows no figures of its last run.
    await expect(['stop', 'alpha', '--wait'], 0, [
      'alpha: SIGTERM sent (grace 3s)',
      'alpha: stopped (exit 0, <n>.<n>s)',
    ]);
    await expect(['status', 'alpha'], 0, [STATUS_HEADER, 'alpha  stopped  <any>  -  -  0  -  -  -  -  -']);
    await expect(['start', 'alpha', 'nope', '--wait'], 1, ['alpha: started', 'nope: ERROR (no such node)']);
    await remember();
    await expect(['hold', 'beta-1'], 0, ['beta-1: held']);
    await expect(['status', 'beta-*'], 0, [
      STATUS_HEADER,
      'beta-1  running  <any>  <pid>  <dur>  1  <any>  <any>  -  -  held',
      'beta-2  running  <any>  <pid>  <dur>  1  <any>  <any>  -  -  -',
    ]);
  });

  test('events and uptime read what the manager recorded', async () => {
    await expect(['events', '--node', 'alpha', '--type', 'started,stopped'], 0, [
      'TIME  NODE  TYPE  SEVERITY  REASON  DETAILS',
      '<time>  alpha  started  info  -  <json>',
      '<time>  alpha  stopped  info  -  <json>',
      '<time>  alpha  started  info  -  <json>',
    ]);
    await expect(['uptime'], 0, [
      'NODE  UPTIME  UP  OBSERVED',
      '<any>  <pct>  <dur>  <dur>',
      '<any>  <pct>  <dur>  <dur>',
      '<any>  <pct>  <dur>  <dur>',
    ]);
  });

  test('reload starts a node added to the config and leaves the others alone', async () => {
    writeNode(configDir, 'gamma', {});
    await expect(['reload'], 0, [
      'reloaded: 1 added, 0 removed, 0 changed, 0 applied live, 3 unchanged',
      '  added (started):     gamma',
    ]);
    // The reload starts gamma by itself (autostart): once it runs, a start has nothing to do.
    const client = new ControlClient({ socketPath: path.join(dir, 'state', 'nodewarden.sock') });
    await waitUntil(
      async () => (await client.status()).some((s) => s.name === 'gamma' && s.state === 'running'),
      'gamma runs after the reload',
      20_000,
    );
    await expect(['start', 'gamma', '--wait'], 0, ['gamma: already running']);
    await remember();
  });

  test('shutdown stops every node and the manager exits 0; then the CLI finds no daemon, status reads the database, and logs still work', async () => {
    const exited = new Promise<number | null>((r) => manager.once('exit', (code) => r(code)));
    await expect(['shutdown'], 0, ['nodewarden: shutting down; stopping every node']);
    assert.equal(await exited, 0, managerLog);
    for (const [pid, startTime] of nodes)
      assert.equal(isAlive(pid, startTime ?? undefined), false, `pid ${pid}`);

    await expect(['status'], 0, [
      'nodewarden is not running (last known state from <path>, recorded <time>)',
      STATUS_HEADER,
      'alpha  stopped  unknown  -  -  <n>  -  -  -  -  -',
      'beta-1  stopped  unknown  -  -  <n>  -  -  -  -  held',
      'beta-2  stopped  unknown  -  -  <n>  -  -  -  -  -',
      'gamma  stopped  unknown  -  -  <n>  -  -  -  -  -',
    ]);
    const down = await expect(['reload'], 3, []);
    assert.equal(
      mismatch(down.stderr, [
        'nodewarden: the daemon is not running (no answer on <path>)',
        'hint: start it with `nodewarden run --config <path>` (or your systemd/supervisord service)',
      ]),
      null,
    );
    await expect(['logs', 'alpha', '-n', '2'], 0, ['stopping', 'stopped']);
  });
});
