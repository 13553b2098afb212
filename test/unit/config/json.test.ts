import { describe, test } from 'node:test';
import assert from 'node:assert/strict';
import { lineColumn, parseJson } from '../../../src/config/json-file.js';
import { jsonErrorOffset } from '../../../src/config/json-position.js';

describe('JSON errors', () => {
  test('lineColumn is 1-based', () => {
    assert.deepEqual(lineColumn('ab\ncd\nef', 0), { line: 1, column: 1 });
    assert.deepEqual(lineColumn('ab\ncd\nef', 4), { line: 2, column: 2 });
    assert.deepEqual(lineColumn('ab\n', 3), { line: 2, column: 1 });
  });

  test('the fallback scanner finds the same position V8 reports', () => {
    const bad = [
      '{"a" 1}',
      '[1,2',
      '{"a":1,}',
      '{x}',
      '{"a":"\n"}',
      '{} x',
      '[1 2]',
      '{"a":-}',
      '"\\q"',
      '',
      '{"a":[1,{"b":tru}]}',
      '01',
    ];
    for (const text of bad) {
      let v8: number | null = null;
      try {
        JSON.parse(text);
        assert.fail(`${text} parsed`);
      } catch (err) {
        const m = /at position (\d+)/.exec((err as Error).message);
        v8 = m ? Number(m[1]) : null;
      }
      const ours = jsonErrorOffset(text);
      if (v8 !== null) assert.equal(ours, v8, `offset for ${JSON.stringify(text)}`);
      else assert.ok(ours >= 0 && ours <= text.length);
    }
    assert.equal(jsonErrorOffset('{"a":[1,{"b":tru}]}'), 16);
  });

  test('parseJson: value or an issue with line and column; a BOM is tolerated', () => {
    assert.deepEqual(parseJson('\ufeff{"a":1}', '/x.json'), { ok: true, value: { a: 1 } });
    const r = parseJson('{\n "a": 1\n "b": 2}', '/x.json');
    assert.ok(!r.ok);
    assert.equal(r.issue.file, '/x.json');
    assert.match(
      r.issue.message,
      /^invalid JSON at line 3, column 2: Expected ',' or '}' after property value$/,
    );
    const empty = parseJson('', '/x.json');
    assert.ok(!empty.ok);
    assert.match(empty.issue.message, /^invalid JSON at line 1, column 1: Unexpected end of JSON input$/);
  });
});
