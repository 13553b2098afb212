import { describe, test, before, after } from 'node:test';
import assert from 'node:assert/strict';
import fs from 'node:fs';
import path from 'node:path';
import { execFileSync } from 'node:child_process';
import { DEFAULT_PIPE_BYTES, enlargePipe, ensureFifos, fifoPath } from '../../../src/logs/fifo.js';
import { NodeLog } from '../../../src/logs/node-log.js';
import { LogCapture } from '../../../src/logs/capture.js';
import { LogWriter } from '../../../src/logs/writer.js';
import { ExecDriver } from '../../../src/supervisor/exec-driver.js';
import { isAlive } from '../../../src/supervisor/proc.js';
import { fixture, makeSpec, Pids, tmpDir, waitUntil } from '../driver/support.js';
import { checkLog } from './log-check.js';

describe('FIFO log capture with a real writing process', () => {
  let dir: string;
  const pids = new Pids();
  const driver = new ExecDriver();
  before(() => (dir = tmpDir()));
  after(() => {
    pids.killAll();
    fs.rmSync(dir, { recursive: true, force: true });
  });

  const writerSpec = (
    name: string,
    args: string[],
    logs = { maxBytes: 64 * 1024, backups: 500, compress: false },
  ) =>
    makeSpec(dir, {
      name,
      binary: process.execPath,
      args: [fixture('line-writer'), ...args],
      dataDir: path.join(dir, 'data', name),
      logs,
    });

  test('ensureFifos creates the missing FIFOs (mode 0600), keeps existing ones, refuses a non-FIFO', async () => {
    const stateDir = path.join(dir, 'state-fifo');
    const a = fifoPath(stateDir, 'a');
    const b = fifoPath(stateDir, 'b');
    assert.deepEqual(await ensureFifos([a, b]), [a, b]);
    for (const p of [a, b]) {
      const st = fs.statSync(p);
      assert.ok(st.isFIFO());
      assert.equal(st.mode & 0o777, 0o600);
    }
    const c = fifoPath(stateDir, 'c');
    assert.deepEqual(await ensureFifos([a, b, c]), [c]);
    const plain = fifoPath(stateDir, 'plain');
    fs.writeFileSync(plain, '');
    await assert.rejects(ensureFifos([plain]), /plain\.fifo exists but is not a FIFO/);
  });

  test('a child writing as fast as it can through rotation: no line lost, split or duplicated', async () => {
    const lines = 100_000;
    const size = 40;
    const spec = writerSpec('fast', [`lines=${lines}`, `size=${size}`]);
    const fifo = fifoPath(path.join(dir, 'state'), spec.name);
    await ensureFifos([fifo]);
    const log = await NodeLog.open({
      fifoPath: fifo,
      logDir: path.join(dir, 'logs'),
      name: spec.name,
      logs: spec.logs,
    });
    try {
      const p = await driver.spawn({ spec, outputFd: log.outputFd() });
      pids.add(p.pid, p.startTime);
      assert.deepEqual(await p.exited, { code: 0, signal: null });
      await waitUntil(() => log.bytesRead() === lines * size, 'every byte read from the FIFO');
    } finally {
      await log.close();
    }
    const stats = log.stats();
    assert.deepEqual(
      { ...stats, rotations: 0 },
      { writtenBytes: lines * size, droppedBytes: 0, droppedLines: 0, rotations: 0, reopens: 0 },
    );
    assert.ok(stats.rotations >= 60, `rotated ${stats.rotations} times`);
    checkLog(path.join(dir, 'logs'), spec.name, { lines, size, maxBytes: spec.logs.maxBytes });
  });

  test('two nodes writing at once (their captures share one read buffer): each file holds only its own lines, whole', async () => {
    const nodes = [
      { name: 'left', lines: 60_000, size: 40 },
      { name: 'right', lines: 40_000, size: 70 },
    ];
    const logDir = path.join(dir, 'logs-two');
    const logs = nodes.map((n) => ({
      ...n,
      spec: writerSpec(n.name, [`lines=${n.lines}`, `size=${n.size}`]),
    }));
    const fifos = logs.map((l) => fifoPath(path.join(dir, 'state'), l.name));
    await ensureFifos(fifos);
    const opened = await Promise.all(
      logs.map((l, i) => NodeLog.open({ fifoPath: fifos[i]!, logDir, name: l.name, logs: l.spec.logs })),
    );
    try {
      const procs = await Promise.all(
        logs.map((l, i) => driver.spawn({ spec: l.spec, outputFd: opened[i]!.outputFd() })),
      );
      for (const p of procs) pids.add(p.pid, p.startTime);
      for (const p of procs) assert.deepEqual(await p.exited, { code: 0, signal: null });
      await waitUntil(
        () => logs.every((l, i) => opened[i]!.bytesRead() === l.lines * l.size),
        'every byte of both nodes read',
      );
    } finally {
      await Promise.all(opened.map((o) => o.close()));
    }
    for (const l of logs)
      checkLog(logDir, l.name, { lines: l.lines, size: l.size, maxBytes: l.spec.logs.maxBytes });
  });

  test('enlargePipe: the FIFO gets a 1 MiB pipe, or keeps its size when the kernel or the host says no', async () => {
    const fifo = fifoPath(path.join(dir, 'state'), 'pipe-size');
    await ensureFifos([fifo]);
    const fd = fs.openSync(fifo, fs.constants.O_RDWR);
    /** The pipe's size as the kernel reports it (F_GETPIPE_SZ = 1032), through perl as nodewarden does. */
    const pipeSize = () =>
      Number(
        execFileSync('perl', ['-e', 'open(my $p, "+<&=", 3) or die; print fcntl($p, 1032, 0) + 0'], {
          stdio: ['ignore', 'pipe', 'inherit', fd],
        }).toString(),
      );
    try {
      assert.equal(pipeSize(), DEFAULT_PIPE_BYTES);
      const size = await enlargePipe(fd);
      // Past the user's pipe-user-pages-soft (many pipes on a busy host) the kernel refuses: size stays.
      assert.equal(pipeSize(), size ?? DEFAULT_PIPE_BYTES);
      if (size !== null) assert.equal(size, 1024 * 1024);
      // Without perl nothing is changed and nothing fails.
      const savedPath = process.env.PATH;
      process.env.PATH = path.join(dir, 'no-such-bin');
      try {
        assert.equal(await enlargePipe(fd), null);
      } finally {
        process.env.PATH = savedPath;
      }
    } finally {
      fs.closeSync(fd);
    }
  });

  test('the manager side closes (manager death): the node keeps writing unharmed, a new reader goes on with no gap', async () => {
    const lines = 30_000;
    const size = 50;
    const paused = path.join(dir, 'paused');
    const mark = path.join(dir, 'mark');
    // Pause after line 10000; once resumed (with no reader), mark after 500 more lines (< pipe capacity).
    const spec = writerSpec('survivor', [
      `lines=${lines}`,
      `size=${size}`,
      'pauseAt=10000',
      `pausedFile=${paused}`,
      'markAt=10500',
      `markFile=${mark}`,
    ]);
    const fifo = fifoPath(path.join(dir, 'state'), spec.name);
    const logDir = path.join(dir, 'logs');
    await ensureFifos([fifo]);
    const first = await NodeLog.open({ fifoPath: fifo, logDir, name: spec.name, logs: spec.logs });
    const p = await driver.spawn({ spec, outputFd: first.outputFd() });
    pids.add(p.pid, p.startTime);
    await waitUntil(
      () => fs.existsSync(paused) && first.bytesRead() === 10_000 * size,
      'the first 10000 lines to be read',
    );
    await first.close(); // the manager is gone: nobody reads the FIFO, only the node holds it

    process.kill(p.pid, 'SIGUSR2');
    await waitUntil(() => fs.existsSync(mark), 'the node to write 500 lines with no reader');
    assert.ok(isAlive(p.pid, p.startTime), 'no SIGPIPE/EPIPE: the node lives on');

    const second = await NodeLog.open({ fifoPath: fifo, logDir, name: spec.name, logs: spec.logs });
    try {
      assert.deepEqual(await p.exited, { code: 0, signal: null }, 'the node never saw a write error');
      await waitUntil(() => second.bytesRead() === (lines - 10_000) * size, 'the rest of the output');
    } finally {
      await second.close();
    }
    checkLog(logDir, spec.name, { lines, size, maxBytes: spec.logs.maxBytes });
  });

  test('a stalled log disk never blocks the node: it writes everything and exits, the manager drops and counts', async () => {
    const lines = 200_000;
    const size = 50;
    const spec = writerSpec('stalled', [`lines=${lines}`, `size=${size}`]);
    const fifo = fifoPath(path.join(dir, 'state'), spec.name);
    await ensureFifos([fifo]);
    let release!: () => void;
    const gate = new Promise<void>((r) => (release = r));
    const writer = await LogWriter.open({
      logDir: path.join(dir, 'logs'),
      name: spec.name,
      maxBytes: 1 << 30,
      backups: 1,
      maxPendingBytes: 1024 * 1024,
      writev: async (fd, bufs) => {
        await gate; // the disk hangs
        return new Promise((res, rej) => fs.writev(fd, bufs, null, (e, n) => (e ? rej(e) : res(n))));
      },
    });
    const capture = LogCapture.open(fifo, writer);
    try {
      const p = await driver.spawn({ spec, outputFd: capture.outputFd() });
      pids.add(p.pid, p.startTime);
      assert.deepEqual(await p.exited, { code: 0, signal: null }, 'the node finished while the disk hung');
      await waitUntil(() => capture.bytesRead() === lines * size, 'all output read');
      const s = writer.stats();
      assert.equal(s.writtenBytes, 0);
      assert.ok(s.droppedBytes >= lines * size - 1024 * 1024 - 64 * 1024, `dropped ${s.droppedBytes}`);
      assert.equal(s.droppedBytes % size, 0, 'whole lines dropped');
      assert.equal(s.droppedLines, s.droppedBytes / size);
    } finally {
      release();
      await capture.close();
      await writer.close();
    }
    assert.equal(writer.stats().writtenBytes + writer.stats().droppedBytes, lines * size);
  });
});
