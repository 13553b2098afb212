/**
 * `hooks.*` against a real daemon and the real CLI: each hook kind runs with
 * the node's env, cwd and NODEWARDEN_NODE/NODEWARDEN_EVENT in a process group
 * of its own, its output in the node's log; a failing or timed-out preStart
 * fails the start (its whole process group killed); the other hooks, failing
 * or hanging, are recorded as `hook_failed` and never hold up a stop.
 */
import { after, before, describe, test } from 'node:test';
import assert from 'node:assert/strict';
import fs from 'node:fs';
import path from 'node:path';
import { isAlive } from '../../../src/supervisor/proc.js';
import { startTestDaemon, waitUntil, type TestDaemon } from '../../helpers/daemon.js';

/** argv of a hook that appends `<event> <node> <cwd> <FOO> <own group?>` to `file` and prints a line. */
function recorder(file: string): string[] {
  const code = [
    "const fs = require('fs');",
    "const pgrp = fs.readFileSync('/proc/self/stat', 'utf8').split(') ')[1].split(' ')[2];",
    'const e = process.env;',
    "fs.appendFileSync(process.argv[1], [e.NODEWARDEN_EVENT, e.NODEWARDEN_NODE, process.cwd(), e.FOO, String(pgrp) === String(process.pid)].join(' ') + '\\n');",
    "console.log('hello from ' + e.NODEWARDEN_EVENT);",
  ].join(' ');
  return [process.execPath, '-e', code, file];
}

/** argv of a hook that starts a grandchild, writes both pids to `file`, and then hangs. */
function hanger(file: string): string[] {
  const code = [
    "const { spawn } = require('child_process');",
    "const c = spawn(process.execPath, ['-e', 'setInterval(() => {}, 1000)'], { stdio: 'ignore' });",
    "require('fs').writeFileSync(process.argv[1], process.pid + ' ' + c.pid);",
    'setInterval(() => {}, 1000);',
  ].join(' ');
  return [process.execPath, '-e', code, file];
}

const failer = (code: number): string[] => [
  process.execPath,
  '-e',
  `console.error('no peers list'); process.exit(${code})`,
];

describe('hooks', { timeout: 120_000 }, () => {
  let t: TestDaemon;
  let dir: string;
  const hangPids: number[] = [];
  before(async () => {
    dir = fs.mkdtempSync('/tmp/nw-hooks-');
    const rec = path.join(dir, 'runs.txt');
    t = await startTestDaemon({
      nodes: {
        full: {
          env: { FOO: 'bar' },
          hooks: {
            preStart: recorder(rec),
            postStart: recorder(rec),
            preStop: recorder(rec),
            postStop: recorder(rec),
          },
        },
        badpre: {
          hooks: { preStart: failer(3) },
          restart: { maxRetries: 1, fatalRetryMs: 0 },
        },
        slowpre: {
          // Long enough for a loaded host to start node and write the pids; short enough to wait for.
          hooks: { preStart: hanger(path.join(dir, 'slowpre.pids')), timeoutMs: '3s' },
          restart: { maxRetries: 1, fatalRetryMs: 0 },
        },
        badstop: {
          hooks: {
            postStart: failer(4),
            preStop: hanger(path.join(dir, 'badstop.pids')),
            postStop: failer(5),
            timeoutMs: '1s',
          },
        },
      },
    });
  });
  after(async () => {
    await t?.close();
    for (const pid of hangPids) {
      try {
        process.kill(pid, 'SIGKILL');
      } catch {
        // already gone, as it should be
      }
    }
    fs.rmSync(dir, { recursive: true, force: true });
  });

  const lines = (): string[] => {
    const f = path.join(dir, 'runs.txt');
    return fs.existsSync(f) ? fs.readFileSync(f, 'utf8').trimEnd().split('\n') : [];
  };
  const nodeLog = (name: string): string => {
    const f = path.join(t.daemon.manager.logDir, `${name}.log`);
    return fs.existsSync(f) ? fs.readFileSync(f, 'utf8') : '';
  };
  const pidsIn = async (file: string): Promise<number[]> => {
    const text = await waitUntil(
      () => {
        const got = fs.existsSync(file) ? fs.readFileSync(file, 'utf8') : '';
        return /^\d+ \d+$/.test(got.trim()) ? got : null; // both pids, not a file caught half-written
      },
      file,
      20_000,
    );
    const pids = text.trim().split(' ').map(Number);
    hangPids.push(...pids);
    return pids;
  };

  test('each hook kind runs, with the node env, cwd, name and event, in its own process group', async () => {
    await t.waitRunning(['full']);
    const dataDir = t.daemon.supervisor.spec('full')!.dataDir;
    await waitUntil(() => lines().length >= 2, 'postStart ran');
    const r = await t.cli(['stop', 'full', '--wait']);
    assert.equal(r.code, 0, r.stderr);
    await waitUntil(() => lines().length >= 4, 'preStop and postStop ran');
    assert.deepEqual(lines().slice(0, 2), [
      `preStart full ${dataDir} bar true`,
      `postStart full ${dataDir} bar true`,
    ]);
    // preStop runs alongside the stop signal; postStop once the node is gone.
    assert.deepEqual(lines().slice(2).sort(), [
      `postStop full ${dataDir} bar true`,
      `preStop full ${dataDir} bar true`,
    ]);
    await waitUntil(
      () => nodeLog('full').includes('[hook postStop] hello from postStop'),
      'hook output in the node log',
    );
    assert.match(nodeLog('full'), /\[hook preStart\] hello from preStart\n/);
    assert.match(nodeLog('full'), /\[hook preStart\] done in \d+ ms\n/);
  });

  test('a preStart that exits non-zero fails the start: counted, output in the node log, never spawned', async () => {
    await waitUntil(() => t.daemon.supervisor.runner('badpre')?.snapshot().state === 'fatal', 'badpre fatal');
    const r = await t.cli(['status', '--json']);
    const row = (JSON.parse(r.stdout) as Array<{ name: string; state: string; pid: number | null }>).find(
      (s) => s.name === 'badpre',
    )!;
    assert.equal(row.state, 'fatal');
    assert.equal(row.pid, null);
    const fatal = t.daemon.store.queryEvents({ node: 'badpre', type: 'fatal' });
    assert.equal(fatal.length, 1);
    assert.equal(fatal[0]!.reason, 'max_retries', 'counted like a failed start');
    assert.match(String(fatal[0]!.details['error']), /preStart hook exited with code 3/);
    assert.match(nodeLog('badpre'), /\[hook preStart\] no peers list\n/);
    assert.match(nodeLog('badpre'), /\[hook preStart\] preStart hook exited with code 3\n/);
  });

  test('a preStart that hangs is killed with its process group at hooks.timeoutMs and fails the start', async () => {
    const [hook, grandchild] = await pidsIn(path.join(dir, 'slowpre.pids'));
    await waitUntil(
      () => t.daemon.supervisor.runner('slowpre')?.snapshot().state === 'fatal',
      'slowpre fatal',
      30_000,
    );
    const fatal = t.daemon.store.queryEvents({ node: 'slowpre', type: 'fatal' });
    assert.equal(fatal.length, 1);
    assert.match(String(fatal[0]!.details['error']), /preStart hook timed out/);
    await waitUntil(() => !isAlive(hook!) && !isAlive(grandchild!), 'the hook and its child are gone');
    assert.equal(t.pid('slowpre'), null);
  });

  test('failing and hanging postStart, preStop and postStop are recorded and never hold up a stop', async () => {
    const { badstop: pid } = await t.waitRunning(['badstop']);
    await waitUntil(
      () => t.daemon.store.queryEvents({ node: 'badstop', type: 'hook_failed' }).length >= 1,
      'postStart failure recorded',
    );
    const r = await t.cli(['stop', 'badstop', '--wait']);
    assert.equal(r.code, 0, r.stderr);
    assert.equal(isAlive(pid!), false, 'the node stopped while its preStop hook still hangs');
    const [hook, grandchild] = await pidsIn(path.join(dir, 'badstop.pids'));
    await waitUntil(
      () => t.daemon.store.queryEvents({ node: 'badstop', type: 'hook_failed' }).length >= 3,
      'preStop and postStop failures recorded',
    );
    const reasons = t.daemon.store
      .queryEvents({ node: 'badstop', type: 'hook_failed' })
      .map((e) => e.reason)
      .sort();
    assert.deepEqual(reasons, [
      'postStart hook exited with code 4',
      'postStop hook exited with code 5',
      'preStop hook timed out',
    ]);
    await waitUntil(
      () => !isAlive(hook!) && !isAlive(grandchild!),
      'the preStop hook and its child are gone',
    );
  });
});
