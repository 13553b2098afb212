import { describe, test, beforeEach, afterEach } from 'node:test';
import assert from 'node:assert/strict';
import fs from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { LogWriter, type LogWriterOptions, type WritevFn } from '../../../src/logs/writer.js';
import type { Logger } from '../../../src/logger.js';
import { FakeClock } from '../../helpers/fake-clock.js';
import { deletedFiles } from '../../helpers/open-files.js';

const realWritev: WritevFn = (fd, bufs) =>
  new Promise((res, rej) => fs.writev(fd, bufs, null, (e, n) => (e ? rej(e) : res(n))));

function recordingLogger(): Logger & { lines: string[] } {
  const lines: string[] = [];
  const keep = (level: string) => (m: string) => void lines.push(`${level}: ${m}`);
  return { lines, error: keep('error'), warn: keep('warn'), info: keep('info'), debug() {} };
}

const lines = (from: number, to: number): string =>
  Array.from({ length: to - from + 1 }, (_, i) => `line ${from + i}\n`).join('');

describe('LogWriter: a deleted or moved log file', () => {
  let dir: string;
  let logger: ReturnType<typeof recordingLogger>;
  const file = (suffix = '') => path.join(dir, `n1.log${suffix}`);
  const open = (o: Partial<LogWriterOptions> = {}) =>
    LogWriter.open({ logDir: dir, name: 'n1', maxBytes: 1 << 20, backups: 5, logger, ...o });
  const deletedLogs = () => deletedFiles(file());

  beforeEach(() => {
    dir = fs.mkdtempSync(path.join(os.tmpdir(), 'nw-'));
    logger = recordingLogger();
  });
  afterEach(() => fs.rmSync(dir, { recursive: true, force: true }));

  test('deleted while idle: the next lines go to a new file, no fd is left on the deleted one', async () => {
    const w = await open();
    w.write(Buffer.from(lines(1, 10)));
    await w.flush();
    fs.unlinkSync(file());
    w.write(Buffer.from(lines(11, 20)));
    await w.flush();
    assert.equal(fs.readFileSync(file(), 'utf8'), lines(11, 20));
    assert.deepEqual(deletedLogs(), []);
    assert.equal(w.stats().reopens, 1);
    assert.equal(w.stats().writtenBytes, Buffer.byteLength(lines(1, 20)));
    assert.ok(logger.lines.some((l) => /^info: node n1: .*n1\.log was deleted; writing to a new/.test(l)));
    await w.close();
  });

  test('a silent node: its deleted log is let go of by the idle check, so the disk space is freed', async () => {
    const clock = new FakeClock();
    const w = await open({ clock });
    w.write(Buffer.from(lines(1, 10)));
    await w.flush();
    fs.unlinkSync(file());
    clock.advance(9_999);
    await w.flush();
    assert.equal(deletedLogs().length, 1, 'not yet: no output, and the idle check is not due');
    clock.advance(1);
    await w.flush();
    assert.deepEqual(deletedLogs(), []);
    assert.equal(fs.readFileSync(file(), 'utf8'), '', 'an empty new log is in place');
    w.write(Buffer.from(lines(11, 12)));
    await w.close();
    assert.equal(fs.readFileSync(file(), 'utf8'), lines(11, 12));
    assert.deepEqual(clock.pending(), [], 'close leaves no idle check behind');
  });

  test('moved away (logrotate without copytruncate): a new file is created, every line is in one of the two', async () => {
    const w = await open();
    w.write(Buffer.from(lines(1, 10)));
    await w.flush();
    fs.renameSync(file(), file('.moved'));
    w.write(Buffer.from(lines(11, 20)));
    await w.flush();
    assert.equal(fs.readFileSync(file('.moved'), 'utf8'), lines(1, 10));
    assert.equal(fs.readFileSync(file(), 'utf8'), lines(11, 20));
    assert.ok(logger.lines.some((l) => /n1\.log was moved away; writing to a new/.test(l)));
    assert.equal(w.stats().reopens, 1);
    await w.close();
  });

  test('moved away and a new file created in its place (logrotate `create`): the lines are appended to that file', async () => {
    const w = await open();
    w.write(Buffer.from(lines(1, 3)));
    await w.flush();
    fs.renameSync(file(), file('.1'));
    fs.writeFileSync(file(), 'half a line');
    w.write(Buffer.from(lines(4, 6)));
    await w.close();
    assert.equal(fs.readFileSync(file('.1'), 'utf8'), lines(1, 3));
    assert.equal(fs.readFileSync(file(), 'utf8'), 'half a line' + lines(4, 6));
  });

  test('deleted while a batch is being written: that batch is written again into the new file', async () => {
    let unlinkOnce = true;
    const w = await open({
      writev: async (fd, bufs) => {
        if (unlinkOnce) {
          unlinkOnce = false;
          fs.unlinkSync(file()); // between the check and the write: the write lands in an unlinked file
        }
        return realWritev(fd, bufs);
      },
    });
    w.write(Buffer.from(lines(1, 50)));
    await w.flush();
    w.write(Buffer.from(lines(51, 60)));
    await w.close();
    assert.equal(fs.readFileSync(file(), 'utf8'), lines(1, 60));
    assert.deepEqual(w.stats(), {
      writtenBytes: Buffer.byteLength(lines(1, 60)),
      droppedBytes: 0,
      droppedLines: 0,
      rotations: 0,
      reopens: 1,
    });
  });

  test('the whole log directory removed: it is created again', async () => {
    const w = await open();
    w.write(Buffer.from(lines(1, 2)));
    await w.flush();
    fs.rmSync(dir, { recursive: true });
    w.write(Buffer.from(lines(3, 4)));
    await w.close();
    assert.equal(fs.readFileSync(file(), 'utf8'), lines(3, 4));
  });

  test('a deleted file that cannot be reopened: lines are dropped and counted (one warning), writing resumes once it can', async () => {
    const w = await open();
    w.write(Buffer.from(lines(1, 2)));
    await w.flush();
    fs.rmSync(dir, { recursive: true });
    fs.writeFileSync(dir, 'not a directory'); // mkdir and open under it fail
    for (let i = 3; i <= 6; i++) {
      w.write(Buffer.from(lines(i, i)));
      await w.flush();
    }
    const s = w.stats();
    assert.equal(s.droppedLines, 4);
    assert.equal(s.droppedBytes, Buffer.byteLength(lines(3, 6)));
    assert.equal(s.writtenBytes, Buffer.byteLength(lines(1, 2)));
    assert.equal(logger.lines.filter((l) => /^warn: node n1: cannot reopen .*n1\.log/.test(l)).length, 1);
    fs.rmSync(dir);
    w.write(Buffer.from(lines(7, 8)));
    await w.close();
    assert.equal(fs.readFileSync(file(), 'utf8'), lines(7, 8));
    assert.deepEqual(deletedLogs(), []);
  });

  test('rotation still works after a reopen, and the rotated file is the reopened one', async () => {
    const w = await open({ maxBytes: 100 });
    w.write(Buffer.from(lines(1, 5)));
    await w.flush();
    fs.unlinkSync(file());
    w.write(Buffer.from(lines(6, 30)));
    await w.close();
    const rotated = fs
      .readdirSync(dir)
      .filter((f) => /^n1\.log\.\d+$/.test(f))
      .map((f) => Number(f.split('.').pop()))
      .sort((a, b) => b - a)
      .map((k) => fs.readFileSync(file(`.${k}`), 'utf8'));
    assert.equal(rotated.join('') + fs.readFileSync(file(), 'utf8'), lines(6, 30));
    assert.ok(w.stats().rotations > 0);
  });
});
