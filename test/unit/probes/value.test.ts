import { describe, test } from 'node:test';
import assert from 'node:assert/strict';
import { pickPath, toHeight, toInfo, ProbeValueError } from '../../../src/monitoring/probes/value.js';

describe('toHeight: numbers, decimal strings and hex all become integers', () => {
  const good: [unknown, number][] = [
    [0, 0],
    [1000, 1000],
    [1000.0, 1000],
    ['1000', 1000],
    [' 42\n', 42],
    ['0x1a', 26],
    ['0X1A', 26],
    ['0x0', 0],
    [123n, 123],
    [String(Number.MAX_SAFE_INTEGER), Number.MAX_SAFE_INTEGER],
  ];
  for (const [input, want] of good) {
    test(`${typeof input} ${JSON.stringify(String(input))} -> ${want}`, () =>
      assert.equal(toHeight(input), want));
  }

  const bad: unknown[] = [
    NaN,
    -1,
    1.5,
    Infinity,
    '',
    ' ',
    '-5',
    '1e3',
    '12.0',
    '0x',
    '0xzz',
    'abc',
    null,
    undefined,
    true,
    {},
    [1],
    -1n,
    '9007199254740993',
  ];
  for (const input of bad) {
    test(`rejects ${typeof input} ${String(input)}`, () =>
      assert.throws(() => toHeight(input), ProbeValueError));
  }

  test('regression: "999" -> "1000" compares as numbers, not strings', () => {
    const a = toHeight('999');
    const b = toHeight('1000');
    assert.ok(b > a, 'gaining a digit keeps counting up');
    assert.ok('1000' < '999', 'as strings the order is wrong: that was the old bug');
  });
});

describe('pickPath: dot paths into JSON', () => {
  const doc = { result: { height: 7 }, items: [{ tip: '0x10' }, { tip: 3 }], 'a-b': 1 };
  test('nested keys', () => assert.equal(pickPath(doc, 'result.height'), 7));
  test('array index', () => assert.equal(pickPath(doc, 'items.0.tip'), '0x10'));
  test('second element', () => assert.equal(pickPath(doc, 'items.1.tip'), 3));
  test('empty or absent path is the document', () => {
    assert.equal(pickPath(5, undefined), 5);
    assert.equal(pickPath(5, ''), 5);
  });
  test('missing key names the key and the path', () =>
    assert.throws(() => pickPath(doc, 'result.blocks'), /path "result.blocks": no key "blocks"/));
  test('index past the end', () =>
    assert.throws(() => pickPath(doc, 'items.5'), /index 5 is past the end of an array of 2/));
  test('non-index into array', () =>
    assert.throws(() => pickPath(doc, 'items.tip'), /"tip" is not an index/));
  test('into a scalar', () => assert.throws(() => pickPath(doc, 'result.height.x'), /cannot read "x" of 7/));
  test('inherited keys are not found', () =>
    assert.throws(() => pickPath({}, 'toString'), /no key "toString"/));
});

describe('toInfo', () => {
  test('strings are trimmed', () => assert.equal(toInfo(' sim/1.0.0\n'), 'sim/1.0.0'));
  test('numbers stay numbers', () => assert.equal(toInfo(8), 8));
  test('objects are refused', () => assert.throws(() => toInfo({ a: 1 }), /set "path"/));
  test('null is refused', () => assert.throws(() => toInfo(null), ProbeValueError));
});
