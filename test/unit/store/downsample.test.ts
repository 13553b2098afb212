import { test } from 'node:test';
import assert from 'node:assert/strict';
import { bucketStep, downsample, type Point } from '../../../src/store/downsample.js';

test('bucketStep: whole ms under the unit, whole units from there on, never more buckets than points', () => {
  assert.equal(bucketStep(0, 30_000, 1000, 1000), 30);
  assert.equal(bucketStep(0, 5000, 8, 1000), 625);
  assert.equal(bucketStep(0, 20_000, 8, 1000), 3000);
  assert.equal(bucketStep(0, 3_600_000, 60, 1000), 60_000);
  assert.equal(bucketStep(0, 7 * 86_400_000, 300, 60_000), 2_040_000);
  for (const [span, points] of [
    [1, 300],
    [999, 7],
    [3_600_000, 300],
    [86_400_000, 1000],
  ] as const) {
    const step = bucketStep(0, span, points, 1000);
    assert.ok(Math.ceil(span / step) <= points, `${span}/${points}: step ${step}`);
  }
});

test('downsample keeps one real point per bucket: the last, or the highest (earliest of equals)', () => {
  const pts: Point[] = [
    [0, 5],
    [400, 9],
    [900, 9],
    [1000, 1],
    [1999, 2],
    [2500, 7],
  ];
  assert.deepEqual(downsample(pts, 0, 3000, 1000, 'last'), [
    [900, 9],
    [1999, 2],
    [2500, 7],
  ]);
  assert.deepEqual(downsample(pts, 0, 3000, 1000, 'max'), [
    [400, 9],
    [1999, 2],
    [2500, 7],
  ]);
});

test('downsample drops points outside the window; a point at `until` joins the last bucket', () => {
  const pts: Point[] = [
    [-1, 1],
    [0, 2],
    [1500, 3],
    [2000, 4],
    [2001, 5],
  ];
  assert.deepEqual(downsample(pts, 0, 2000, 1000, 'last'), [
    [0, 2],
    [2000, 4],
  ]);
});
