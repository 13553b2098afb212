import { test, describe } from 'node:test';
import assert from 'node:assert/strict';
import { parseOptions } from '../../../bench/options.js';
import { evaluateTargets } from '../../../bench/report/targets.js';
import { buildRows } from '../../../bench/report/table.js';
import type { BenchResults, ManagerResults } from '../../../bench/results.js';
import type { CycleResult } from '../../../bench/scenarios/cycle.js';
import type { ManagerName } from '../../../bench/managers/types.js';

const summary = (p50: number, p99 = p50) => ({ n: 100, p50, p95: p99, p99, max: p99, mean: p50 });

function cycle(
  n: number,
  path: 'boot' | 'api',
  o: { start: number; rss: number; cpu: number; crash?: number; events?: number },
): CycleResult {
  return {
    n,
    path,
    startMs: o.start,
    idle: { windowS: 20, cpuPercent: o.cpu, cpuSeconds: (o.cpu / 100) * 20, rssMb: o.rss, rssMaxMb: o.rss },
    ...(o.crash !== undefined ? { crash: { ...summary(o.crash), timeouts: 0 } } : {}),
    ...(o.events !== undefined ? { startedEvents: o.events } : {}),
    errors: [],
  };
}

function manager(name: ManagerName, extra: Partial<ManagerResults>): ManagerResults {
  return { name, label: name, notes: [], cycles: {}, api: {}, ...extra };
}

function run(nw: Partial<ManagerResults>, events = 1000): BenchResults {
  const logs = (mbps: number, cpuPerGB: number) => ({
    landedMBps: mbps,
    cpuSecondsPerGB: cpuPerGB,
    lost: 0,
    check: {
      files: 6,
      bytes: 1,
      intact: 1,
      minSeq: 0,
      maxSeq: 1,
      missingInWindow: 0,
      missingAtEnd: 0,
      split: 0,
      malformed: 0,
      duplicated: 0,
    },
    rounds: [],
    errors: [],
  });
  return {
    date: '2026-12-02T00:00:00Z',
    quick: false,
    machine: {
      cpus: 2,
      cpuModel: 'x',
      memoryGiB: 4,
      kernel: 'k',
      node: 'v22',
      tmpFs: 'tmpfs',
      loadAtStart: 0,
    } as BenchResults['machine'],
    childLinkage: 'static',
    sizes: [200],
    large: 1000,
    managers: [
      manager('nodewarden', {
        cycles: {
          200: cycle(200, 'boot', { start: 900, rss: 55, cpu: 0.1, crash: 10 }),
          1000: cycle(1000, 'boot', { start: 4000, rss: 110, cpu: 0.8, events }),
        },
        api: {
          200: cycle(200, 'api', { start: 1500, rss: 58, cpu: 0.1 }),
          1000: cycle(1000, 'api', { start: 4500, rss: 115, cpu: 0.9, events: 1000 }),
        },
        logs: logs(150, 5),
        ...nw,
      }),
      manager('runit', {
        cycles: { 200: cycle(200, 'boot', { start: 1700, rss: 19, cpu: 0, crash: 9.8 }) },
        api: { 200: cycle(200, 'api', { start: 1750, rss: 19, cpu: 0 }) },
      }),
      manager('supervisord', {
        cycles: { 200: cycle(200, 'boot', { start: 10500, rss: 34, cpu: 0.23, crash: 1000 }) },
        api: { 200: cycle(200, 'api', { start: 10500, rss: 34, cpu: 0.23 }) },
        logs: logs(100, 6),
      }),
    ],
    sampling: [
      {
        procs: 1000,
        hostProcs: 1200,
        table: summary(5),
        tick: summary(10, 25),
        tableAndStats: summary(6),
        pidusage: summary(50),
      },
    ],
    status: { latency: summary(3, 15), underLoad: 100, nodes: 1001, errors: [] },
  };
}

const verdict = (r: BenchResults, start: string) => {
  const v = evaluateTargets(r).find((x) => x.target.startsWith(start));
  assert.ok(v, `no target starting with ${start}`);
  return v.verdict;
};

describe('bench targets', () => {
  test('every target passes on figures that meet it, each against its peer of the same run', () => {
    const vs = evaluateTargets(run({}));
    assert.deepEqual(
      vs.filter((v) => v.verdict !== 'pass').map((v) => v.target),
      vs.filter((v) => v.target.startsWith('many writers')).map((v) => v.target), // no writers figures in this run
    );
    assert.ok(vs.length >= 13);
  });

  test('a crash p50 above 1.1 × runit and a slower API start than runit are misses', () => {
    const r = run({
      cycles: { 200: cycle(200, 'boot', { start: 900, rss: 55, cpu: 0.1, crash: 11 }) },
      api: { 200: cycle(200, 'api', { start: 1800, rss: 58, cpu: 0.1 }) },
    });
    assert.equal(verdict(r, 'crash→replacement p50 ≤ 1.1'), 'miss');
    assert.equal(verdict(r, 'start all 200 through the API'), 'miss');
  });

  test('idle after the API start is judged on its own: 61 MB there misses while boot passes', () => {
    const r = run({ api: { 200: cycle(200, 'api', { start: 1500, rss: 61, cpu: 0.1 }) } });
    assert.equal(verdict(r, 'idle at 200 after boot'), 'pass');
    assert.equal(verdict(r, 'idle at 200 after API start'), 'miss');
  });

  test('logs need 1.2 × supervisord and no lost line; one lost started event is a miss', () => {
    const base = run({});
    const nw = base.managers[0]!;
    nw.logs = { ...nw.logs!, landedMBps: 119 };
    assert.equal(verdict(base, 'logs MB/s'), 'miss');
    assert.equal(verdict(run({}, 999), '1,000 nodes: no event lost'), 'miss');
  });

  test('a peer that was not measured leaves its target "not measured", never a pass', () => {
    const r = run({});
    r.managers.splice(1, 1); // no runit
    assert.equal(verdict(r, 'crash→replacement p50 ≤ 1.1'), 'not measured');
    assert.equal(verdict(r, 'start all 200 through the API'), 'not measured');
  });

  test('the table has both start paths, the large N and a runit ratio column', () => {
    const rows = buildRows(run({}));
    const names = rows.map((r) => r.scenario);
    assert.ok(names.includes('1. start all (API), N=200 (ms)'));
    assert.ok(names.includes('2. idle RSS after API start, N=1000 (MB)'));
    const start = rows.find((r) => r.scenario === '1. start all (API), N=200 (ms)')!;
    assert.equal(start.ratios.runit, (1500 / 1750).toPrecision(2));
  });
});

describe('bench options', () => {
  test('--skip, --sizes, --large and --idle are parsed; unknown parts are usage errors', () => {
    const o = parseOptions(['--skip', 'fleet,page', '--sizes=50,200', '--large', '0', '--idle', '5']);
    assert.deepEqual(o.skip, ['fleet', 'page']);
    assert.deepEqual(o.sizes, [50, 200]);
    assert.equal(o.large, 0);
    assert.equal(o.idleSeconds, 5);
    assert.throws(() => parseOptions(['--skip', 'lunch']), /--skip: unknown part "lunch"/);
    assert.throws(() => parseOptions(['--sizes', '0']), /--sizes: "0" is not a whole number/);
  });

  test('the default run has runit, 200 nodes and the 1,000-node rows', () => {
    const o = parseOptions([]);
    assert.ok(o.only.includes('runit'));
    assert.deepEqual(o.sizes, [200]);
    assert.equal(o.large, 1000);
    assert.ok(o.samplingCounts.includes(1000));
    assert.equal(o.writers.count, 200);
    assert.equal(o.writers.seconds, 60);
  });
});
