/**
 * A node log deleted or moved away while a real node writes to it: the
 * manager opens a new `<name>.log` at once, every line the node wrote after
 * that lands in it, and the manager holds no fd on a deleted log.
 */
import { after, before, describe, test } from 'node:test';
import assert from 'node:assert/strict';
import fs from 'node:fs';
import path from 'node:path';
import { ensureFifos, fifoPath } from '../../../src/logs/fifo.js';
import { NodeLog } from '../../../src/logs/node-log.js';
import { ExecDriver } from '../../../src/supervisor/exec-driver.js';
import { metricsFor } from '../../../src/metrics/registry.js';
import { simArgs, startTestDaemon } from '../../helpers/daemon.js';
import { fixture, makeSpec, Pids, tmpDir, waitUntil } from '../driver/support.js';
import { deletedFiles } from '../../helpers/open-files.js';
import { checkLog } from './log-check.js';

describe('a node log deleted or moved while the node writes', () => {
  let dir: string;
  const pids = new Pids();
  const driver = new ExecDriver();
  before(() => (dir = tmpDir()));
  after(() => {
    pids.killAll();
    fs.rmSync(dir, { recursive: true, force: true });
  });

  /**
   * Runs the line-writer fixture through a real FIFO and NodeLog; after
   * `pauseAt` lines, once they are on disk, `act` runs on the log file, then
   * the node writes the rest. Returns the log directory.
   */
  async function run(name: string, lines: number, size: number, pauseAt: number, act: (log: string) => void) {
    const paused = path.join(dir, `${name}.paused`);
    const logs = { maxBytes: 1 << 30, backups: 5, compress: false };
    const spec = makeSpec(dir, {
      name,
      binary: process.execPath,
      args: [
        fixture('line-writer'),
        `lines=${lines}`,
        `size=${size}`,
        `pauseAt=${pauseAt}`,
        `pausedFile=${paused}`,
      ],
      dataDir: path.join(dir, 'data', name),
      logs,
    });
    const logDir = path.join(dir, 'logs');
    const fifo = fifoPath(path.join(dir, 'state'), name);
    await ensureFifos([fifo]);
    const log = await NodeLog.open({ fifoPath: fifo, logDir, name, logs });
    try {
      const p = await driver.spawn({ spec, outputFd: log.outputFd() });
      pids.add(p.pid, p.startTime);
      await waitUntil(
        () => fs.existsSync(paused) && log.stats().writtenBytes === pauseAt * size,
        `the first ${pauseAt} lines on disk`,
      );
      act(path.join(logDir, `${name}.log`));
      process.kill(p.pid, 'SIGUSR2');
      assert.deepEqual(await p.exited, { code: 0, signal: null });
      await waitUntil(() => log.stats().writtenBytes === lines * size, 'every line written');
      assert.deepEqual(deletedFiles(path.join(logDir, name)), [], 'no fd on a deleted log');
      assert.equal(log.stats().reopens, 1);
      assert.equal(log.stats().droppedLines, 0);
    } finally {
      await log.close();
    }
    return logDir;
  }

  test('deleted: a new file holds every line written after, none lost, no fd on the deleted one', async () => {
    const lines = 20_000;
    const size = 50;
    const logDir = await run('deleted', lines, size, 5_000, (log) => fs.unlinkSync(log));
    const current = fs.readFileSync(path.join(logDir, 'deleted.log'));
    // The writer checks the path after each batch: when the unlink comes between
    // a batch's write and that check, the batch is written again into the new
    // file (it may have gone with the unlinked one), so the new file may begin
    // a little before line 5001 — never after it.
    const first = Number(current.toString('latin1', 0, 9));
    assert.ok(first >= 1 && first <= 5_001, `the new file begins at line ${first}`);
    assert.equal(current.length, (lines - first + 1) * size, 'from its first line on, every line once');
    checkLog(logDir, 'deleted', { lines, size, maxBytes: 1 << 30, tailOnly: true });
  });

  test('moved away as <name>.log.1 (logrotate without copytruncate): old and new file hold every line once', async () => {
    const lines = 20_000;
    const size = 50;
    const logDir = await run('moved', lines, size, 5_000, (log) => fs.renameSync(log, `${log}.1`));
    assert.equal(fs.statSync(path.join(logDir, 'moved.log.1')).size, 5_000 * size);
    checkLog(logDir, 'moved', { lines, size, maxBytes: 1 << 30 });
  });
});

describe('the manager with a node whose log is deleted', { timeout: 60_000 }, () => {
  test('the log is created again with new lines, `logs` shows them, the manager holds no deleted log', async () => {
    const t = await startTestDaemon({
      nodes: { chatty: { args: simArgs('--block-ms', '1000', '--log-every', '20') } },
    });
    try {
      await t.waitRunning(['chatty']);
      const logFile = path.join(t.dir, 'logs', 'chatty.log');
      await waitUntil(() => fs.existsSync(logFile) && fs.statSync(logFile).size > 0, 'the first log lines');
      fs.unlinkSync(logFile);
      await waitUntil(
        () => fs.existsSync(logFile) && fs.readFileSync(logFile, 'utf8').split('\n').length > 3,
        'a new chatty.log with new lines',
      );
      assert.deepEqual(deletedFiles(path.join(t.dir, 'logs')), []);
      const shown = await t.cli(['logs', 'chatty', '-n', '5']);
      assert.equal(shown.code, 0, shown.stderr);
      const last = shown.stdout.trim().split('\n').pop()!;
      assert.ok(fs.readFileSync(logFile, 'utf8').includes(last), `"${last}" is a line of the new file`);
      const scraped = await metricsFor(t.daemon).registry.metrics();
      assert.match(scraped, /^nodewarden_node_log_reopens_total\{node="chatty",[^}]*\} [1-9]/m);
    } finally {
      await t.close();
    }
  });
});
