import { describe, test } from 'node:test';
import assert from 'node:assert/strict';
import fs from 'node:fs';
import { parsePressureSome, ProcHostReader } from '../../../src/monitoring/host.js';

const MEMINFO = 'MemTotal: 1000 kB\nMemAvailable: 500 kB\n';
const STAT = 'cpu  100 0 100 800 0 0 0 0\n';

describe('kernel pressure-stall figures', () => {
  test('`some avg10` of a /proc/pressure file; no such line is an error', () => {
    const cpu =
      'some avg10=59.92 avg60=30.21 avg300=18.16 total=128487768\nfull avg10=0.00 avg60=0.00 avg300=0.00 total=0\n';
    assert.equal(parsePressureSome(cpu), 59.92);
    assert.equal(parsePressureSome('some avg10=0.00 avg60=1.00 avg300=0.00 total=0\n'), 0);
    assert.throws(() => parsePressureSome('full avg10=3.00 avg60=0.00 avg300=0.00 total=0\n'), /some avg10/);
  });

  test('the reader reports them, and null for each one the kernel does not have', () => {
    const files: Record<string, string> = {
      '/proc/meminfo': MEMINFO,
      '/proc/stat': STAT,
      '/proc/pressure/cpu': 'some avg10=12.50 avg60=0.00 avg300=0.00 total=9\n',
    };
    const reader = new ProcHostReader((f) => {
      const text = files[f];
      if (text !== undefined) return text;
      if (f.startsWith('/proc/pressure/')) throw Object.assign(new Error(`ENOENT: ${f}`), { code: 'ENOENT' });
      return fs.readFileSync(f, 'latin1');
    });
    const r = reader.read([]);
    assert.equal(r.psiCpu, 12.5);
    assert.equal(r.psiMemory, null);
  });

  test('a PSI file the kernel has not got is not read again at every tick', () => {
    const reads: Record<string, number> = {};
    const reader = new ProcHostReader((f) => {
      reads[f] = (reads[f] ?? 0) + 1;
      if (f === '/proc/meminfo') return MEMINFO;
      if (f === '/proc/stat') return STAT;
      if (f === '/proc/pressure/cpu')
        throw Object.assign(new Error(`EOPNOTSUPP: ${f}`), { code: 'EOPNOTSUPP' });
      if (f === '/proc/pressure/memory') throw Object.assign(new Error(`EIO: ${f}`), { code: 'EIO' });
      return fs.readFileSync(f, 'latin1');
    });
    for (let i = 0; i < 3; i++) {
      const r = reader.read([]);
      assert.equal(r.psiCpu, null);
      assert.equal(r.psiMemory, null);
    }
    assert.equal(reads['/proc/pressure/cpu'], 1, 'a kernel without PSI is asked once');
    assert.equal(reads['/proc/pressure/memory'], 3, 'another read failure is tried again');
    assert.equal(reads['/proc/meminfo'], 3);
  });

  test('this host: a number where /proc/pressure exists, else null', () => {
    const r = new ProcHostReader().read([]);
    const has = fs.existsSync('/proc/pressure/cpu');
    assert.equal(typeof r.psiCpu, has ? 'number' : 'object');
    assert.equal(typeof r.psiMemory, fs.existsSync('/proc/pressure/memory') ? 'number' : 'object');
  });
});
