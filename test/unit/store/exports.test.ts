import { test } from 'node:test';
import assert from 'node:assert/strict';
import { EventBus } from '../../../src/events/bus.js';
import { nullLogger } from '../../../src/logger.js';
import { attachStore } from '../../../src/store/attach.js';
import { csvField, toCsv } from '../../../src/store/csv.js';
import { openStore } from '../../../src/store/db.js';
import { exportEvents, exportSamples, exportUptime } from '../../../src/store/exports.js';
import type { Store } from '../../../src/store/store.js';
import { FakeClock, tempDir } from './helpers.js';

const T0 = Date.UTC(2024, 0, 1);

function withStore(fn: (store: Store, bus: EventBus, clock: FakeClock) => void): void {
  const { dir, cleanup } = tempDir();
  const clock = new FakeClock(T0);
  const store = openStore(dir, { logger: nullLogger, clock });
  const bus = new EventBus(() => clock.wallNow());
  attachStore(bus, store);
  try {
    fn(store, bus, clock);
  } finally {
    store.close();
    cleanup();
  }
}

test('csv fields follow RFC 4180: quote on comma, quote, CR or LF; double quotes; null is empty', () => {
  assert.equal(csvField('plain'), 'plain');
  assert.equal(csvField('a,b'), '"a,b"');
  assert.equal(csvField('say "hi"'), '"say ""hi"""');
  assert.equal(csvField('two\nlines'), '"two\nlines"');
  assert.equal(csvField('cr\r'), '"cr\r"');
  assert.equal(csvField(null), '');
  assert.equal(csvField(3.5), '3.5');
  assert.equal(csvField({ a: 1, b: 'x,y' }), '"{""a"":1,""b"":""x,y""}"');
  assert.equal(toCsv([{ name: 'x', get: (r: number) => r }], []), 'x\r\n');
});

test('events export: header row, oldest first, ISO and epoch times, details as JSON', () =>
  withStore((store, bus, clock) => {
    bus.emit({ node: 'geth', type: 'crashed', reason: 'exit 1, "bad"', details: { code: 1 } });
    clock.advance(1000);
    bus.emit({ node: null, type: 'manager_stopped' });
    const csv = exportEvents(store, {}, 'csv');
    const lines = csv.split('\r\n');
    assert.equal(lines[0], 'id,time,ts,node,type,severity,reason,details');
    assert.equal(
      lines[1],
      `1,2024-01-01T00:00:00.000Z,${T0},geth,crashed,warning,"exit 1, ""bad""","{""code"":1}"`,
    );
    assert.equal(lines[2], `2,2024-01-01T00:00:01.000Z,${T0 + 1000},,manager_stopped,info,,{}`);
    assert.equal(lines[3], '');
    assert.equal(lines.length, 4);

    const json = JSON.parse(exportEvents(store, { node: 'geth' }, 'json')) as unknown[];
    assert.deepEqual(json, [
      {
        id: 1,
        time: '2024-01-01T00:00:00.000Z',
        ts: T0,
        node: 'geth',
        type: 'crashed',
        severity: 'warning',
        reason: 'exit 1, "bad"',
        details: { code: 1 },
      },
    ]);
    assert.deepEqual(JSON.parse(exportEvents(store, { node: 'nobody' }, 'json')), []);
  }));

test('uptime export: worst first, rounded, no-data rows empty', () =>
  withStore((store, bus, clock) => {
    bus.emitState({ node: 'good', from: 'stopped', to: 'running', pid: 1 });
    bus.emitState({ node: 'bad', from: 'stopped', to: 'running', pid: 2 });
    clock.advance(1000);
    bus.emitState({ node: 'bad', from: 'running', to: 'exited', pid: null });
    clock.advance(2000);
    const csv = exportUptime(store, { sinceMs: T0, nodes: ['good', 'bad', 'ghost'] }, 'csv');
    assert.equal(
      csv,
      'node,uptimePercent,upSeconds,observedSeconds,from,to,rank,kind,intervals,medianLatencyMs,probeSamples,failedProbes,latencySource\r\n' +
        'bad,33.333,1,3,2024-01-01T00:00:00.000Z,2024-01-01T00:00:03.000Z,2,node,2,,0,0,\r\n' +
        'good,100,3,3,2024-01-01T00:00:00.000Z,2024-01-01T00:00:03.000Z,1,node,1,,0,0,\r\n' +
        'ghost,,0,0,2024-01-01T00:00:00.000Z,2024-01-01T00:00:03.000Z,,,0,,0,0,\r\n',
    );
    const json = JSON.parse(exportUptime(store, { sinceMs: T0 }, 'json')) as {
      node: string;
      uptimePercent: number;
    }[];
    assert.deepEqual(
      json.map((r) => [r.node, r.uptimePercent]),
      [
        ['bad', 33.333],
        ['good', 100],
      ],
    );
  }));

test('samples export at both resolutions', () =>
  withStore((store) => {
    store.recordSample({
      node: 'a',
      ts: T0 + 5000,
      cpuPercent: 12.5,
      rssBytes: 2048,
      height: 10,
      lag: null,
      health: 'syncing',
    });
    assert.equal(
      exportSamples(store, { sinceMs: T0, resolution: 'raw' }, 'csv'),
      'node,time,ts,cpuPercent,rssBytes,height,lag,health\r\n' +
        `a,2024-01-01T00:00:05.000Z,${T0 + 5000},12.5,2048,10,,syncing\r\n`,
    );
    assert.deepEqual(JSON.parse(exportSamples(store, { sinceMs: T0, resolution: 'minute' }, 'json')), [
      {
        node: 'a',
        time: '2024-01-01T00:00:00.000Z',
        ts: T0,
        samples: 1,
        cpuAvg: 12.5,
        cpuMax: 12.5,
        rssMax: 2048,
        height: 10,
        lagMax: null,
        health: 'syncing',
      },
    ]);
  }));
