/**
 * `nodewarden shutdown --keep-nodes` (an upgrade of nodewarden itself): the
 * daemon answers, exits and leaves every node running; the socket goes away.
 */
import { after, describe, test } from 'node:test';
import assert from 'node:assert/strict';
import fs from 'node:fs';
import { isAlive } from '../../../src/supervisor/proc.js';
import { startTestDaemon, type TestDaemon } from '../../helpers/daemon.js';

describe('shutdown', { timeout: 60_000 }, () => {
  let t: TestDaemon | undefined;
  after(async () => t?.close()); // ends the kept nodes by pid

  test('--keep-nodes: the daemon exits, every node keeps its pid, the CLI then finds no daemon', async () => {
    t = await startTestDaemon({ nodes: { a: {}, b: {} } });
    const pids = await t.waitRunning();
    const r = await t.cli(['shutdown', '--keep-nodes']);
    assert.equal(r.code, 0, r.stderr);
    assert.equal(
      r.stdout,
      'nodewarden: shutting down; every node keeps running for the next `nodewarden run` to adopt\n',
    );
    await t.daemon.stopped;
    for (const [name, pid] of Object.entries(pids))
      assert.ok(isAlive(pid), `${name} (pid ${pid}) still runs`);
    assert.equal(fs.existsSync(t.daemon.manager.control.socket), false);
    const down = await t.cli(['reload']);
    assert.equal(down.code, 3);
    assert.match(down.stderr, /^nodewarden: the daemon is not running \(no answer on /);
    // The read verbs answer from the database: the kept nodes are shown running, with their pids.
    const after = await t.cli(['status', '--json']);
    assert.equal(after.code, 0, after.stderr);
    assert.match(
      after.stderr,
      /^nodewarden is not running \(last known state from .*nodewarden\.db, recorded /,
    );
    const rows = JSON.parse(after.stdout) as Array<{ name: string; state: string; pid: number | null }>;
    assert.deepEqual(
      rows.map((r) => [r.name, r.state, r.pid]),
      Object.entries(pids).map(([name, pid]) => [name, 'running', pid]),
    );
  });
});
