/**
 * The pure parts of the control protocol and the CLI's rendering: targets and
 * globs, `since` values, schema error messages, tables, result lines and
 * exit codes, and the e2e template matcher.
 */
import { describe, test } from 'node:test';
import assert from 'node:assert/strict';
import { formatSchemaErrors, toErrorReply } from '../../../src/api/errors.js';
import { NodewardenError } from '../../../src/errors.js';
import { parseDuration, parseSince } from '../../../src/protocol/duration.js';
import {
  compileGlob,
  isNodeName,
  isTarget,
  MAX_TARGET_LENGTH,
  resolveTargets,
  resolveEachStepwise,
} from '../../../src/protocol/targets.js';
import { formatBytes, formatDuration } from '../../../src/cli/render/format.js';
import { renderResults, resultsExitCode } from '../../../src/cli/render/results.js';
import { renderTable } from '../../../src/cli/render/table.js';
import { mismatch } from '../../e2e/templates.js';

describe('targets', () => {
  const known = ['ant-1', 'ant-2', 'ant-10', 'geth', 'monero.main'];

  test('names, globs and all resolve in target order, each node once; misses are reported as given', () => {
    assert.deepEqual(resolveTargets(['geth', 'ant-?', 'all'], known), {
      nodes: ['geth', 'ant-1', 'ant-2', 'ant-10', 'monero.main'],
      unknown: [],
    });
    assert.deepEqual(resolveTargets(['ant-[!1]', 'nope', 'x*'], known), {
      nodes: ['ant-2'],
      unknown: ['nope', 'x*'],
    });
    assert.deepEqual(resolveTargets(['all'], []), { nodes: [], unknown: [] });
  });

  test('globs: * any run, ? one character, [..] a class; dots and other characters are literal', () => {
    assert.ok(compileGlob('ant-*').test('ant-10'));
    assert.ok(!compileGlob('ant-?').test('ant-10'));
    assert.ok(compileGlob('ant-[0-9]').test('ant-7'));
    assert.ok(!compileGlob('monero.main').test('moneroxmain'));
    assert.ok(compileGlob('a[').test('a['));
  });

  test('the matcher agrees with the regular-expression semantics globs always had', () => {
    // The former translation of a glob into a RegExp, kept here as the reference.
    const reference = (glob: string): RegExp => {
      let re = '';
      for (let i = 0; i < glob.length; i++) {
        const c = glob[i]!;
        if (c === '*') re += '.*';
        else if (c === '?') re += '.';
        else if (c === '[') {
          const end = glob.indexOf(']', i + 2);
          if (end < 0) {
            re += '\\[';
            continue;
          }
          let body = glob.slice(i + 1, end);
          const negate = body.startsWith('!');
          if (negate) body = body.slice(1);
          re += `[${negate ? '^' : ''}${body.replace(/[\\\]^]/g, '\\$&')}]`;
          i = end;
        } else re += c.replace(/[.+^${}()|\\]/g, '\\$&');
      }
      return new RegExp(`^${re}$`);
    };
    const globs = [
      '*',
      '**',
      'a*',
      '*a',
      '*a*',
      'a*b*c',
      'ant-?',
      'ant-??',
      '?',
      '??*',
      'ant-[0-9]',
      'ant-[!1]',
      'ant-[!0-4]*',
      '[ab]-1',
      '[a-c-e]x',
      '[-a]',
      '[a-]',
      '[]a]',
      '[!]',
      '[!]a]',
      'a[',
      'a[b',
      '[',
      '[[]',
      'x[.]y',
      'monero.main',
      'a.*',
      '*.*',
      '*-1?',
      'b*-*',
      '*[0-9][0-9]',
      '[A-Z]*',
      'ant-1*0',
      '*a*a*a*b',
      'a**b',
      '***',
      '[*]',
      '[?]x',
      'ant-*-*',
    ];
    const names = [
      'a',
      'b',
      'ab',
      'abc',
      'aXbYc',
      'ant-1',
      'ant-2',
      'ant-10',
      'ant-15',
      'ant-1x0',
      'a-1',
      'b-1',
      'c-1',
      '-',
      ']',
      ']a',
      'x',
      'a[',
      'a[b',
      '[',
      'x.y',
      'xzy',
      'monero.main',
      'moneroxmain',
      'a.b',
      'ab.cd',
      'e-1',
      'Ant-1',
      'b-2-3',
      'aaab',
      'aab',
      '*',
      '?x',
      'ant-3-4',
      '',
    ];
    for (const g of globs) {
      const re = reference(g);
      const m = compileGlob(g);
      for (const n of names)
        assert.equal(m.test(n), re.test(n), `glob ${JSON.stringify(g)} on ${JSON.stringify(n)}`);
    }
    // And on pseudo-random globs and names over a small alphabet (seeded: the same cases every run).
    let seed = 7;
    const rand = (k: number): number => {
      seed = (seed * 1103515245 + 12345) % 2147483648;
      return seed % k;
    };
    const pick = (alphabet: string, max: number): string =>
      Array.from({ length: rand(max + 1) }, () => alphabet[rand(alphabet.length)]).join('');
    for (let i = 0; i < 3000; i++) {
      const g = pick('ab-*?[]!', 8);
      let re: RegExp;
      try {
        re = reference(g);
      } catch {
        assert.throws(() => compileGlob(g), { code: 'E_BAD_REQUEST' }, g);
        continue;
      }
      const m = compileGlob(g);
      for (let j = 0; j < 8; j++) {
        const n = pick('ab-]!', 7);
        assert.equal(m.test(n), re.test(n), `glob ${JSON.stringify(g)} on ${JSON.stringify(n)}`);
      }
    }
  });

  test('a pathological glob is matched at once; an overlong target or a reversed range is refused', () => {
    const names = Array.from({ length: 500 }, (_, i) => `${'a'.repeat(50)}-${i}`);
    // These took seconds to hours with a backtracking regular expression.
    for (const g of ['**************!', '*a'.repeat(30) + '!', '*a*a*a*a*a*a*a*a*a*a*a*a*a*a*a*a*a*a*b']) {
      assert.deepEqual(resolveTargets([g], names), { nodes: [], unknown: [g] });
    }
    assert.equal(compileGlob('a'.repeat(MAX_TARGET_LENGTH - 1) + '*').test('a'.repeat(200)), true);
    assert.throws(() => compileGlob('*'.repeat(MAX_TARGET_LENGTH + 1)), {
      code: 'E_BAD_REQUEST',
      message: /target is 129 characters long, more than the 128 allowed/,
    });
    assert.throws(() => compileGlob('ant-[9-0]'), {
      code: 'E_BAD_REQUEST',
      message: /target "ant-\[9-0\]": range 9-0 is reversed/,
    });
    assert.ok(!isTarget('a'.repeat(MAX_TARGET_LENGTH + 1)));
    assert.ok(isTarget('*'.repeat(MAX_TARGET_LENGTH)));
  });

  test('the stepwise resolution yields between targets and chunks of names, with the same result', () => {
    const names = Array.from({ length: 300 }, (_, i) => `ant-${i}`);
    const targets = ['ant-1?', 'all', 'nope', 'ant-2*', 'ant-1?'];
    const steps = resolveEachStepwise(targets, names);
    let yields = 0;
    let r = steps.next();
    for (; !r.done; r = steps.next()) yields++;
    assert.deepEqual(
      r.value.map((x) => x.unknown),
      [[], [], ['nope'], [], []],
    );
    assert.deepEqual(r.value[3]!.nodes, resolveTargets(['ant-2*'], names).nodes);
    assert.ok(yields >= targets.length + 2 * Math.floor(300 / 64), `${yields} steps`);
    assert.deepEqual(resolveTargets(targets, names), {
      nodes: [...new Set([...r.value.flatMap((x) => x.nodes)])],
      unknown: ['nope'],
    });
  });

  test('node names and targets are checked against the contract pattern', () => {
    for (const ok of ['a', 'Node-1', 'x.y_z', 'a'.repeat(63)]) assert.ok(isNodeName(ok), ok);
    for (const bad of ['', '-a', '.a', '../a', 'a/b', 'a b', 'a'.repeat(64)])
      assert.ok(!isNodeName(bad), bad);
    for (const ok of ['all', 'ant-*', '*', '[ab]-1', 'x?']) assert.ok(isTarget(ok), ok);
    for (const bad of ['../x', 'a/b', '-x', '']) assert.ok(!isTarget(bad), bad);
  });
});

describe('since values', () => {
  test('durations, ISO times and epoch milliseconds; anything else is null', () => {
    assert.equal(parseDuration('90s'), 90_000);
    assert.equal(parseDuration('1.5h'), 5_400_000);
    assert.equal(parseDuration('2w'), 1_209_600_000);
    assert.equal(parseDuration('7 days'), null);
    const now = Date.UTC(2024, 0, 2);
    assert.equal(parseSince('24h', now), Date.UTC(2024, 0, 1));
    assert.equal(parseSince('2024-01-01T12:00:00Z', now), Date.UTC(2024, 0, 1, 12));
    assert.equal(parseSince('1704067200000', now), 1704067200000);
    assert.equal(parseSince('yesterday', now), null);
    assert.equal(parseSince('2024-13-45', now), null);
  });
});

describe('API error replies', () => {
  test('schema failures name the field and quote the value; unknown keys are named', () => {
    const err = formatSchemaErrors(
      [
        { instancePath: '/limit', message: 'must be integer', params: {}, data: 'abc' },
        {
          instancePath: '',
          message: 'must NOT have additional properties',
          params: { additionalProperty: 'x' },
        },
      ],
      'querystring',
    );
    assert.equal(err.message, 'querystring.limit: must be integer (got "abc"); querystring: unknown key "x"');
  });

  test('codes map to statuses; a hint travels with the error; the unexpected is E_INTERNAL 500', () => {
    const nf = toErrorReply(new NodewardenError('E_NODE_NOT_FOUND', 'no such node: "x"', { hint: 'check' }));
    assert.deepEqual(nf, {
      status: 404,
      body: { error: { code: 'E_NODE_NOT_FOUND', message: 'no such node: "x"', hint: 'check' } },
    });
    assert.equal(toErrorReply(new NodewardenError('E_UNAUTHORIZED', 'no')).status, 401);
    assert.equal(toErrorReply(Object.assign(new Error('too big'), { statusCode: 413 })).status, 413);
    assert.deepEqual(toErrorReply(new Error('boom')), {
      status: 500,
      body: { error: { code: 'E_INTERNAL', message: 'boom' } },
    });
  });
});

describe('CLI rendering', () => {
  test('tables pad columns, right-align numbers, colour only when asked', () => {
    const rows = renderTable(
      ['NAME', 'PID'],
      [
        ['a', '7'],
        ['long-name', { text: '12345', style: 'green' }],
      ],
      {
        right: new Set([1]),
      },
    );
    assert.deepEqual(rows, ['NAME         PID', 'a              7', 'long-name  12345']);
    const colored = renderTable(['N'], [[{ text: 'x', style: 'red' }]], { color: true });
    assert.equal(colored[1], '\x1b[31mx\x1b[0m');
  });

  test('durations and sizes', () => {
    assert.deepEqual([0, 59, 61, 3_661, 90_000].map(formatDuration), [
      '0s',
      '59s',
      '1m 1s',
      '1h 1m',
      '1d 1h',
    ]);
    assert.deepEqual([null, 512, 2048, 5.5 * 1024 ** 2, 3 * 1024 ** 3].map(formatBytes), [
      '-',
      '512B',
      '2.0K',
      '5.5M',
      '3.0G',
    ]);
  });

  test('per-target lines, and the exit code: 0 all ok, 1 a failure, 4 a timeout', () => {
    const ok = { node: 'a', ok: true, message: 'started' };
    const missing = { node: 'zz', ok: false, message: 'ERROR (no such node)' };
    const late = { node: 'b', ok: false, message: 'ERROR (timed out waiting for running)' };
    assert.deepEqual(renderResults([ok, missing]), ['a: started', 'zz: ERROR (no such node)']);
    assert.equal(resultsExitCode([ok]), 0);
    assert.equal(resultsExitCode([ok, missing]), 1);
    assert.equal(resultsExitCode([ok, missing, late]), 4);
  });
});

describe('e2e templates', () => {
  test('placeholders match what varies; a run of spaces matches any run of two or more', () => {
    assert.equal(mismatch('a     running  123  5m 2s\n', ['a  running  <pid>  <dur>']), null);
    assert.match(mismatch('a running\n', ['a  running']) ?? '', /line 1/);
    assert.match(mismatch('x\ny\n', ['x']) ?? '', /expected 1 lines, got 2/);
  });
});
