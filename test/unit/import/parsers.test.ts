/**
 * The pure parts of import: each manager's word splitting, the shell
 * detector, systemd unit text and time spans, supervisord INI and
 * environment lists, env files, instance tokens and the layout's factoring.
 */
import { describe, test } from 'node:test';
import assert from 'node:assert/strict';
import { literal, needsShell, splitShlex, splitSystemd } from '../../../src/import/argv.js';
import { parseEnvFile } from '../../../src/import/env-file.js';
import { instanceToken } from '../../../src/import/instances.js';
import { common, layout, mostly, subtract } from '../../../src/import/layout.js';
import { memoryMb } from '../../../src/import/pm2.js';
import { byteSize, parseEnvironment, parseIni } from '../../../src/import/supervisord-ini.js';
import { instanceList } from '../../../src/import/systemd.js';
import { parseUnit, timeSpanMs } from '../../../src/import/unit-file.js';

describe('import: splitting command lines', () => {
  test('systemd: quotes group, C escapes decode, no shell meaning', () => {
    assert.deepEqual(splitSystemd(`/bin/x "a b" 'c d' e\\tf "g\\"h" | x`), [
      '/bin/x',
      'a b',
      'c d',
      'e\tf',
      'g"h',
      '|',
      'x',
    ]);
    assert.deepEqual(splitSystemd('a\\x41b'), ['aAb']);
    assert.throws(() => splitSystemd('a "b'), /unclosed " quote/);
  });

  test('shlex: backslash outside quotes, only \\\\ and \\" inside double quotes', () => {
    assert.deepEqual(splitShlex(`a\\ b "c \\"d\\" \\n" 'e\\f'`), ['a b', 'c "d" \\n', 'e\\f']);
    assert.deepEqual(splitShlex('  x\n  y  '), ['x', 'y']);
    assert.throws(() => splitShlex("a 'b"), /unclosed ' quote/);
  });

  test('needsShell names what only a shell understands, outside single quotes', () => {
    assert.equal(needsShell('a | b'), 'pipe |');
    assert.equal(needsShell('a && b'), 'operator &&');
    assert.equal(needsShell('a >> log 2>&1'), 'redirection >');
    assert.equal(needsShell('a --home $HOME'), 'variable $H');
    assert.equal(needsShell('a $(date)'), 'command substitution $(…)');
    assert.equal(needsShell("a '$HOME | x'"), null);
    assert.equal(needsShell('a "x|y" b\\;c'), null);
    assert.equal(needsShell('/bin/x --flag=1 -p 80'), null);
  });

  test('literal text keeps its {{ away from the node config templating', () => {
    assert.equal(literal('a {{b}}'), 'a \\{{b}}');
  });
});

describe('import: systemd', () => {
  test('sections, continuation lines (skipping comments), line numbers', () => {
    const entries = parseUnit(
      '[Service]\n# c\nExecStart=/bin/a \\\n# skipped\n  --b\nEnvironment=\n\n[Install]\nWantedBy=x\n',
      'u',
    );
    assert.deepEqual(
      entries.map((e) => [e.section, e.key, e.value, e.line]),
      [
        ['Service', 'ExecStart', '/bin/a  --b', 3],
        ['Service', 'Environment', '', 6],
        ['Install', 'WantedBy', 'x', 9],
      ],
    );
    assert.throws(() => parseUnit('Key=1\n', 'u'), /import: u:1: assignment outside of any \[Section\]/);
  });

  test('time spans', () => {
    assert.equal(timeSpanMs('90'), 90_000);
    assert.equal(timeSpanMs('5s'), 5000);
    assert.equal(timeSpanMs('1min 30s'), 90_000);
    assert.equal(timeSpanMs('2min'), 120_000);
    assert.equal(timeSpanMs('500ms'), 500);
    assert.equal(timeSpanMs('infinity'), null);
  });

  test('--instances takes a range or a list', () => {
    assert.deepEqual(instanceList('3..5'), ['3', '4', '5']);
    assert.deepEqual(instanceList('1, 2,7'), ['1', '2', '7']);
    assert.throws(() => instanceList('5..3'), /bad range/);
  });
});

describe('import: supervisord and PM2 values', () => {
  test('INI: key = value and key: value, indented continuation, inline ; comments', () => {
    const [s] = parseIni('[program:a]\ncommand = /bin/a\n  --b ; note\nUser: x\n', 'f');
    assert.equal(s!.name, 'program:a');
    assert.deepEqual(
      s!.entries.map((e) => [e.key, e.value, e.line]),
      [
        ['command', '/bin/a\n--b', 2],
        ['user', 'x', 4],
      ],
    );
  });

  test('environment lists: quoted values keep commas', () => {
    const e = { section: 'p', key: 'environment', value: '', file: 'f', line: 1 };
    assert.deepEqual(parseEnvironment('A="x, y",B=2, C=\'z\'', e), [
      ['A', 'x, y'],
      ['B', '2'],
      ['C', 'z'],
    ]);
  });

  test('sizes', () => {
    assert.equal(byteSize('50MB'), 50 * 1024 * 1024);
    assert.equal(byteSize('1024'), 1024);
    assert.equal(byteSize('lots'), null);
    assert.equal(memoryMb('1500M'), 1500);
    assert.equal(memoryMb('1G'), 1024);
    assert.equal(memoryMb(10 * 1024 * 1024 + 1), 11);
  });

  test('env files: comments, export, quotes', () => {
    assert.deepEqual(parseEnvFile('# c\nexport A="x \\"y\\""\nB=\'q w\'\nC=3\nbad line\n'), {
      A: 'x "y"',
      B: 'q w',
      C: '3',
    });
  });
});

describe('import: instances and layout', () => {
  test('instance names to an index expression', () => {
    assert.deepEqual(instanceToken(['2', '1', '3']), { ordered: ['1', '2', '3'], token: '{{index}}' });
    assert.equal(instanceToken(['11', '12'])?.token, '{{add index 10}}');
    assert.equal(instanceToken(['01', '02'])?.token, '{{pad index 2}}');
    assert.equal(instanceToken(['1', '3']), null);
    assert.equal(instanceToken(['main']), null);
  });

  test('common, mostly and subtract', () => {
    const a = { x: 1, g: { p: 1, q: 2 }, l: [1] };
    const b = { x: 1, g: { p: 1, q: 3 }, l: [2] };
    const c = { x: 2, g: { p: 1, q: 3 }, l: [3] };
    assert.deepEqual(common([a, b, c]), { g: { p: 1 } });
    assert.deepEqual(mostly([a, b, c]), { x: 1, g: { p: 1, q: 3 } });
    assert.deepEqual(subtract(c, mostly([a, b, c])), { x: 2, l: [3] });
  });

  test('one file per program, shared settings in template.json only when there is none', () => {
    const drafts = [
      {
        name: 'a',
        file: 'f',
        line: 1,
        configs: [
          { binary: '/a', args: ['1'], stop: { signal: 'SIGINT' } },
          { binary: '/a', args: ['2'], stop: { signal: 'SIGINT' } },
        ],
        instanced: true,
      },
      {
        name: 'b',
        file: 'f',
        line: 5,
        configs: [{ binary: '/b', args: [], stop: { signal: 'SIGINT' } }],
        instanced: false,
      },
    ];
    const fresh = layout(structuredClone(drafts), null);
    assert.deepEqual(fresh.template, { dataDir: 'data/{{name}}', stop: { signal: 'SIGINT' } });
    // No args value is shared by two instances: each instance has its own.
    assert.deepEqual(fresh.files[0]!.body, {
      binary: '/a',
      instances: 2,
      overrides: { '1': { args: ['1'] }, '2': { args: ['2'] } },
    });
    assert.deepEqual(fresh.files[0]!.nodes, ['a-1', 'a-2']);
    const kept = layout(structuredClone(drafts), { dataDir: 'x/{{name}}', probes: {} });
    assert.equal(kept.template, null);
    assert.deepEqual(kept.files[1]!.body, { binary: '/b', args: [], stop: { signal: 'SIGINT' } });
    assert.match(kept.notes[0]!.message, /also get its dataDir, probes \(review them\)/);
    assert.throws(() => layout([drafts[1]!, { ...drafts[1]!, line: 9 }], null), /also taken by f:5/);
  });
});
