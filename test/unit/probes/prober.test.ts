import { describe, test } from 'node:test';
import assert from 'node:assert/strict';
import { FakeClock } from '../../helpers/fake-clock.js';
import type { ProbeSpec } from '../../../src/config/types.js';
import { Prober, type ProbeReport } from '../../../src/monitoring/prober.js';
import type { ProbeResult, ProbeRunner } from '../../../src/monitoring/probes/index.js';

/** The prober's schedule on a FakeClock with a fake probe runner the test answers by hand. */

interface Call {
  spec: ProbeSpec;
  signal: AbortSignal | undefined;
  settle(r: ProbeResult): void;
}

function fakeRun() {
  const calls: Call[] = [];
  let active = 0;
  let maxActive = 0;
  const run: ProbeRunner = (spec, opts = {}) =>
    new Promise<ProbeResult>((resolve) => {
      active++;
      maxActive = Math.max(maxActive, active);
      calls.push({
        spec,
        signal: opts.signal,
        settle: (r) => {
          active--;
          resolve(r);
        },
      });
    });
  return { run, calls, maxActive: () => maxActive };
}

const probe = (url: string, intervalMs = 1000): ProbeSpec => ({
  type: 'http',
  url,
  intervalMs,
  timeoutMs: 500,
});
const flush = (): Promise<void> => new Promise((r) => setImmediate(r));

describe('Prober', () => {
  test('probes of one node never overlap: a probe that comes due waits its turn', async () => {
    const clock = new FakeClock();
    const f = fakeRun();
    const reports: ProbeReport[] = [];
    const p = new Prober({ clock, run: f.run, onReport: (r) => reports.push(r) });
    p.watch('n1', { height: probe('h'), version: probe('v') });
    assert.equal(f.calls.length, 1, 'only one probe in flight');
    assert.equal(f.calls[0]!.spec.url, 'h');
    f.calls[0]!.settle({ ok: true, value: 5, seconds: 0.01 });
    await flush();
    assert.equal(f.calls.length, 2);
    assert.equal(f.calls[1]!.spec.url, 'v');
    // While `version` is still running, `height` falls due again: it queues.
    clock.advance(1000);
    await flush();
    assert.equal(f.calls.length, 2);
    f.calls[1]!.settle({ ok: false, error: 'boom', seconds: 0.01 });
    await flush();
    assert.equal(f.calls.length, 3);
    assert.equal(f.calls[2]!.spec.url, 'h');
    assert.equal(f.maxActive(), 1);
    assert.deepEqual(
      reports.map((r) => [r.target, r.probe, r.ok]),
      [
        ['n1', 'height', true],
        ['n1', 'version', false],
      ],
    );
    await closeAll(p, f.calls);
  });

  test('different nodes are probed independently', async () => {
    const clock = new FakeClock();
    const f = fakeRun();
    const p = new Prober({ clock, run: f.run, onReport: () => {} });
    p.watch('a', { height: probe('a') });
    p.watch('b', { height: probe('b') });
    assert.deepEqual(
      f.calls.map((c) => c.spec.url),
      ['a', 'b'],
    );
    await closeAll(p, f.calls);
  });

  test('the next run is due intervalMs after the previous one started', async () => {
    const clock = new FakeClock();
    const f = fakeRun();
    const p = new Prober({ clock, run: f.run, onReport: () => {} });
    p.watch('a', { height: probe('a', 1000) });
    clock.advance(300); // the probe takes 300 ms
    f.calls[0]!.settle({ ok: true, value: 1, seconds: 0.3 });
    await flush();
    assert.deepEqual(clock.pending(), [1000]);
    clock.advance(699);
    assert.equal(f.calls.length, 1);
    clock.advance(1);
    assert.equal(f.calls.length, 2);
    await closeAll(p, f.calls);
  });

  test('unwatch aborts the probe in flight and drops its result; a new watch starts afresh', async () => {
    const clock = new FakeClock();
    const f = fakeRun();
    const reports: ProbeReport[] = [];
    const p = new Prober({ clock, run: f.run, onReport: (r) => reports.push(r) });
    p.watch('a', { height: probe('a') });
    const first = f.calls[0]!;
    p.unwatch('a');
    assert.equal(first.signal?.aborted, true);
    p.watch('a', { height: probe('a') });
    first.settle({ ok: true, value: 1, seconds: 0 });
    await flush();
    assert.equal(reports.length, 0, 'the old round is dropped');
    f.calls[1]!.settle({ ok: true, value: 2, seconds: 0 });
    await flush();
    assert.deepEqual(
      reports.map((r) => r.ok && r.value),
      [2],
    );
    assert.equal(p.watching('a'), true);
    await closeAll(p, f.calls);
  });

  test('a runner that throws is reported as a failure, never a success', async () => {
    const clock = new FakeClock();
    const reports: ProbeReport[] = [];
    const p = new Prober({
      clock,
      run: () => Promise.reject(new Error('kaput')),
      onReport: (r) => reports.push(r),
    });
    p.watch('a', { height: probe('a') });
    await flush();
    assert.equal(reports.length, 1);
    assert.equal(reports[0]!.ok, false);
    await p.close();
  });

  test('close stops the schedule and waits for the probe in flight', async () => {
    const clock = new FakeClock();
    const f = fakeRun();
    const p = new Prober({ clock, run: f.run, onReport: () => {} });
    p.watch('a', { height: probe('a') });
    let closed = false;
    const done = p.close().then(() => (closed = true));
    await flush();
    assert.equal(closed, false);
    f.calls[0]!.settle({ ok: false, error: 'cancelled', seconds: 0 });
    await done;
    assert.deepEqual(clock.pending(), []);
    p.watch('a', { height: probe('a') });
    assert.equal(f.calls.length, 1, 'a closed prober watches nothing');
  });
});

async function closeAll(p: Prober, calls: Call[]): Promise<void> {
  const done = p.close();
  for (const c of calls) c.settle({ ok: false, error: 'cancelled', seconds: 0 });
  await done;
}
