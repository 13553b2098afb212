import { describe, test } from 'node:test';
import assert from 'node:assert/strict';
import { changedKeys, planReload } from '../../../src/supervisor/reload-plan.js';
import { baseSpec } from '../../helpers/node-spec.js';

describe('planReload', () => {
  const spec = baseSpec('a', '/data/a', { env: { FOO: '1' }, runHash: 'h1' });

  test('sorts nodes into added, removed, changed (restart), live and unchanged', () => {
    const current = new Map([
      ['a', spec],
      ['b', baseSpec('b', '/data/b', { runHash: 'hb' })],
      ['c', baseSpec('c', '/data/c', { runHash: 'hc' })],
      ['gone', baseSpec('gone', '/data/gone')],
    ]);
    const plan = planReload(current, [
      { ...spec, args: ['--x'], env: { FOO: '2', BAR: 'x' }, runHash: 'h2' },
      baseSpec('b', '/data/b', { runHash: 'hb', priority: 5, stop: { signal: 'SIGINT', graceMs: 5 } }),
      baseSpec('c', '/data/c', { runHash: 'hc' }),
      baseSpec('new', '/data/new'),
    ]);
    assert.deepEqual(plan, {
      added: ['new'],
      removed: ['gone'],
      changed: [{ name: 'a', keys: ['args', 'env.BAR', 'env.FOO'] }],
      live: [{ name: 'b', keys: ['priority', 'stop.graceMs', 'stop.signal'] }],
      unchanged: ['c'],
    });
  });

  test('a changed run hash restarts even when no shown key differs; profiles show under their config name', () => {
    assert.deepEqual(planReload(new Map([['a', spec]]), [{ ...spec, runHash: 'other' }]).changed, [
      { name: 'a', keys: [] },
    ]);
    const withProfile = { ...spec, profileSpecs: { fallback: { ...spec, args: ['--safe'] } } };
    assert.deepEqual(changedKeys(spec, withProfile), ['profiles.fallback']);
    const otherProfile = { ...spec, profileSpecs: { fallback: { ...spec, args: ['--safer'] } } };
    assert.deepEqual(changedKeys(withProfile, otherProfile), ['profiles.fallback.args']);
  });
});
