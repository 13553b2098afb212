/**
 * Reload is all or nothing (DESIGN §2 reload): everything a change needs is
 * prepared before any running node is touched. A preparation that fails for
 * real (a log pipe that cannot be made, a dataDir that cannot be created, a
 * log that cannot be opened) refuses the whole reload: the removed node keeps
 * running, the changed node keeps its pid, what the staging created is gone,
 * and `config_error` names the file, the key and the cause.
 */
import { after, before, describe, test } from 'node:test';
import assert from 'node:assert/strict';
import fs from 'node:fs';
import path from 'node:path';
import { fifoPath } from '../../../src/logs/fifo.js';
import { isAlive } from '../../../src/supervisor/proc.js';
import { removeNode, simArgs, startTestDaemon, writeNode, type TestDaemon } from '../../helpers/daemon.js';

describe('reload is all or nothing', { timeout: 120_000 }, () => {
  let t: TestDaemon;
  let pids: Record<string, number>;
  before(async () => {
    t = await startTestDaemon({ nodes: { change: {}, drop: {}, keep: {} } });
    pids = await t.waitRunning();
  });
  after(async () => t?.close());

  /** The running nodes are exactly as before the reload. */
  const nothingApplied = (): void => {
    assert.deepEqual(t.daemon.supervisor.names(), ['change', 'drop', 'keep']);
    for (const [name, pid] of Object.entries(pids)) {
      const snap = t.daemon.supervisor.runner(name)!.snapshot();
      assert.deepEqual([snap.state, snap.pid], ['running', pid], `${name} untouched`);
      assert.ok(isAlive(pid), `${name} (pid ${pid}) runs`);
    }
  };
  const lastConfigError = () => t.daemon.store.queryEvents({ type: 'config_error', limit: 1 })[0]!;

  test('a new node whose log pipe or dataDir cannot be made refuses the reload; what was staged is removed', async () => {
    const stateDir = t.daemon.manager.stateDir;
    writeNode(t.configDir, 'change', { args: simArgs('--block-ms', '1000', '--peers', '3') });
    removeNode(t.configDir, 'drop');
    fs.writeFileSync(fifoPath(stateDir, 'bad-fifo'), 'a regular file where the pipe must go\n');
    writeNode(t.configDir, 'bad-fifo', {});
    const blocker = path.join(t.dir, 'blocker');
    fs.writeFileSync(blocker, 'a regular file where a directory must go\n');
    writeNode(t.configDir, 'bad-dir', { dataDir: path.join(blocker, 'data') });
    writeNode(t.configDir, 'fine', {}); // prepared, then undone

    const res = await t.client.reload();
    assert.equal(res.ok, false);
    assert.deepEqual([res.added, res.removed, res.changed], [[], [], []]);
    assert.ok(
      res.problems.some((p) =>
        /^nodes\/bad-fifo\.json: cannot make the node's log pipe: .*not a FIFO/.test(p),
      ),
      res.problems.join('\n'),
    );
    assert.ok(
      res.problems.some((p) => /^nodes\/bad-dir\.json: dataDir: cannot be created: ENOTDIR /.test(p)),
      res.problems.join('\n'),
    );
    assert.equal(res.problems.length, 2, res.problems.join('\n'));
    nothingApplied();
    assert.equal(fs.existsSync(fifoPath(stateDir, 'fine')), false, "fine's staged pipe was removed");
    assert.equal(fs.existsSync(path.join(t.dir, 'data', 'fine')), false, "fine's staged dataDir was removed");
    const ev = lastConfigError();
    assert.equal(ev.details['phase'], 'prepare');
    assert.deepEqual(ev.details['problems'], res.problems);
  });

  test('a new node whose log cannot be opened: the removed node runs on, the changed one keeps its pid', async () => {
    const { stateDir, logDir } = t.daemon.manager;
    removeNode(t.configDir, 'bad-fifo');
    removeNode(t.configDir, 'bad-dir');
    fs.rmSync(fifoPath(stateDir, 'bad-fifo'));
    writeNode(t.configDir, 'bad-log', {});
    fs.mkdirSync(path.join(logDir, 'bad-log.log')); // a directory where the node's log file must go

    const r = await t.cli(['reload']);
    assert.equal(r.code, 2, r.stdout + r.stderr);
    const lines = r.stderr.trimEnd().split('\n');
    assert.equal(lines[0], 'nodewarden: reload refused, nothing changed (1 problem):');
    assert.match(lines[1]!, /^ {2}nodes\/bad-log\.json: cannot open the node's log: .*EISDIR/);
    nothingApplied();
    for (const n of ['bad-log', 'fine'])
      assert.equal(fs.existsSync(fifoPath(stateDir, n)), false, `${n}'s staged pipe was removed`);
    assert.equal(lastConfigError().details['phase'], 'prepare');
  });

  test('once the cause is gone, the same change applies', async () => {
    fs.rmdirSync(path.join(t.daemon.manager.logDir, 'bad-log.log'));
    const res = await t.client.reload();
    assert.equal(res.ok, true, res.problems.join('\n'));
    assert.deepEqual(
      [res.added.sort(), res.removed, res.changed, res.unchanged],
      [['bad-log', 'fine'], ['drop'], ['change'], ['keep']],
    );
    assert.equal(isAlive(pids['drop']!), false, 'the removed node was stopped');
    const now = await t.waitRunning(['change', 'keep', 'fine', 'bad-log']);
    assert.notEqual(now['change'], pids['change']);
    assert.equal(now['keep'], pids['keep']);
  });
});
