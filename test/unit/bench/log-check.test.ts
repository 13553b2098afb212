import { test, describe } from 'node:test';
import assert from 'node:assert/strict';
import fs from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { checkLog } from '../../../bench/scenarios/log-check.js';
import { percentile, summarize } from '../../../bench/stats.js';

/** The line nwb-child writes for seq: 12 digits, a space, 86 letters, a newline. */
const line = (seq: number): string =>
  `${String(seq).padStart(12, '0')} ${String.fromCharCode(97 + (seq % 26)).repeat(86)}\n`;
const lines = (from: number, to: number): string => {
  let s = '';
  for (let i = from; i <= to; i++) s += line(i);
  return s;
};

function withFiles(contents: string[], fn: (files: string[]) => void): void {
  const dir = fs.mkdtempSync(path.join(os.tmpdir(), 'nw-'));
  try {
    const files = contents.map((c, i) => {
      const f = path.join(dir, `f${i}`);
      fs.writeFileSync(f, c, 'latin1');
      return f;
    });
    fn(files);
  } finally {
    fs.rmSync(dir, { recursive: true, force: true });
  }
}

describe('checkLog', () => {
  test('rotation at line boundaries: a clean window, older lines rotated away are not lost', () => {
    withFiles([lines(10, 19), lines(20, 29)], (files) => {
      const c = checkLog(files, 30);
      assert.deepEqual(
        [c.intact, c.minSeq, c.maxSeq, c.missingInWindow, c.missingAtEnd, c.split, c.malformed, c.duplicated],
        [20, 10, 29, 0, 0, 0, 0, 0],
      );
      assert.equal(c.bytes, 2000);
    });
  });

  test('a line cut across two files counts as split, not lost', () => {
    const all = lines(0, 9);
    withFiles([all.slice(0, 450), all.slice(450)], (files) => {
      const c = checkLog(files, 10);
      assert.equal(c.split, 1);
      assert.equal(c.intact, 9);
      assert.equal(c.missingInWindow, 0);
      assert.equal(c.malformed, 0);
    });
  });

  test('gaps inside the window, a missing tail, duplicates and damage are each counted', () => {
    const damaged = line(6).replace('g', '\0');
    withFiles([lines(0, 3) + lines(5, 5) + damaged + lines(3, 3) + lines(7, 8)], (files) => {
      const c = checkLog(files, 12);
      assert.equal(c.missingInWindow, 2); // 4 and the damaged 6
      assert.equal(c.missingAtEnd, 3); // 9, 10, 11
      assert.equal(c.duplicated, 1); // 3
      assert.equal(c.malformed, 1);
    });
  });

  test('a file ending inside a line is malformed', () => {
    withFiles([lines(0, 1) + line(2).slice(0, 40)], (files) => {
      const c = checkLog(files, 3);
      assert.equal(c.malformed, 1);
      assert.equal(c.maxSeq, 1);
    });
  });
});

describe('stats', () => {
  test('lines behind a manager arrival stamp are intact; a stamp cut across files is split, not lost', () => {
    const stamped = (from: number, to: number): string =>
      lines(from, to)
        .split(/(?<=\n)/)
        .map((l) => `2026-12-02T10:14:39.123Z ${l}`)
        .join('');
    const text = stamped(0, 9);
    withFiles([text.slice(0, 130), text.slice(130)], (files) => {
      const c = checkLog(files, 10);
      assert.deepEqual(
        [c.intact, c.minSeq, c.maxSeq, c.missingInWindow, c.split, c.malformed, c.duplicated],
        [9, 0, 9, 0, 1, 0, 0],
      );
    });
  });

  test('nearest-rank percentiles', () => {
    const v = Array.from({ length: 100 }, (_, i) => i + 1);
    assert.equal(percentile(v, 50), 50);
    assert.equal(percentile(v, 99), 99);
    const s = summarize([3, 1, 2]);
    assert.deepEqual([s.n, s.p50, s.max, s.mean], [3, 2, 3, 2]);
  });
});
