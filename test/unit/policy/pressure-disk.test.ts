import { describe, test } from 'node:test';
import assert from 'node:assert/strict';
import { LowDiskWatch } from '../../../src/policy/low-disk.js';
import type { DiskReading } from '../../../src/monitoring/disks.js';

function disk(filesystem: string, freePercent: number): DiskReading {
  return {
    filesystem,
    dataDirs: [`${filesystem}/data`],
    freePercent,
    freeBytes: freePercent * 10,
    totalBytes: 1000,
  };
}

describe('LowDiskWatch', () => {
  test('one low_disk per crossing below the mark, with the filesystem and figures; re-armed once back at the mark', () => {
    const w = new LowDiskWatch(5);
    const fired = [6, 4.9, 3, 1, 5, 4, 4].map((free) =>
      w.evaluate([disk('/srv', free)]).map((a) => a.freePercent),
    );
    assert.deepEqual(fired, [[], [4.9], [], [], [], [4], []]);
    w.evaluate([disk('/srv', 4)]);
    assert.deepEqual(w.lowFilesystems(), ['/srv']);
  });

  test('alert details', () => {
    const [a] = new LowDiskWatch(10).evaluate([disk('/data', 2)]);
    assert.deepEqual(a, {
      filesystem: '/data',
      freePercent: 2,
      freeBytes: 20,
      totalBytes: 1000,
      lowPercent: 10,
      dataDirs: ['/data/data'],
    });
  });

  test('filesystems are watched separately; one that no longer holds a dataDir is re-armed', () => {
    const w = new LowDiskWatch(5);
    assert.equal(w.evaluate([disk('/a', 1), disk('/b', 50)]).length, 1);
    assert.deepEqual(
      w.evaluate([disk('/a', 1), disk('/b', 2)]).map((x) => x.filesystem),
      ['/b'],
    );
    w.evaluate([disk('/b', 2)]);
    assert.deepEqual(
      w.evaluate([disk('/a', 1), disk('/b', 2)]).map((x) => x.filesystem),
      ['/a'],
    );
  });

  test('a new mark after a reload applies at the next reading', () => {
    const w = new LowDiskWatch(5);
    assert.equal(w.evaluate([disk('/a', 8)]).length, 0);
    w.setLowPercent(10);
    assert.equal(w.evaluate([disk('/a', 8)])[0]!.lowPercent, 10);
  });
});
