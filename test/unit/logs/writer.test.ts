import { describe, test, beforeEach, afterEach } from 'node:test';
import assert from 'node:assert/strict';
import fs from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import zlib from 'node:zlib';
import { LogWriter, type LogWriterOptions, type WritevFn } from '../../../src/logs/writer.js';
import type { Logger } from '../../../src/logger.js';
import { FakeClock } from '../../helpers/fake-clock.js';
import { waitUntil } from '../../helpers/wait.js';

const realWritev: WritevFn = (fd, bufs) =>
  new Promise((res, rej) => fs.writev(fd, bufs, null, (e, n) => (e ? rej(e) : res(n))));
const enospc = () => Object.assign(new Error('ENOSPC: no space left on device, write'), { code: 'ENOSPC' });

/** Lines "line-000001 xxx…" of varying length, deterministic. */
function makeLines(n: number, from = 1): string[] {
  return Array.from(
    { length: n },
    (_, i) => `line-${String(from + i).padStart(6, '0')} ${'x'.repeat((i * 7) % 53)}`,
  );
}

/** Feeds text in pseudo-random chunk sizes (so chunks cut lines anywhere). */
function feed(w: LogWriter, text: string, seed = 1): void {
  const buf = Buffer.from(text);
  let s = seed;
  for (let off = 0; off < buf.length;) {
    s = (s * 1103515245 + 12345) % 2 ** 31;
    const len = 1 + (s % 700);
    w.write(buf.subarray(off, off + len));
    off += len;
  }
}

function recordingLogger(): Logger & { warns: string[] } {
  const warns: string[] = [];
  return { warns, error() {}, info() {}, debug() {}, warn: (m) => void warns.push(m) };
}

describe('LogWriter', () => {
  let dir: string;
  const open = (o: Partial<LogWriterOptions> = {}) =>
    LogWriter.open({ logDir: dir, name: 'n1', maxBytes: 1000, backups: 1000, ...o });
  const file = (suffix = '') => path.join(dir, `n1.log${suffix}`);
  /** All content, oldest rotated file first. */
  const readAll = () => {
    const rotated = fs
      .readdirSync(dir)
      .filter((f) => /^n1\.log\.\d+$/.test(f))
      .map((f) => Number(f.split('.').pop()));
    rotated.sort((a, b) => b - a);
    return [...rotated.map((i) => file(`.${i}`)), file()].map((f) => fs.readFileSync(f, 'utf8'));
  };

  beforeEach(() => (dir = fs.mkdtempSync(path.join(os.tmpdir(), 'nw-'))));
  afterEach(() => fs.rmSync(dir, { recursive: true, force: true }));

  test('write() copies what it keeps: the capture reuses its read buffer for the next read', async () => {
    for (const timestamps of [false, true]) {
      const w = await open({ maxBytes: 1 << 20, timestamps, clock: new FakeClock() });
      const shared = Buffer.alloc(4096);
      const lines = makeLines(60).map((l) => l + '\n');
      const text = lines.join('');
      // Reads of whole lines and reads that cut lines anywhere, all through one buffer.
      const reads = [lines.slice(0, 3).join(''), lines.slice(3, 10).join('')];
      const rest = Buffer.from(lines.slice(10).join(''));
      for (let off = 0; off < rest.length; off += 37) reads.push(rest.toString('latin1', off, off + 37));
      for (const r of reads) {
        const n = shared.write(r, 'latin1');
        w.write(shared.subarray(0, n));
        shared.fill(0x21); // the next read lands in the same buffer before the disk write
      }
      await w.close();
      const got = fs.readFileSync(file(), 'utf8');
      assert.equal(timestamps ? got.replace(/^\S+ /gm, '') : got, text);
      fs.rmSync(file());
    }
  });

  test('a few lines reach the file without flush(): a small batch waits only a moment for more', async () => {
    const w = await open({ maxBytes: 1 << 20 });
    w.write(Buffer.from('one\n'));
    w.write(Buffer.from('two\n'));
    await waitUntil(() => fs.readFileSync(file(), 'utf8') === 'one\ntwo\n', 'the lines on disk');
    await w.close();
  });

  test('rotation never splits a line, keeps every file within maxBytes, and .1 is the newest', async () => {
    const w = await open();
    const text = makeLines(2000).join('\n') + '\n';
    feed(w, text);
    await w.close();
    const files = readAll();
    assert.equal(files.join(''), text);
    for (const f of files) {
      assert.ok(Buffer.byteLength(f) <= 1000, 'within maxBytes');
      assert.ok(f.endsWith('\n'), 'ends at a line end');
    }
    assert.equal(w.stats().rotations, files.length - 1);
    assert.deepEqual(w.stats(), {
      writtenBytes: Buffer.byteLength(text),
      droppedBytes: 0,
      droppedLines: 0,
      rotations: files.length - 1,
      reopens: 0,
    });
  });

  test('only `backups` rotated files are kept, holding the newest output', async () => {
    const w = await open({ backups: 3 });
    const text = makeLines(500).join('\n') + '\n';
    feed(w, text, 7);
    await w.close();
    assert.deepEqual(fs.readdirSync(dir).sort(), ['n1.log', 'n1.log.1', 'n1.log.2', 'n1.log.3']);
    const kept = readAll().join('');
    assert.ok(text.endsWith(kept));
    assert.ok(kept.split('\n').length > 3 * 10);
  });

  test('an unterminated line longer than maxLineBytes is written as is', async () => {
    const w = await open({ maxLineBytes: 100 });
    w.write(Buffer.from('y'.repeat(250)));
    await w.flush();
    assert.equal(fs.readFileSync(file(), 'utf8'), 'y'.repeat(250));
    w.write(Buffer.from('-end\n'));
    await w.close();
    assert.equal(fs.readFileSync(file(), 'utf8'), 'y'.repeat(250) + '-end\n');
  });

  test('close writes an unfinished last line; the next writer finishes it before it rotates', async () => {
    const w1 = await open();
    w1.write(Buffer.from('a\nhalf'));
    await w1.close();
    assert.equal(fs.readFileSync(file(), 'utf8'), 'a\nhalf');
    const w2 = await open({ maxBytes: 5 });
    w2.write(Buffer.from('-done\nnext\n'));
    await w2.close();
    assert.equal(fs.readFileSync(file('.1'), 'utf8'), 'a\nhalf-done\n');
    assert.equal(fs.readFileSync(file(), 'utf8'), 'next\n');
  });

  test('a full disk drops whole lines and counts them, warns once per interval, and writing resumes after', async () => {
    let full = true;
    const clock = new FakeClock();
    const logger = recordingLogger();
    const w = await open({
      clock,
      logger,
      writev: (fd, b) => (full ? Promise.reject(enospc()) : realWritev(fd, b)),
    });
    for (let i = 0; i < 10; i++) {
      w.write(Buffer.from(`lost line ${i}\n`));
      await w.flush();
    }
    assert.deepEqual(w.stats(), {
      writtenBytes: 0,
      droppedBytes: 10 * 12,
      droppedLines: 10,
      rotations: 0,
      reopens: 0,
    });
    assert.equal(logger.warns.length, 1);
    assert.match(logger.warns[0]!, /n1: DROPPING LOG OUTPUT \(cannot write .*n1\.log: ENOSPC\)/);
    clock.advance(10_000);
    w.write(Buffer.from('x\n'));
    await w.flush();
    assert.equal(logger.warns.length, 2);
    full = false;
    w.write(Buffer.from('back\n'));
    await w.close();
    assert.equal(fs.readFileSync(file(), 'utf8'), 'back\n');
    assert.equal(w.stats().writtenBytes, 5);
    assert.equal(w.stats().droppedLines, 11);
  });

  test('a write cut short by a full disk is taken back to the last whole line', async () => {
    let calls = 0;
    const w = await open({
      writev: async (fd, bufs) => {
        if (++calls > 1) throw enospc();
        // The disk takes 7 bytes of "one\ntwo\nthree\n", then is full.
        return realWritev(fd, [Buffer.concat(bufs).subarray(0, 7)]);
      },
    });
    w.write(Buffer.from('one\ntwo\nthree\n'));
    await w.flush();
    assert.equal(fs.readFileSync(file(), 'utf8'), 'one\n');
    assert.deepEqual(w.stats(), {
      writtenBytes: 4,
      droppedBytes: 10,
      droppedLines: 2,
      rotations: 0,
      reopens: 0,
    });
    calls = -100;
    w.write(Buffer.from('four\n'));
    await w.close();
    assert.equal(fs.readFileSync(file(), 'utf8'), 'one\nfour\n');
  });

  test('a stalled disk never blocks write(): past maxPendingBytes whole lines are dropped, the rest is written intact', async () => {
    let release!: () => void;
    const gate = new Promise<void>((r) => (release = r));
    const w = await open({
      maxBytes: 1 << 30,
      maxPendingBytes: 64 * 1024,
      writev: async (fd, b) => (await gate, realWritev(fd, b)),
    });
    const lines = makeLines(20_000);
    const text = lines.join('\n') + '\n';
    feed(w, text, 3); // synchronous: returns although nothing can be written yet
    const s = w.stats();
    assert.equal(s.writtenBytes, 0);
    assert.ok(
      s.droppedBytes > Buffer.byteLength(text) - 64 * 1024 - 1024,
      `most was dropped (${s.droppedBytes})`,
    );
    release();
    await w.close();
    const onDisk = fs.readFileSync(file(), 'utf8');
    const written = onDisk.split('\n').slice(0, -1);
    const known = new Set(lines);
    assert.ok(
      written.every((l) => known.has(l)),
      'only whole, known lines on disk',
    );
    assert.equal(w.stats().writtenBytes + w.stats().droppedBytes, Buffer.byteLength(text));
    assert.equal(written.length + w.stats().droppedLines, lines.length);
  });

  test('compress gzips rotated files off the write path; content stays complete and in order', async () => {
    const w = await open({ maxBytes: 2000, backups: 100, compress: true });
    const text = makeLines(400).join('\n') + '\n';
    feed(w, text, 11);
    await w.close();
    const gz = fs
      .readdirSync(dir)
      .filter((f) => f.endsWith('.gz'))
      .map((f) => Number(f.split('.')[2]));
    assert.ok(gz.length > 3);
    assert.ok(
      fs.readdirSync(dir).every((f) => f === 'n1.log' || f.endsWith('.gz')),
      'no plain or temp leftovers',
    );
    gz.sort((a, b) => b - a);
    const all =
      gz.map((i) => zlib.gunzipSync(fs.readFileSync(file(`.${i}.gz`))).toString()).join('') +
      fs.readFileSync(file(), 'utf8');
    assert.equal(all, text);
  });

  test('compress with few backups and rapid rotations: the kept files are all gzipped and hold the newest output', async () => {
    const w = await open({ maxBytes: 500, backups: 3, compress: true });
    const text = makeLines(3000).join('\n') + '\n';
    feed(w, text, 5);
    await w.close();
    assert.deepEqual(fs.readdirSync(dir).sort(), ['n1.log', 'n1.log.1.gz', 'n1.log.2.gz', 'n1.log.3.gz']);
    const kept =
      [3, 2, 1].map((i) => zlib.gunzipSync(fs.readFileSync(file(`.${i}.gz`))).toString()).join('') +
      fs.readFileSync(file(), 'utf8');
    assert.ok(text.endsWith(kept), 'a contiguous tail of the output');
    assert.ok(w.stats().rotations > 100);
  });

  test('opening after a crash finishes a half-done rotation, removes temp files and compresses plain backups', async () => {
    fs.writeFileSync(file('.rotating'), 'A\n');
    fs.writeFileSync(file('.1'), 'B\n');
    fs.writeFileSync(file('.gzsrc-123'), 'junk');
    fs.writeFileSync(file('.gzsrc-123.gz.tmp'), 'junk');
    fs.writeFileSync(file(), 'C\n');
    const w = await open({ backups: 5, compress: true });
    await w.close();
    assert.deepEqual(fs.readdirSync(dir).sort(), ['n1.log', 'n1.log.1.gz', 'n1.log.2.gz']);
    assert.equal(zlib.gunzipSync(fs.readFileSync(file('.1.gz'))).toString(), 'A\n');
    assert.equal(zlib.gunzipSync(fs.readFileSync(file('.2.gz'))).toString(), 'B\n');
    assert.equal(fs.readFileSync(file(), 'utf8'), 'C\n');
  });
});
