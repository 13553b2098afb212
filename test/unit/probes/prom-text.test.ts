import { describe, test } from 'node:test';
import assert from 'node:assert/strict';
import { findSample, parseSampleLine, sampleNumber } from '../../../src/monitoring/probes/prom-text.js';

const PAGE = [
  '# HELP chain_height Height.',
  '# TYPE chain_height gauge',
  'chain_height 1000',
  'chain_height{chain="main"} 1200 1700000000000',
  'chain_height{chain="test",shard="1"} 55',
  'build_info{version="2.1.0",commit="a\\"b\\\\c"} 1',
  'weird_value NaN',
  '',
].join('\n');

describe('prometheus text format', () => {
  test('a sample without labels', () => assert.equal(sampleNumber(findSample(PAGE, 'chain_height')), 1000));
  test('labels pick a sample; a timestamp is ignored', () =>
    assert.equal(sampleNumber(findSample(PAGE, 'chain_height', { chain: 'main' })), 1200));
  test('labels are a subset match', () =>
    assert.equal(findSample(PAGE, 'chain_height', { shard: '1' }).value, '55'));
  test('a label value (version), with escapes', () => {
    const s = findSample(PAGE, 'build_info');
    assert.equal(s.labels.version, '2.1.0');
    assert.equal(s.labels.commit, 'a"b\\c');
  });
  test('missing metric', () => assert.throws(() => findSample(PAGE, 'nope'), /no metric nope on the page/));
  test('no sample with these labels', () =>
    assert.throws(
      () => findSample(PAGE, 'chain_height', { chain: 'x' }),
      /no sample chain_height\{chain="x"\} among 3/,
    ));
  test('NaN is no reading', () =>
    assert.throws(() => sampleNumber(findSample(PAGE, 'weird_value')), /no finite value/));
  test('garbage lines are skipped', () => {
    assert.equal(parseSampleLine('{broken'), null);
    assert.equal(parseSampleLine('name{a="unterminated} 1'), null);
    assert.equal(parseSampleLine('name'), null);
  });
});
