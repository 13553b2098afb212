import { describe, test } from 'node:test';
import assert from 'node:assert/strict';
import { PressurePolicy, type PressureMarks, type PressureNode } from '../../../src/policy/pressure.js';
import type { StateKind } from '../../../src/supervisor/states.js';
import { FakeClock } from '../../helpers/fake-clock.js';

const MARKS: PressureMarks = {
  memoryHighPercent: 90,
  memoryLowPercent: 80,
  cpuHighPercent: 95,
  cpuLowPercent: 70,
  samples: 3,
  diskLowPercent: 5,
};
const INTERVAL = 5000;

type Node = { -readonly [K in keyof PressureNode]: PressureNode[K] };

/**
 * A fleet that carries out the policy's actions: a pause stops at once (or
 * stays `stopping` until `settle` when slowStop), a resume starts the node
 * with a fresh start time.
 */
class Fleet {
  readonly clock = new FakeClock({ now: 0 });
  readonly policy: PressurePolicy;
  readonly nodes: Node[];
  slowStop = false;

  constructor(nodes: Array<Partial<Node> & { node: string }>, marks: PressureMarks = MARKS) {
    this.policy = new PressurePolicy(marks, this.clock);
    this.nodes = nodes.map((n, i) => ({ state: 'running', held: false, priority: 100, startedAt: i, ...n }));
  }

  get(name: string): Node {
    return this.nodes.find((n) => n.node === name)!;
  }

  /** One sample per entry (memory used %, or [memory, cpu]); returns what each sample did, '-' for nothing. */
  feed(seq: Array<number | [number, number | null]>): string[] {
    return seq.map((m) => {
      this.clock.advance(INTERVAL);
      const [mem, cpu] = typeof m === 'number' ? [m, 10] : m;
      const a = this.policy.evaluate({ memoryUsedPercent: mem, cpuPercent: cpu }, this.nodes);
      if (!a) return '-';
      const n = this.get(a.node);
      if (a.type === 'pause') n.state = this.slowStop ? 'stopping' : 'paused';
      else {
        n.state = 'running';
        n.startedAt = this.clock.wallNow();
      }
      return `${a.type} ${a.node}`;
    });
  }

  settle(name: string, state: StateKind): void {
    this.get(name).state = state;
  }
}

describe('PressurePolicy', () => {
  test('hysteresis: pauses after `samples` high samples, one per sample; resumes only below both low marks, most important first', () => {
    const f = new Fleet([
      { node: 'a', priority: 10 },
      { node: 'b', priority: 50 },
      { node: 'c', priority: 100 },
    ]);
    assert.deepEqual(f.feed([95, 95, 95, 95, 95, 95, 85, 85, 85, 85, 75, 75, 75, 75, 75, 75, 75]), [
      '-',
      '-',
      'pause c',
      'pause b',
      'pause a',
      '-', // nothing left to pause
      '-',
      '-',
      '-',
      '-', // between the marks: nothing either way
      '-',
      '-',
      'resume a',
      'resume b',
      'resume c',
      '-',
      '-',
    ]);
  });

  test('table: which samples count as high, low or neither', () => {
    const cases: Array<[string, Array<number | [number, number | null]>, string[]]> = [
      ['memory at the high mark is high', [90, 90, 90], ['-', '-', 'pause n']],
      [
        'CPU at its high mark is high',
        [
          [50, 95],
          [50, 99],
          [50, 96],
        ],
        ['-', '-', 'pause n'],
      ],
      [
        'a sample between the marks breaks the high streak',
        [95, 95, 85, 95, 95, 95],
        ['-', '-', '-', '-', '-', 'pause n'],
      ],
      [
        'unknown CPU is not high',
        [
          [50, null],
          [50, null],
          [50, null],
        ],
        ['-', '-', '-'],
      ],
      ['memory just under the high mark is not high', [89.99, 89.99, 89.99], ['-', '-', '-']],
    ];
    for (const [name, seq, expected] of cases) {
      assert.deepEqual(new Fleet([{ node: 'n' }]).feed(seq), expected, name);
    }
  });

  test('table: resuming needs memory AND CPU below their low marks for `samples` in a row', () => {
    const cases: Array<[string, Array<number | [number, number | null]>, string[]]> = [
      [
        'both low',
        [
          [79, 69],
          [79, 69],
          [79, 69],
        ],
        ['-', '-', 'resume n'],
      ],
      [
        'memory low, CPU in the band',
        [
          [50, 80],
          [50, 80],
          [50, 80],
        ],
        ['-', '-', '-'],
      ],
      ['memory at the low mark is not low', [80, 80, 80], ['-', '-', '-']],
      [
        'unknown CPU does not keep memory from being low',
        [
          [50, null],
          [50, null],
          [50, null],
        ],
        ['-', '-', 'resume n'],
      ],
      [
        'a band sample breaks the low streak',
        [50, 50, 85, 50, 50, 50],
        ['-', '-', '-', '-', '-', 'resume n'],
      ],
      ['a high sample breaks it too', [50, 50, 95, 50, 50, 50], ['-', '-', '-', '-', '-', 'resume n']],
    ];
    for (const [name, seq, expected] of cases) {
      const f = new Fleet([{ node: 'n', state: 'paused' }]);
      assert.deepEqual(f.feed(seq), expected, name);
    }
  });

  test('order: highest priority number first, among equals the youngest; resume the reverse among equals', () => {
    const f = new Fleet([
      { node: 'old', priority: 100, startedAt: 1_000 },
      { node: 'young', priority: 100, startedAt: 9_000 },
      { node: 'least', priority: 200, startedAt: 0 },
      { node: 'vital', priority: 1, startedAt: 5_000 },
    ]);
    assert.deepEqual(f.feed([95, 95, 95, 95, 95, 95]), [
      '-',
      '-',
      'pause least',
      'pause young',
      'pause old',
      'pause vital',
    ]);
    assert.deepEqual(f.feed([50, 50, 50, 50, 50, 50]), [
      '-',
      '-',
      'resume vital',
      'resume old',
      'resume young',
      'resume least',
    ]);
  });

  test('held nodes and nodes that are not running are never paused; held paused nodes are not resumed', () => {
    const f = new Fleet([
      { node: 'held', priority: 900, held: true },
      { node: 'starting', priority: 800, state: 'starting' },
      { node: 'backoff', priority: 700, state: 'backoff' },
      { node: 'ok', priority: 1 },
    ]);
    assert.deepEqual(f.feed([95, 95, 95, 95]), ['-', '-', 'pause ok', '-']);
    f.get('held').state = 'paused';
    assert.deepEqual(f.feed([50, 50, 50, 50]), ['-', '-', 'resume ok', '-']);
  });

  test('a pause still stopping holds the next pause; a resume still starting holds the next resume', () => {
    const f = new Fleet([
      { node: 'a', priority: 1 },
      { node: 'b', priority: 2 },
    ]);
    f.slowStop = true;
    assert.deepEqual(f.feed([95, 95, 95, 95, 95]), ['-', '-', 'pause b', '-', '-']);
    f.settle('b', 'paused');
    assert.deepEqual(f.feed([95]), ['pause a']);
    f.settle('a', 'paused');
    assert.deepEqual(f.feed([50, 50, 50]), ['-', '-', 'resume a']);
    f.settle('a', 'starting');
    assert.deepEqual(f.feed([50, 50]), ['-', '-']);
    f.settle('a', 'running');
    assert.deepEqual(f.feed([50]), ['resume b']);
  });

  test('events carry the figures that decided them', () => {
    const clock = new FakeClock({ now: 0 });
    const p = new PressurePolicy(MARKS, clock);
    const nodes: PressureNode[] = [{ node: 'n', state: 'running', held: false, priority: 7, startedAt: 1 }];
    let action = null;
    for (const cpu of [97, 98, 99.123]) {
      clock.advance(INTERVAL);
      action = p.evaluate({ memoryUsedPercent: 91.456, cpuPercent: cpu }, nodes);
    }
    assert.deepEqual(action, {
      type: 'pause',
      node: 'n',
      details: {
        trigger: 'memory+cpu',
        memoryUsedPercent: 91.46,
        cpuPercent: 99.12,
        requiredSamples: 3,
        memoryHighPercent: 90,
        cpuHighPercent: 95,
        samples: 3,
        highForMs: 2 * INTERVAL,
        priority: 7,
      },
    });
    const paused: PressureNode[] = [{ ...nodes[0]!, state: 'paused' }];
    for (let i = 0; i < 3; i++) {
      clock.advance(INTERVAL);
      action = p.evaluate({ memoryUsedPercent: 40, cpuPercent: 5 }, paused);
    }
    assert.deepEqual(action, {
      type: 'resume',
      node: 'n',
      details: {
        memoryUsedPercent: 40,
        cpuPercent: 5,
        requiredSamples: 3,
        memoryLowPercent: 80,
        cpuLowPercent: 70,
        samples: 3,
        lowForMs: 2 * INTERVAL,
        priority: 7,
      },
    });
  });

  test('new marks after a reload apply at the next sample', () => {
    const f = new Fleet([{ node: 'n' }]);
    assert.deepEqual(f.feed([70, 70]), ['-', '-']);
    f.policy.setMarks({ ...MARKS, memoryHighPercent: 60, memoryLowPercent: 50 });
    assert.deepEqual(f.feed([70, 70, 70]), ['-', '-', 'pause n']);
    assert.deepEqual(f.policy.streaks(), { high: 3, low: 0 });
  });
});
