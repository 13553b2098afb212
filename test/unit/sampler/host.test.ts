import { after, describe, test } from 'node:test';
import assert from 'node:assert/strict';
import fs from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { cpuBusyPercent, parseCpuLine, parseMeminfo, ProcHostReader } from '../../../src/monitoring/host.js';
import { mountPointOf, parseMountPoints, readFilesystems } from '../../../src/monitoring/disks.js';

const tmp = fs.mkdtempSync(path.join(os.tmpdir(), 'nw-'));
after(() => fs.rmSync(tmp, { recursive: true, force: true }));

const MEMINFO = `MemTotal:       16000000 kB
MemFree:         1000000 kB
MemAvailable:    4000000 kB
Buffers:          100000 kB
Cached:          2000000 kB
Hugepages_Total:       0
`;

describe('host readings', () => {
  test('meminfo: total and available in bytes; without MemAvailable, free + buffers + cached', () => {
    assert.deepEqual(parseMeminfo(MEMINFO), { totalBytes: 16000000 * 1024, availableBytes: 4000000 * 1024 });
    const old = MEMINFO.replace(/MemAvailable.*\n/, '');
    assert.equal(parseMeminfo(old).availableBytes, 3100000 * 1024);
    assert.throws(() => parseMeminfo('MemFree: 1 kB\n'), /no MemTotal/);
  });

  test('CPU busy % comes from the delta of the cpu line, idle + iowait counting as idle', () => {
    const a = parseCpuLine('cpu  100 0 100 700 100 0 0 0 0 0\ncpu0 1 2 3\n');
    assert.deepEqual(a, { total: 1000, idle: 800 });
    const b = parseCpuLine('cpu  250 0 150 850 150 0 0 0 0 0\n');
    assert.equal(cpuBusyPercent(a, b), 50);
    assert.equal(cpuBusyPercent(b, b), null, 'no time passed');
    assert.throws(() => parseCpuLine('intr 1 2\n'), /cpu line/);
  });

  test('ProcHostReader: available %, CPU null at the first reading then the delta, disks of the dataDirs', () => {
    const stats = ['cpu  100 0 100 800 0 0 0 0\n', 'cpu  190 0 110 900 0 0 0 0\n'];
    const reader = new ProcHostReader((file) => {
      if (file === '/proc/meminfo') return MEMINFO;
      if (file === '/proc/stat') return stats.shift()!;
      return fs.readFileSync(file, 'latin1');
    });
    const first = reader.read([tmp]);
    assert.equal(first.memoryAvailablePercent, 25);
    assert.equal(first.cpuBusyPercent, null);
    assert.equal(first.load.length, 3);
    assert.equal(first.disks.length, 1);
    assert.deepEqual(first.disks[0]!.dataDirs, [tmp]);
    assert.equal(reader.read([]).cpuBusyPercent, 50);
  });

  test('ProcHostReader reads disks again only after disksEveryMs or when the dataDirs change', () => {
    let now = 0;
    let mountinfoReads = 0;
    const reader = new ProcHostReader(
      (file) => {
        if (file === '/proc/self/mountinfo') mountinfoReads++;
        return fs.readFileSync(file, 'latin1');
      },
      { disksEveryMs: 60_000, now: () => now },
    );
    const first = reader.read([tmp]).disks;
    assert.equal(mountinfoReads, 1);
    now = 59_999;
    assert.equal(reader.read([tmp]).disks, first, 'the same reading within the minute');
    assert.equal(mountinfoReads, 1);
    const other = reader.read([tmp, os.tmpdir()]).disks;
    assert.equal(mountinfoReads, 2, 'other dataDirs: read at once');
    assert.ok(other.some((d) => d.dataDirs.includes(tmp)));
    now = 59_999 + 60_000;
    assert.notEqual(reader.read([tmp, os.tmpdir()]).disks, other);
    assert.equal(mountinfoReads, 3, 'a minute later: read again');
  });

  test('the real reader reads this host', () => {
    const r = new ProcHostReader().read([tmp]);
    assert.ok(r.memTotalBytes > 0 && r.memAvailableBytes <= r.memTotalBytes);
    assert.ok(r.memoryAvailablePercent > 0 && r.memoryAvailablePercent <= 100);
  });
});

describe('filesystems of dataDirs', () => {
  test('mount points: octal escapes undone; the longest containing mount point wins', () => {
    const mi =
      '22 27 0:21 / /proc rw - proc proc rw\n30 1 8:1 / / rw - ext4 /dev/sda1 rw\n31 30 8:2 / /var/lib/my\\040nodes rw - ext4 /dev/sdb rw\n';
    const mps = parseMountPoints(mi);
    assert.deepEqual(mps, ['/proc', '/', '/var/lib/my nodes']);
    assert.equal(mountPointOf('/var/lib/my nodes/a', mps), '/var/lib/my nodes');
    assert.equal(mountPointOf('/var/lib/my nodesX/a', mps), '/');
    assert.equal(mountPointOf('/var/lib/my nodes', mps), '/var/lib/my nodes');
  });

  test('one reading per distinct filesystem; a dataDir not created yet counts by its nearest existing parent', () => {
    const a = path.join(tmp, 'a');
    fs.mkdirSync(a);
    const notYet = path.join(tmp, 'b', 'c');
    const disks = readFilesystems([a, notYet, a], () => fs.readFileSync('/proc/self/mountinfo', 'latin1'));
    assert.equal(disks.length, 1);
    assert.deepEqual(disks[0]!.dataDirs, [a, notYet]);
    const d = disks[0]!;
    assert.ok(d.totalBytes > 0 && d.freeBytes <= d.totalBytes);
    assert.ok(d.freePercent >= 0 && d.freePercent <= 100);
    assert.ok(path.isAbsolute(d.filesystem));
    assert.deepEqual(
      readFilesystems([], () => ''),
      [],
    );
  });
});
