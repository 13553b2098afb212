import { after, describe, test } from 'node:test';
import assert from 'node:assert/strict';
import fs from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { ProcHostReader } from '../../../src/monitoring/host.js';

describe('host reader: NODEWARDEN_HOST_PROC', () => {
  const dir = fs.mkdtempSync(path.join(os.tmpdir(), 'nw-hostproc-'));
  after(() => {
    delete process.env.NODEWARDEN_HOST_PROC;
    fs.rmSync(dir, { recursive: true, force: true });
  });
  const calm =
    'some avg10=0.00 avg60=0.00 avg300=0.00 total=0\nfull avg10=0.00 avg60=0.00 avg300=0.00 total=0\n';

  test('when set, meminfo, stat and pressure are read from that directory, at every reading', () => {
    fs.mkdirSync(path.join(dir, 'pressure'));
    fs.writeFileSync(
      path.join(dir, 'meminfo'),
      'MemTotal: 1000000 kB\nMemFree: 10 kB\nMemAvailable: 40000 kB\n',
    );
    fs.writeFileSync(path.join(dir, 'stat'), 'cpu  100 0 100 1000 0 0 0 0\n');
    fs.writeFileSync(path.join(dir, 'pressure', 'cpu'), calm.replace('some avg10=0.00', 'some avg10=42.50'));
    fs.writeFileSync(path.join(dir, 'pressure', 'memory'), calm);
    process.env.NODEWARDEN_HOST_PROC = dir;
    const reader = new ProcHostReader();
    const r = reader.read([]);
    assert.equal(r.memTotalBytes, 1000000 * 1024);
    assert.equal(r.memoryAvailablePercent, 4);
    assert.equal(r.psiCpu, 42.5);
    assert.equal(r.psiMemory, 0);
    fs.writeFileSync(
      path.join(dir, 'meminfo'),
      'MemTotal: 1000000 kB\nMemFree: 10 kB\nMemAvailable: 600000 kB\n',
    );
    fs.writeFileSync(path.join(dir, 'stat'), 'cpu  150 0 150 1100 0 0 0 0\n');
    const r2 = reader.read([]);
    assert.equal(r2.memoryAvailablePercent, 60);
    assert.equal(r2.cpuBusyPercent, 50);
  });

  test('unset, the real /proc is read', () => {
    delete process.env.NODEWARDEN_HOST_PROC;
    const total = Number(/^MemTotal:\s+(\d+)/m.exec(fs.readFileSync('/proc/meminfo', 'utf8'))![1]) * 1024;
    assert.equal(new ProcHostReader().read([]).memTotalBytes, total);
  });
});
