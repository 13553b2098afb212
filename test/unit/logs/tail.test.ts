import { describe, test, beforeEach, afterEach } from 'node:test';
import assert from 'node:assert/strict';
import fs from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import zlib from 'node:zlib';
import { follow, readLastLines } from '../../../src/logs/tail.js';
import { LogWriter } from '../../../src/logs/writer.js';
import { waitUntil } from '../../helpers/wait.js';

/** Polls until cond() holds; the cap is only a failure bound. */
const until = (cond: () => boolean, what: string) => waitUntil(cond, what, 10_000, 20);

describe('tail', () => {
  let dir: string;
  const log = (suffix = '') => path.join(dir, `n1.log${suffix}`);
  beforeEach(() => (dir = fs.mkdtempSync(path.join(os.tmpdir(), 'nw-'))));
  afterEach(() => fs.rmSync(dir, { recursive: true, force: true }));

  test('readLastLines takes the current file first, then the newest rotated one', async () => {
    fs.writeFileSync(log('.1'), 'r1\nr2\nr3\nr4\nr5\n');
    fs.writeFileSync(log(), 'c1\nc2\nunfinished');
    assert.deepEqual(await readLastLines(dir, 'n1', 2), ['c2', 'unfinished']);
    assert.deepEqual(await readLastLines(dir, 'n1', 5), ['r4', 'r5', 'c1', 'c2', 'unfinished']);
    assert.deepEqual(await readLastLines(dir, 'n1', 100), [
      'r1',
      'r2',
      'r3',
      'r4',
      'r5',
      'c1',
      'c2',
      'unfinished',
    ]);
    assert.deepEqual(await readLastLines(dir, 'n1', 0), []);
    assert.deepEqual(await readLastLines(dir, 'nothing', 10), []);
  });

  test('readLastLines reads a gzipped previous file, and large files block by block', async () => {
    fs.writeFileSync(log('.1.gz'), zlib.gzipSync('old1\nold2\n'));
    const lines = Array.from({ length: 10_000 }, (_, i) => `line ${i} ${'é'.repeat(i % 13)}`);
    fs.writeFileSync(log(), lines.join('\n') + '\n');
    assert.deepEqual(await readLastLines(dir, 'n1', 3000), lines.slice(-3000));
    assert.deepEqual(await readLastLines(dir, 'n1', 10_001), ['old2', ...lines]);
  });

  test("follow delivers every line appended after it started, across the writer's rotations", async () => {
    fs.writeFileSync(log(), 'before\n');
    const got: string[] = [];
    const f = follow(dir, 'n1', (lines) => got.push(...lines), { intervalMs: 20 });
    await f.ready;
    const w = await LogWriter.open({ logDir: dir, name: 'n1', maxBytes: 300, backups: 50 });
    const expected = Array.from({ length: 300 }, (_, i) => `follow line ${i}`);
    for (let i = 0; i < expected.length; i += 10) {
      w.write(Buffer.from(expected.slice(i, i + 10).join('\n') + '\n'));
      await w.flush();
    }
    await w.close();
    try {
      await until(() => got.length >= expected.length, `${expected.length} lines (have ${got.length})`);
      assert.deepEqual(got, expected);
      assert.ok(w.stats().rotations > 5);
    } finally {
      f.close();
    }
  });

  test('follow catches up through files rotated past before it looked', async () => {
    fs.writeFileSync(log(), 'a\n');
    const got: string[] = [];
    const f = follow(dir, 'n1', (lines) => got.push(...lines), { intervalMs: 20 });
    await f.ready;
    // Two rotations in one synchronous burst: the follower cannot look in between.
    fs.appendFileSync(log(), 'b\n');
    fs.renameSync(log(), log('.1'));
    fs.writeFileSync(log(), 'c\n');
    fs.renameSync(log('.1'), log('.2'));
    fs.renameSync(log(), log('.1'));
    fs.writeFileSync(log(), 'd\n');
    try {
      await until(() => got.length >= 3, 'b, c and d');
      assert.deepEqual(got, ['b', 'c', 'd']);
    } finally {
      f.close();
    }
  });
});
