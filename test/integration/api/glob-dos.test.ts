/**
 * Globs that make a backtracking matcher run for hours, sent to a real
 * `nodewarden run` (its own process, so a blocked daemon cannot block the
 * test's own timers) with 500 nodes: each is answered "no such node" while
 * status requests sent alongside are answered too.
 */
import { after, before, describe, test } from 'node:test';
import assert from 'node:assert/strict';
import { spawn, type ChildProcess } from 'node:child_process';
import fs from 'node:fs';
import path from 'node:path';
import { ControlClient } from '../../../src/protocol/client.js';
import type { ActionResponse, NodeStatus } from '../../../src/protocol/types.js';
import { CLI, tmpDir, waitUntil, writeConfig } from '../../helpers/daemon.js';

/** Fail (instead of hanging) when a request gets no answer: the daemon's event loop would be stuck. */
function bounded<T>(p: Promise<T>, what: string, ms = 30_000): Promise<T> {
  let timer: NodeJS.Timeout;
  const late = new Promise<never>((_, reject) => {
    timer = setTimeout(() => reject(new Error(`${what}: no answer in ${ms} ms, the daemon is stuck`)), ms);
  });
  return Promise.race([p, late]).finally(() => clearTimeout(timer));
}

describe('pathological globs against 500 nodes', { timeout: 180_000 }, () => {
  let dir: string;
  let manager: ChildProcess;
  let output = '';
  let client: ControlClient;

  before(async () => {
    dir = tmpDir();
    const configDir = writeConfig(dir, { nodes: { ant: { instances: 500, autostart: false } } });
    manager = spawn(process.execPath, [CLI, '--config', configDir, 'run'], {
      stdio: ['ignore', 'pipe', 'pipe'],
    });
    manager.stdout!.setEncoding('utf8').on('data', (d: string) => (output += d));
    manager.stderr!.setEncoding('utf8').on('data', (d: string) => (output += d));
    client = new ControlClient({ socketPath: path.join(dir, 'state', 'nodewarden.sock') });
    await waitUntil(
      async () => {
        if (manager.exitCode !== null)
          throw new Error(`nodewarden run exited ${manager.exitCode}: ${output}`);
        return (await client.status().catch(() => [])).length === 500;
      },
      'the manager answers with 500 nodes',
      60_000,
    );
  });

  after(async () => {
    if (manager.exitCode === null && manager.signalCode === null) {
      manager.kill('SIGKILL'); // by the child's pid; it started no node (autostart false)
      await new Promise((r) => manager.once('exit', r));
    }
    fs.rmSync(dir, { recursive: true, force: true });
  });

  test('each is answered "no such node" while status is served; a sane glob still matches', async () => {
    // A backtracking matcher spent 13 s on `${'*'.repeat(40)}!` against one name, and longer
    // than anyone waited on 127 stars. The URL takes a target of up to 100 characters (the
    // router's bound); a body up to 128.
    const patterns = [
      '**************!',
      `${'*'.repeat(40)}!`,
      '*a*n*t*-*1*2*3*4*5*6*7*8*9*!',
      '*?*?*?*?*?*?*?*?*?*?*?*?*?*?*?*?*?*?*?*?*?*?*?*?*?*?*?*?*?*?*?*?*?*?*?*?*?*?*?*?*!',
      '*[a-z]*[a-z]*[a-z]*[a-z]*[a-z]*[a-z]*[a-z]*[a-z]*[a-z]*[a-z]*[a-z]*[a-z]*[!a-z]',
    ];
    const long = [`${'*'.repeat(127)}!`, `${'*?'.repeat(63)}!`, `${'*a'.repeat(63)}!`];
    for (const p of patterns) assert.ok(p.length <= 100, `${p.length}`);
    const single = Promise.all(
      patterns.map((p) =>
        bounded(client.send('POST', `/api/nodes/${encodeURIComponent(p)}/stop`), `POST /api/nodes/${p}/stop`),
      ),
    );
    const targets = Array.from(
      { length: 1000 },
      (_, i) => [...patterns, ...long][i % (patterns.length + long.length)]!,
    );
    const many = bounded(client.send('POST', '/api/actions/stop', { targets }), 'POST /api/actions/stop');
    const status = Promise.all([1, 2, 3].map(() => bounded(client.status(), 'GET /api/status')));
    const [singles, all, rows] = await Promise.all([single, many, status]);

    for (const [i, reply] of singles.entries()) {
      assert.equal(reply.status, 200, reply.text);
      assert.deepEqual((JSON.parse(reply.text) as ActionResponse).results, [
        { node: patterns[i], ok: false, message: 'ERROR (no such node)' },
      ]);
    }
    assert.equal(all.status, 200, all.text);
    const results = (JSON.parse(all.text) as ActionResponse).results;
    assert.equal(results.length, 1000);
    assert.ok(results.every((r) => !r.ok && r.message === 'ERROR (no such node)'));
    for (const r of rows) assert.equal((r as NodeStatus[]).length, 500);

    const held = await bounded(
      client.action('hold', { targets: ['ant-1?', 'ant-[!0-9]*', '*-49?'] }),
      'hold',
    );
    assert.deepEqual(
      held.results
        .filter((r) => r.ok)
        .map((r) => r.node)
        .sort(),
      [
        ...Array.from({ length: 10 }, (_, i) => `ant-1${i}`),
        ...Array.from({ length: 10 }, (_, i) => `ant-49${i}`),
      ].sort(),
    );
    assert.deepEqual(
      held.results.filter((r) => !r.ok),
      [{ node: 'ant-[!0-9]*', ok: false, message: 'ERROR (no such node)' }],
    );
  });
});
