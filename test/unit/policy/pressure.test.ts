import { describe, test } from 'node:test';
import assert from 'node:assert/strict';
import {
  PressurePolicy,
  type HostLoad,
  type PressureMarks,
  type PressureNode,
} from '../../../src/policy/pressure.js';
import type { StateKind } from '../../../src/supervisor/states.js';
import { FakeClock } from '../../helpers/fake-clock.js';

const MARKS: PressureMarks = {
  enabled: true,
  memoryHighPercent: 90,
  memoryLowPercent: 80,
  cpuHighPercent: 95,
  cpuLowPercent: 70,
  samples: 3,
  diskLowPercent: 5,
  psiCpuHighPercent: 50,
  psiCpuLowPercent: 20,
  psiMemoryHighPercent: 10,
  psiMemoryLowPercent: 2,
};
const INTERVAL = 5000;

type Node = { -readonly [K in keyof PressureNode]: PressureNode[K] };

/** One sample: memory used %, or [memory, raw CPU], or every figure (PSI null = a kernel without it). */
type Sample = number | [number, number | null] | Partial<HostLoad>;

function hostOf(m: Sample): HostLoad {
  if (typeof m === 'number') return { memoryUsedPercent: m, cpuPercent: 10, psiCpu: null, psiMemory: null };
  if (Array.isArray(m)) return { memoryUsedPercent: m[0], cpuPercent: m[1], psiCpu: null, psiMemory: null };
  return { memoryUsedPercent: 50, cpuPercent: 10, psiCpu: null, psiMemory: null, ...m };
}

/**
 * A fleet that carries out the policy's actions: a pause stops at once (or
 * stays `stopping` until `settle` when slowStop), a resume starts the node
 * with a fresh start time. Nodes default to `shed: true`, each alone in its
 * sync group.
 */
class Fleet {
  readonly clock = new FakeClock({ now: 0 });
  readonly policy: PressurePolicy;
  readonly nodes: Node[];
  slowStop = false;

  constructor(nodes: Array<Partial<Node> & { node: string }>, marks: PressureMarks = MARKS) {
    this.policy = new PressurePolicy(marks, this.clock);
    this.nodes = nodes.map((n, i) => ({
      state: 'running',
      held: false,
      priority: 100,
      startedAt: i,
      shed: true,
      group: n.node,
      minHealthy: 1,
      ...n,
    }));
  }

  get(name: string): Node {
    return this.nodes.find((n) => n.node === name)!;
  }

  /** One sample per entry (memory used %, or [memory, cpu]); returns what each sample did, '-' for nothing. */
  feed(seq: Sample[]): string[] {
    return seq.map((m) => {
      this.clock.advance(INTERVAL);
      const a = this.policy.evaluate(hostOf(m), this.nodes);
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
    const cases: Array<[string, Sample[], string[]]> = [
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
    const cases: Array<[string, Sample[], string[]]> = [
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
    const nodes: PressureNode[] = [
      {
        node: 'n',
        state: 'running',
        held: false,
        priority: 7,
        startedAt: 1,
        shed: true,
        group: 'n',
        minHealthy: 1,
      },
    ];
    let action = null;
    for (const cpu of [97, 98, 99.123]) {
      clock.advance(INTERVAL);
      action = p.evaluate(hostOf([91.456, cpu]), nodes);
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
        memoryLowPercent: 80,
        cpuHighPercent: 95,
        cpuLowPercent: 70,
        samples: 3,
        highForMs: 2 * INTERVAL,
        priority: 7,
      },
    });
    const paused: PressureNode[] = [{ ...nodes[0]!, state: 'paused' }];
    for (let i = 0; i < 3; i++) {
      clock.advance(INTERVAL);
      action = p.evaluate(hostOf([40, 5]), paused);
    }
    assert.deepEqual(action, {
      type: 'resume',
      node: 'n',
      details: {
        memoryUsedPercent: 40,
        cpuPercent: 5,
        requiredSamples: 3,
        memoryHighPercent: 90,
        memoryLowPercent: 80,
        cpuHighPercent: 95,
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

  test('regression: disabled (the default) pauses nothing, whatever the host; a node left paused is resumed', () => {
    const f = new Fleet([{ node: 'a' }, { node: 'b', priority: 1 }], { ...MARKS, enabled: false });
    assert.deepEqual(
      f.feed([
        [99, 100],
        [99, 100],
        [99, 100],
        [99, 100],
        [99, 100],
      ]),
      ['-', '-', '-', '-', '-'],
    );
    // Paused while it was enabled, then a reload turned it off: back at the next sample, under pressure or not.
    f.get('a').state = 'paused';
    assert.deepEqual(
      f.feed([
        [99, 100],
        [99, 100],
      ]),
      ['resume a', '-'],
    );
  });

  test('regression: only nodes with shed: true are ever paused; turning shed off resumes a paused node', () => {
    const f = new Fleet([
      { node: 'keep', priority: 900, shed: false },
      { node: 'spare', priority: 100 },
    ]);
    assert.deepEqual(f.feed([95, 95, 95, 95, 95]), ['-', '-', 'pause spare', '-', '-']);
    assert.equal(f.get('keep').state, 'running');
    f.get('spare').shed = false; // a reload
    assert.deepEqual(f.feed([95]), ['resume spare']);
    assert.deepEqual(f.feed([95, 95]), ['-', '-']);
  });

  test('regression: a pause never takes a sync group below sync.minHealthy running members', () => {
    const member = (node: string, priority: number): Partial<Node> & { node: string } => ({
      node,
      priority,
      group: 'chain',
      minHealthy: 2,
    });
    const f = new Fleet([
      member('m1', 300),
      member('m2', 200),
      member('m3', 100),
      { node: 'solo', priority: 50 },
    ]);
    assert.deepEqual(f.feed([95, 95, 95, 95, 95, 95]), ['-', '-', 'pause m1', 'pause solo', '-', '-']);
    assert.equal(f.get('m2').state, 'running');
    assert.equal(f.get('m3').state, 'running');
    // A member that is not running (paused, stopping, starting) does not count toward the floor.
    f.get('m2').state = 'starting';
    assert.deepEqual(f.feed([95]), ['-'], 'm3 is the only running member left');
    f.get('m2').state = 'running';
    // The group's highest minHealthy counts, whoever declares it.
    f.get('m2').minHealthy = 1;
    f.get('m3').minHealthy = 1;
    assert.deepEqual(f.feed([95]), ['-'], 'm1, though paused, still declares 2');
    f.get('m1').minHealthy = 1;
    assert.deepEqual(f.feed([95]), ['pause m2']);
  });

  test('regression: an operator start of a paused node wins until the host has been calm once', () => {
    const f = new Fleet([
      { node: 'a', priority: 200 },
      { node: 'b', priority: 100 },
    ]);
    assert.deepEqual(f.feed([95, 95, 95]), ['-', '-', 'pause a']);
    f.policy.operatorStarted('a');
    f.get('a').state = 'running';
    f.get('a').startedAt = f.clock.wallNow();
    assert.deepEqual(f.feed([95, 95, 95]), ['pause b', '-', '-'], 'a is left running');
    assert.deepEqual(f.policy.operatorHeld(), ['a']);
    f.policy.operatorStarted('b');
    f.get('b').state = 'running';
    // Calm for `samples` once (nothing to resume), then high again: shedding applies again.
    assert.deepEqual(f.feed([50, 50, 50]), ['-', '-', '-']);
    assert.deepEqual(f.policy.operatorHeld(), []);
    assert.deepEqual(f.feed([95, 95, 95]), ['-', '-', 'pause a']);
  });

  test('an operator start while the pause is still stopping wins too', () => {
    const f = new Fleet([
      { node: 'a', priority: 200 },
      { node: 'b', priority: 100 },
    ]);
    f.slowStop = true;
    assert.deepEqual(f.feed([95, 95, 95]), ['-', '-', 'pause a']);
    f.policy.operatorStarted('a');
    f.settle('a', 'starting'); // the stop ends in a start instead of a pause
    assert.deepEqual(f.feed([95]), ['pause b'], 'the pause of a is no longer awaited');
  });

  test('PSI: where the kernel reports stalls, CPU is high only when tasks wait for it', () => {
    const cases: Array<[string, Sample[], string[]]> = [
      [
        'regression: 100 % CPU with nothing waiting is no pressure',
        [
          { cpuPercent: 100, psiCpu: 3 },
          { cpuPercent: 100, psiCpu: 3 },
          { cpuPercent: 100, psiCpu: 3 },
        ],
        ['-', '-', '-'],
      ],
      [
        'CPU stall at the high mark is high, even with raw CPU low',
        [
          { cpuPercent: 40, psiCpu: 50 },
          { cpuPercent: 40, psiCpu: 60 },
          { cpuPercent: 40, psiCpu: 55 },
        ],
        ['-', '-', 'pause n'],
      ],
      [
        'memory stall at its mark is high, with memory use low',
        [{ psiMemory: 10 }, { psiMemory: 12 }, { psiMemory: 30 }],
        ['-', '-', 'pause n'],
      ],
      [
        'memory use at its mark is high, with no memory stall',
        [
          { memoryUsedPercent: 92, psiMemory: 0 },
          { memoryUsedPercent: 92, psiMemory: 0 },
          { memoryUsedPercent: 92, psiMemory: 0 },
        ],
        ['-', '-', 'pause n'],
      ],
    ];
    for (const [name, seq, expected] of cases)
      assert.deepEqual(new Fleet([{ node: 'n' }]).feed(seq), expected, name);

    const low: Array<[string, Sample, boolean]> = [
      ['both stalls under their low marks', { psiCpu: 19, psiMemory: 1, cpuPercent: 100 }, true],
      ['CPU stall in the band', { psiCpu: 30, psiMemory: 0 }, false],
      ['memory stall in the band', { psiCpu: 0, psiMemory: 5 }, false],
      ['memory use in the band', { psiCpu: 0, psiMemory: 0, memoryUsedPercent: 85 }, false],
    ];
    for (const [name, sample, resumes] of low) {
      const f = new Fleet([{ node: 'n', state: 'paused' }]);
      assert.deepEqual(f.feed([sample, sample, sample]), ['-', '-', resumes ? 'resume n' : '-'], name);
    }
  });

  test('PSI figures and the marks they met go into the event', () => {
    const f = new Fleet([{ node: 'n' }]);
    const high = { cpuPercent: 100, psiCpu: 72.345, psiMemory: 0.5 };
    f.feed([high, high]);
    const a = f.policy.evaluate(hostOf(high), f.nodes)!;
    assert.equal(a.type, 'pause');
    assert.equal(a.details.trigger, 'cpu_pressure');
    assert.equal(a.details.psiCpu, 72.35);
    assert.equal(a.details.psiCpuHighPercent, 50);
    assert.equal(a.details.psiMemory, 0.5);
    assert.equal(a.details.cpuPercent, 100);
  });
});
