import { describe, test } from 'node:test';
import assert from 'node:assert/strict';
import { LimitsPolicy, type LimitSample } from '../../../src/policy/limits.js';

const MiB = 1024 * 1024;

function sample(over: Partial<LimitSample> & { rssMb?: number }): LimitSample {
  const { rssMb, ...rest } = over;
  return {
    node: 'n',
    state: 'running',
    held: false,
    pid: 100,
    limits: { nofile: null, maxRssMb: 100, maxCpuPercent: 50, forSamples: 3 },
    cpuPercent: 10,
    rssBytes: (rssMb ?? 10) * MiB,
    ...rest,
  };
}

/** Feeds samples one tick each; returns the index of every tick that produced a restart. */
function run(policy: LimitsPolicy, samples: LimitSample[]): number[] {
  const hits: number[] = [];
  samples.forEach((s, i) => {
    if (policy.evaluate([s]).length > 0) hits.push(i);
  });
  return hits;
}

describe('LimitsPolicy', () => {
  test('over the RSS limit forSamples times in a row restarts with reason resource and the deciding figures', () => {
    const p = new LimitsPolicy();
    assert.deepEqual(p.evaluate([sample({ rssMb: 101 })]), []);
    assert.deepEqual(p.evaluate([sample({ rssMb: 150 })]), []);
    assert.deepEqual(p.count('n'), { rss: 2, cpu: 0 });
    const [a] = p.evaluate([sample({ rssMb: 170.04 })]);
    assert.deepEqual(a, {
      type: 'restart',
      node: 'n',
      reason: 'resource',
      details: { metric: 'rssMb', value: 170, limit: 100, samples: 3, values: [101, 150, 170], pid: 100 },
    });
    assert.deepEqual(p.count('n'), { rss: 0, cpu: 0 }, 'the count resets after the restart');
  });

  test('table: when the count resets', () => {
    const cases: Array<[string, LimitSample[], number[]]> = [
      [
        'a sample at the limit is not over it and resets',
        [
          sample({ rssMb: 120 }),
          sample({ rssMb: 120 }),
          sample({ rssMb: 100 }),
          sample({ rssMb: 120 }),
          sample({ rssMb: 120 }),
        ],
        [],
      ],
      [
        'a sample under the limit resets',
        [
          sample({ rssMb: 120 }),
          sample({ rssMb: 120 }),
          sample({ rssMb: 50 }),
          sample({ rssMb: 120 }),
          sample({ rssMb: 120 }),
          sample({ rssMb: 120 }),
        ],
        [5],
      ],
      [
        'not running resets',
        [
          sample({ rssMb: 120 }),
          sample({ rssMb: 120 }),
          sample({ rssMb: 120, state: 'stopping' }),
          sample({ rssMb: 120 }),
          sample({ rssMb: 120 }),
        ],
        [],
      ],
      [
        'a new pid resets',
        [
          sample({ rssMb: 120 }),
          sample({ rssMb: 120 }),
          sample({ rssMb: 120, pid: 101 }),
          sample({ rssMb: 120, pid: 101 }),
        ],
        [],
      ],
      [
        'held resets and never restarts',
        [
          sample({ rssMb: 120, held: true }),
          sample({ rssMb: 120, held: true }),
          sample({ rssMb: 120, held: true }),
          sample({ rssMb: 120 }),
        ],
        [],
      ],
      [
        'after a restart the next process starts from zero',
        [
          sample({ rssMb: 120 }),
          sample({ rssMb: 120 }),
          sample({ rssMb: 120 }),
          sample({ rssMb: 120 }),
          sample({ rssMb: 120 }),
          sample({ rssMb: 120 }),
        ],
        [2, 5],
      ],
      [
        'an unmeasured CPU sample neither counts nor resets',
        [
          sample({ cpuPercent: 60 }),
          sample({ cpuPercent: null }),
          sample({ cpuPercent: 60 }),
          sample({ cpuPercent: 60 }),
        ],
        [3],
      ],
      [
        'memory and CPU count separately',
        [
          sample({ cpuPercent: 60 }),
          sample({ rssMb: 120 }),
          sample({ cpuPercent: 60 }),
          sample({ rssMb: 120 }),
        ],
        [],
      ],
      [
        'limits off: never',
        [
          sample({
            rssMb: 900,
            cpuPercent: 900,
            limits: { nofile: null, maxRssMb: null, maxCpuPercent: null, forSamples: 1 },
          }),
        ],
        [],
      ],
    ];
    for (const [name, samples, expected] of cases) {
      assert.deepEqual(run(new LimitsPolicy(), samples), expected, name);
    }
  });

  test('CPU over its limit decides with metric cpuPercent; when both reach it at once memory decides', () => {
    const cpu = new LimitsPolicy();
    const hits = [60, 70, 80].map((c) => cpu.evaluate([sample({ cpuPercent: c })]));
    assert.deepEqual(hits[2]![0]!.details, {
      metric: 'cpuPercent',
      value: 80,
      limit: 50,
      samples: 3,
      values: [60, 70, 80],
      pid: 100,
    });
    const both = new LimitsPolicy();
    const last = [1, 2, 3].map(() => both.evaluate([sample({ cpuPercent: 90, rssMb: 200 })]))[2]!;
    assert.equal(last.length, 1);
    assert.equal(last[0]!.details.metric, 'rssMb');
  });

  test('nodes are independent, and a node absent from a tick is forgotten', () => {
    const p = new LimitsPolicy();
    p.evaluate([sample({ node: 'a', rssMb: 120 }), sample({ node: 'b', rssMb: 120 })]);
    p.evaluate([sample({ node: 'a', rssMb: 120 })]);
    assert.deepEqual(p.count('b'), { rss: 0, cpu: 0 });
    const acts = p.evaluate([sample({ node: 'a', rssMb: 120 }), sample({ node: 'b', rssMb: 120 })]);
    assert.deepEqual(
      acts.map((a) => a.node),
      ['a'],
    );
  });
});
