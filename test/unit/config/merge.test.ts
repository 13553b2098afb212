import { describe, test } from 'node:test';
import assert from 'node:assert/strict';
import { deepMerge } from '../../../src/config/merge.js';

describe('deepMerge', () => {
  test('objects merge key by key, recursively', () => {
    const base = { restart: { policy: 'always', backoffMs: 1000 }, priority: 100 };
    const over = { restart: { backoffMs: 5000 } };
    assert.deepEqual(deepMerge(base, over), {
      restart: { policy: 'always', backoffMs: 5000 },
      priority: 100,
    });
  });

  test('arrays replace instead of concatenating', () => {
    assert.deepEqual(deepMerge({ args: ['a', 'b', 'c'] }, { args: ['x'] }), { args: ['x'] });
  });

  test('scalars replace, and a scalar may replace an object', () => {
    assert.deepEqual(deepMerge({ a: 1, b: { c: 1 } }, { a: 2, b: 'flat' }), { a: 2, b: 'flat' });
  });

  test('null deletes the key', () => {
    const base = { env: { A: '1', B: '2' }, limits: { maxRssMb: 500 } };
    assert.deepEqual(deepMerge(base, { env: { A: null }, limits: null }), { env: { B: '2' } });
  });

  test('null of a key the base lacks is simply dropped', () => {
    assert.deepEqual(deepMerge({}, { sync: { maxLag: null, minHealthy: 2 } }), { sync: { minHealthy: 2 } });
  });

  test('nulls inside arrays are kept as written', () => {
    const over = { files: [{ path: 'x', json: { bootnodes: null } }] };
    assert.deepEqual(deepMerge({}, over), over);
  });

  test('inputs are not modified and the result shares nothing with them', () => {
    const base = { a: { b: [1, 2] } };
    const over = { a: { c: { d: 1 } } };
    const out = deepMerge(base, over) as { a: { b: number[]; c: { d: number } } };
    out.a.b.push(3);
    out.a.c.d = 9;
    assert.deepEqual(base, { a: { b: [1, 2] } });
    assert.deepEqual(over, { a: { c: { d: 1 } } });
  });

  test('a JSON "__proto__" key never reaches the prototype', () => {
    const over = JSON.parse('{"__proto__": {"polluted": true}, "x": 1}');
    const out = deepMerge({}, over) as Record<string, unknown>;
    assert.equal(Object.getPrototypeOf(out), Object.prototype);
    assert.equal(({} as Record<string, unknown>).polluted, undefined);
    assert.deepEqual(out, { x: 1 });
  });
});
