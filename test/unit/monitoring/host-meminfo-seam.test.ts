import { after, describe, test } from 'node:test';
import assert from 'node:assert/strict';
import fs from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { ProcHostReader } from '../../../src/monitoring/host.js';

describe('host reader: NODEWARDEN_HOST_MEMINFO', () => {
  const dir = fs.mkdtempSync(path.join(os.tmpdir(), 'nw-meminfo-'));
  after(() => {
    delete process.env.NODEWARDEN_HOST_MEMINFO;
    fs.rmSync(dir, { recursive: true, force: true });
  });

  test('when set, memory is read from the named file instead of /proc/meminfo, at every reading', () => {
    const file = path.join(dir, 'meminfo');
    fs.writeFileSync(file, 'MemTotal: 1000000 kB\nMemFree: 10 kB\nMemAvailable: 40000 kB\n');
    process.env.NODEWARDEN_HOST_MEMINFO = file;
    const reader = new ProcHostReader();
    const r = reader.read([]);
    assert.equal(r.memTotalBytes, 1000000 * 1024);
    assert.equal(r.memoryAvailablePercent, 4);
    fs.writeFileSync(file, 'MemTotal: 1000000 kB\nMemFree: 10 kB\nMemAvailable: 600000 kB\n');
    assert.equal(reader.read([]).memoryAvailablePercent, 60);
  });

  test('unset, the real /proc/meminfo is read', () => {
    delete process.env.NODEWARDEN_HOST_MEMINFO;
    const total = Number(/^MemTotal:\s+(\d+)/m.exec(fs.readFileSync('/proc/meminfo', 'utf8'))![1]) * 1024;
    assert.equal(new ProcHostReader().read([]).memTotalBytes, total);
  });
});
