import { describe, test } from 'node:test';
import assert from 'node:assert/strict';
import { judgeSurvivor, retiredSpec, type SurvivorFacts } from '../../../src/supervisor/adoption.js';
import { identity } from './fixtures.js';

/**
 * The survivor decision as a table: the key is pid + start time (from the
 * record, else from the node lock) and the run hash; argv is evidence only.
 */

const P = identity(4242);
const Q = identity(4343);
const spec = { name: 'ant-1', runHash: 'now' };
const rec = (o: Partial<NonNullable<SurvivorFacts['recorded']>> = {}) => ({
  held: false,
  identity: P,
  runHash: 'now',
  ...o,
});
const lock = (holder = P, runHash: string | null = 'now', foreignManager: number | null = null) => ({
  holder,
  runHash,
  foreignManager,
});
const wrapped = { argv: ['/opt/chain/bin/chaind', '--datadir', '/d'] };

// prettier-ignore
const cases: Array<{ name: string; facts: SurvivorFacts; kind: string; reason?: string; pid?: number; details?: Record<string, unknown> }> = [
  { name: 'recorded, alive, same config, lock confirms: adopt', facts: { spec, recorded: rec(), recordedAlive: { argv: P.argv }, lock: lock() }, kind: 'adopt', pid: 4242, details: { source: 'database', lock: 'confirms' } },
  { name: 'recorded argv differs from what runs now (exec): still adopted, argv is evidence', facts: { spec, recorded: rec(), recordedAlive: wrapped, lock: lock() }, kind: 'adopt', details: { recordedArgv: [...P.argv], argv: undefined } },
  { name: 'recorded, alive, lock lost: adopt, lock missing', facts: { spec, recorded: rec(), recordedAlive: { argv: null }, lock: null }, kind: 'adopt', details: { lock: 'missing' } },
  { name: 'recorded, alive, config changed: reap', facts: { spec, recorded: rec({ runHash: 'then' }), recordedAlive: { argv: P.argv }, lock: lock() }, kind: 'reap', reason: 'config changed', pid: 4242 },
  { name: 'held, config changed: adopted as is, says so', facts: { spec, recorded: rec({ runHash: 'then', held: true }), recordedAlive: { argv: P.argv }, lock: lock() }, kind: 'adopt', details: { held: true, configChanged: true } },
  { name: 'no record: the live lock holder is adopted', facts: { spec, recorded: undefined, recordedAlive: null, lock: lock(Q) }, kind: 'adopt', pid: 4343, details: { source: 'node-lock', record: 'missing' } },
  { name: 'recorded process dead, lock names a newer one: adopted from the lock', facts: { spec, recorded: rec(), recordedAlive: null, lock: lock(Q) }, kind: 'adopt', pid: 4343, details: { source: 'node-lock', record: 'stale' } },
  { name: 'lock without a run hash: adopted, config unknown', facts: { spec, recorded: undefined, recordedAlive: null, lock: lock(Q, null) }, kind: 'adopt', details: { configKnown: false } },
  { name: 'lock holder runs another config: reap', facts: { spec, recorded: undefined, recordedAlive: null, lock: lock(Q, 'then') }, kind: 'reap', pid: 4343, details: { source: 'node-lock' } },
  { name: 'lock of another live manager: not ours', facts: { spec, recorded: undefined, recordedAlive: null, lock: lock(Q, 'now', 777) }, kind: 'none' },
  { name: 'nothing alive: nothing to adopt', facts: { spec, recorded: rec(), recordedAlive: null, lock: null }, kind: 'none' },
];

describe('judgeSurvivor', () => {
  for (const c of cases) {
    test(c.name, () => {
      const v = judgeSurvivor(c.facts);
      assert.equal(v.kind, c.kind);
      if (v.kind === 'none') return;
      if (c.pid !== undefined) assert.equal(v.identity.pid, c.pid);
      if (c.reason !== undefined && v.kind === 'reap') assert.equal(v.reason, c.reason);
      for (const [k, want] of Object.entries(c.details ?? {})) assert.deepEqual(v.details[k], want, k);
    });
  }

  test('an adopted process keeps the run hash it was started with', () => {
    const v = judgeSurvivor({
      spec,
      recorded: rec({ runHash: 'then', held: true }),
      recordedAlive: { argv: null },
      lock: null,
    });
    assert.ok(v.kind === 'adopt');
    assert.equal(v.runHash, 'then');
    const unknown = judgeSurvivor({ spec, recorded: undefined, recordedAlive: null, lock: lock(Q, null) });
    assert.ok(unknown.kind === 'adopt');
    assert.equal(unknown.runHash, 'now', 'unknown counts as the current config');
  });

  test('a foreign lock is named in the note', () => {
    const v = judgeSurvivor({ spec, recorded: undefined, recordedAlive: null, lock: lock(Q, 'now', 777) });
    assert.deepEqual(v, { kind: 'none', note: 'pid 4343 holds the node lock for nodewarden pid 777' });
  });
});

describe('retiredSpec', () => {
  test('a removed node is stopped with DESIGN stop defaults and is never started again', () => {
    const s = retiredSpec('gone-1');
    assert.deepEqual(s.stop, { signal: 'SIGTERM', graceMs: 120_000 });
    assert.equal(s.autostart, false);
    assert.equal(s.restart.policy, 'never');
    assert.equal(s.sync.group, 'gone-1');
    assert.deepEqual([s.probes, s.files, s.profileSpecs], [{}, [], {}]);
  });
});
