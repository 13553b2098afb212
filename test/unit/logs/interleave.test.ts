import { describe, test } from 'node:test';
import assert from 'node:assert/strict';
import { interleaveByTime, linePrefixer } from '../../../src/logs/interleave.js';

const at = (s: number, text: string): string => `2026-12-02T10:14:${String(s).padStart(2, '0')}.000Z ${text}`;

describe('interleaveByTime', () => {
  test('merges the nodes’ lines by their arrival stamps; ties keep the order the nodes are given in', () => {
    const got = interleaveByTime([
      { node: 'a', lines: [at(1, 'a1'), at(3, 'a3'), at(5, 'a5')] },
      { node: 'b', lines: [at(2, 'b2'), at(3, 'b3'), at(4, 'b4')] },
    ]);
    assert.deepEqual(
      got.map((l) => `${l.node}:${l.line.slice(-2)}`),
      ['a:a1', 'b:b2', 'a:a3', 'b:b3', 'b:b4', 'a:a5'],
    );
  });

  test('a line without a stamp stays behind the line before it in its file; each file keeps its order', () => {
    const got = interleaveByTime([
      { node: 'a', lines: ['no stamp yet', at(2, 'a2'), 'continued', at(1, 'clock went back')] },
      { node: 'b', lines: [at(1, 'b1'), at(3, 'b3')] },
    ]);
    assert.deepEqual(
      got.map((l) => l.line.replace(/^\S+Z /, '')),
      ['no stamp yet', 'b1', 'a2', 'continued', 'clock went back', 'b3'],
    );
  });

  test('prefixes are padded to the longest name', () => {
    const p = linePrefixer(['ant-10', 'b']);
    assert.equal(p('b'), 'b      | ');
    assert.equal(p('ant-10'), 'ant-10 | ');
  });
});
