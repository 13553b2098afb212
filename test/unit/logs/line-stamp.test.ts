import { describe, test, beforeEach, afterEach } from 'node:test';
import assert from 'node:assert/strict';
import fs from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { LineStamper, lineStampMs } from '../../../src/logs/line-stamp.js';
import { LogWriter } from '../../../src/logs/writer.js';
import { FakeClock } from '../../helpers/fake-clock.js';

const T0 = Date.parse('2026-12-02T10:14:39.123Z');

describe('LineStamper', () => {
  test('every line that starts in a chunk gets that chunk’s arrival time', () => {
    let now = T0;
    const s = new LineStamper(() => now);
    const out = s.apply(Buffer.from('a\nb\n')).toString();
    assert.equal(out, '2026-12-02T10:14:39.123Z a\n2026-12-02T10:14:39.123Z b\n');
    now += 1001;
    assert.equal(s.apply(Buffer.from('c\n')).toString(), '2026-12-02T10:14:40.124Z c\n');
  });

  test('a line split across chunks is stamped once, at the arrival of its first byte', () => {
    let now = T0;
    const s = new LineStamper(() => now);
    const parts = ['hea', 'd-of-line', '\nnext', ' part\n'].map((p) => {
      const b = s.apply(Buffer.from(p)).toString();
      now += 500;
      return b;
    });
    assert.equal(
      parts.join(''),
      '2026-12-02T10:14:39.123Z head-of-line\n2026-12-02T10:14:40.123Z next part\n',
    );
  });

  test('the stamped chunk is a copy: the caller may reuse its buffer at once', () => {
    const s = new LineStamper(() => T0);
    const input = Buffer.from('one\ntw');
    const a = s.apply(input);
    input.write('XXXXXX');
    const rest = Buffer.from('o\n');
    const b = s.apply(rest);
    rest.write('YY');
    assert.equal(
      Buffer.concat([a, b]).toString(),
      '2026-12-02T10:14:39.123Z one\n2026-12-02T10:14:39.123Z two\n',
    );
  });

  test('a stream that resumes inside a line leaves that rest unstamped', () => {
    const s = new LineStamper(() => T0, false);
    assert.equal(s.apply(Buffer.from('rest\nnew\n')).toString(), 'rest\n2026-12-02T10:14:39.123Z new\n');
  });

  test('lineStampMs reads back only the exact stamp format', () => {
    assert.equal(lineStampMs('2026-12-02T10:14:39.123Z hello'), T0);
    assert.equal(lineStampMs('2026-12-02T10:14:39Z hello'), null);
    assert.equal(lineStampMs('hello 2026-12-02T10:14:39.123Z'), null);
    assert.equal(lineStampMs(''), null);
  });
});

describe('LogWriter with timestamps', () => {
  let dir: string;
  beforeEach(() => (dir = fs.mkdtempSync(path.join(os.tmpdir(), 'nw-'))));
  afterEach(() => fs.rmSync(dir, { recursive: true, force: true }));

  test('writes each line behind its arrival time; a line a previous writer left unfinished is not stamped twice', async () => {
    const clock = new FakeClock({ wallNow: T0 });
    const opts = { logDir: dir, name: 'n1', maxBytes: 1 << 20, backups: 2, clock, timestamps: true };
    const w1 = await LogWriter.open(opts);
    w1.write(Buffer.from('one\nha'));
    clock.advance(2000);
    w1.write(Buffer.from('lf'));
    await w1.close();
    const w2 = await LogWriter.open(opts);
    w2.write(Buffer.from('-done\ntwo\n'));
    await w2.close();
    assert.equal(
      fs.readFileSync(path.join(dir, 'n1.log'), 'utf8'),
      '2026-12-02T10:14:39.123Z one\n2026-12-02T10:14:39.123Z half-done\n2026-12-02T10:14:41.123Z two\n',
    );
  });

  test('without timestamps the lines are written as the node printed them', async () => {
    const w = await LogWriter.open({ logDir: dir, name: 'n1', maxBytes: 1 << 20, backups: 2 });
    w.write(Buffer.from('plain\n'));
    await w.close();
    assert.equal(fs.readFileSync(path.join(dir, 'n1.log'), 'utf8'), 'plain\n');
  });
});
