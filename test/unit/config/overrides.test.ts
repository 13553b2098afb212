import { describe, test } from 'node:test';
import assert from 'node:assert/strict';
import { composeInstance } from '../../../src/config/compose.js';
import { loadConfig } from '../../../src/config/load.js';
import { MemorySecrets } from '../../../src/config/secrets.js';
import type { NodeSpec } from '../../../src/config/types.js';
import { assertIssue, configDirMaker, expectIssues } from './fixture.js';

/**
 * `overrides.<index>` (per-instance settings) and `args+` (append to the
 * inherited args): composed before interpolation, validated like the rest.
 */

const configDir = configDirMaker();

function load(dir: string): NodeSpec[] {
  return [...loadConfig(dir, { secrets: new MemorySecrets() }).nodes];
}

function node(nodes: NodeSpec[], name: string): NodeSpec {
  const n = nodes.find((x) => x.name === name);
  assert.ok(n, `no node ${name} among ${nodes.map((x) => x.name).join(', ')}`);
  return n;
}

describe('composeInstance', () => {
  const template = { file: '/c/template.json', raw: { args: ['--a'], env: { A: '1', B: '2' } } };

  test('an override deep-merges onto template + node file for its index only; null deletes', () => {
    const nodeFile = {
      file: '/c/nodes/k.json',
      raw: { instances: 3, env: { C: '3' }, overrides: { '2': { env: { B: null, D: '4' }, priority: 5 } } },
    };
    const two = composeInstance(template, nodeFile, 2).config;
    assert.deepEqual(two.env, { A: '1', C: '3', D: '4' });
    assert.equal(two.priority, 5);
    assert.equal('overrides' in two, false, 'overrides is not a setting of the instance');
    const one = composeInstance(template, nodeFile, 1).config;
    assert.deepEqual(one.env, { A: '1', B: '2', C: '3' });
    assert.equal(one.priority, undefined);
  });

  test('args+ appends to the inherited args; args then args+ in one layer replaces, then appends', () => {
    const r = composeInstance(
      template,
      { file: '/c/nodes/k.json', raw: { 'args+': ['--b', '{{index}}'] } },
      null,
    );
    assert.deepEqual(r.config.args, ['--a', '--b', '{{index}}']);
    assert.equal('args+' in r.config, false);
    assert.deepEqual(r.argOrigins, [
      { file: '/c/template.json', key: 'args.0' },
      { file: '/c/nodes/k.json', key: 'args+.0' },
      { file: '/c/nodes/k.json', key: 'args+.1' },
    ]);
    const both = composeInstance(template, { file: '/n', raw: { args: ['--x'], 'args+': ['--y'] } }, null);
    assert.deepEqual(both.config.args, ['--x', '--y']);
  });

  test("an override's args+ appends to the node file's args (itself template args + args+)", () => {
    const raw = { instances: 2, 'args+': ['--b'], overrides: { '2': { 'args+': ['--c'] } } };
    const nodeFile = { file: '/c/nodes/k.json', raw };
    assert.deepEqual(composeInstance(template, nodeFile, 2).config.args, ['--a', '--b', '--c']);
    assert.deepEqual(composeInstance(template, nodeFile, 2).argOrigins?.[2], {
      file: '/c/nodes/k.json',
      key: 'overrides.2.args+.0',
    });
    assert.deepEqual(composeInstance(template, nodeFile, 1).config.args, ['--a', '--b']);
    const replaced = { instances: 2, overrides: { '1': { args: ['--only'], 'args+': ['--more'] } } };
    assert.deepEqual(composeInstance(template, { file: '/n', raw: replaced }, 1).config.args, [
      '--only',
      '--more',
    ]);
  });

  test('args+ with no inherited args starts from none; args: null then args+ too', () => {
    const bare = { file: '/t', raw: {} };
    assert.deepEqual(composeInstance(bare, { file: '/n', raw: { 'args+': ['--x'] } }, null).config.args, [
      '--x',
    ]);
    const cleared = composeInstance(template, { file: '/n', raw: { args: null, 'args+': ['--x'] } }, null);
    assert.deepEqual(cleared.config.args, ['--x']);
  });

  test('inputs are not modified', () => {
    const raw = { instances: 2, 'args+': ['--b'], overrides: { '1': { env: { A: null } } } };
    const before = JSON.stringify([template, raw]);
    composeInstance(template, { file: '/n', raw }, 1);
    assert.equal(JSON.stringify([template, raw]), before);
  });
});

describe('overrides in the loader', () => {
  test('instance 2 gets its override, interpolated with its own index; the others do not', () => {
    const dir = configDir({
      'template.json': { binary: './bin/fake-node', dataDir: 'data/{{name}}', args: ['--id', '{{name}}'] },
      'nodes/kmd.json': {
        instances: 3,
        env: { ROLE: 'plain' },
        overrides: {
          '2': { env: { ROLE: 'special-{{index}}' }, 'args+': ['--port', '{{add 9000 index}}'], priority: 7 },
        },
      },
    });
    const nodes = load(dir);
    assert.deepEqual(
      nodes.map((n) => n.name),
      ['kmd-1', 'kmd-2', 'kmd-3'],
    );
    const two = node(nodes, 'kmd-2');
    assert.deepEqual(two.env, { ROLE: 'special-2' });
    assert.deepEqual(two.args, ['--id', 'kmd-2', '--port', '9002']);
    assert.equal(two.priority, 7);
    for (const other of ['kmd-1', 'kmd-3']) {
      assert.deepEqual(node(nodes, other).env, { ROLE: 'plain' });
      assert.deepEqual(node(nodes, other).args, ['--id', other]);
      assert.equal(node(nodes, other).priority, 100);
    }
    assert.notEqual(two.runHash, node(nodes, 'kmd-1').runHash);
  });

  test('args+ in a node file appends to the template args', () => {
    const dir = configDir({
      'template.json': {
        binary: './bin/fake-node',
        dataDir: 'data/{{name}}',
        args: ['--datadir', '{{dataDir}}'],
      },
      'nodes/a.json': { 'args+': ['--testnet'] },
    });
    const a = node(load(dir), 'a');
    assert.equal(a.args.length, 3);
    assert.match(a.args[1]!, /data\/a$/);
    assert.equal(a.args[2], '--testnet');
  });

  test('an override for an index outside 1..instances names the file and key', () => {
    const dir = configDir({ 'nodes/kmd.json': { instances: 3, overrides: { '7': { priority: 1 } } } });
    const issues = expectIssues(dir);
    const found = assertIssue(
      issues,
      'nodes/kmd.json',
      'overrides.7',
      /^no such instance \(instances is 3\)$/,
    );
    assert.equal(found.value, undefined);
  });

  test('an index that is not a number, a non-object, instances or overrides inside an override are errors', () => {
    const dir = configDir({
      'nodes/kmd.json': {
        instances: 2,
        overrides: { first: {}, '0': {}, '1': 'fast', '2': { instances: 4, overrides: {} } },
      },
    });
    const issues = expectIssues(dir);
    assertIssue(issues, 'nodes/kmd.json', 'overrides.first', /instance index/);
    assertIssue(issues, 'nodes/kmd.json', 'overrides.0', /instance index/);
    assertIssue(issues, 'nodes/kmd.json', 'overrides.1', /must be an object/);
    assertIssue(issues, 'nodes/kmd.json', 'overrides.2.instances', /cannot be set in an override/);
    assertIssue(issues, 'nodes/kmd.json', 'overrides.2.overrides', /cannot be set in an override/);
  });

  test('overrides in a node file without instances is an error', () => {
    const dir = configDir({ 'nodes/a.json': { overrides: { '1': { priority: 1 } } } });
    assertIssue(expectIssues(dir), 'nodes/a.json', 'overrides', /needs "instances"/);
  });

  test('overrides and args+ in template.json are errors', () => {
    const dir = configDir({
      'template.json': {
        binary: './bin/fake-node',
        dataDir: 'data/{{name}}',
        overrides: { '1': {} },
        'args+': ['--x'],
      },
      'nodes/a.json': { instances: 2 },
    });
    const issues = expectIssues(dir);
    assertIssue(issues, 'template.json', 'overrides', /cannot be set in template.json/);
    assertIssue(issues, 'template.json', 'args+', /cannot be set in template.json.*use "args"/);
  });

  test('args+ must be an array of strings, in a node file and in an override', () => {
    const dir = configDir({
      'nodes/a.json': { 'args+': '--x' },
      'nodes/b.json': { instances: 2, overrides: { '2': { 'args+': [1] } } },
    });
    const issues = expectIssues(dir);
    assertIssue(issues, 'nodes/a.json', 'args+', /array of strings/);
    assertIssue(issues, 'nodes/b.json', 'overrides.2.args+', /array of strings/);
  });

  test('a bad value set in an override is reported under overrides.<index>', () => {
    const dir = configDir({
      'template.json': { binary: './bin/fake-node', dataDir: 'data/{{name}}', stop: { signal: 'SIGINT' } },
      'nodes/kmd.json': {
        instances: 2,
        overrides: { '2': { stop: { graceMs: -5 }, prioritty: 3, 'args+': ['{{nope}}'] } },
      },
    });
    const issues = expectIssues(dir);
    assertIssue(issues, 'nodes/kmd.json', 'overrides.2.stop.graceMs', /positive integer/);
    assertIssue(
      issues,
      'nodes/kmd.json',
      'overrides.2.prioritty',
      /unknown key \(did you mean "priority"\?\)/,
    );
    assertIssue(issues, 'nodes/kmd.json', 'overrides.2.args+.0', /nope/);
    assert.equal(
      issues.filter((i) => i.key === 'stop.graceMs').length,
      0,
      'not reported under the key of the merged config',
    );
  });

  test('a bad entry appended by args+ is blamed on the node file, not on the template that set args', () => {
    const dir = configDir({
      'template.json': { binary: './bin/fake-node', dataDir: 'data/{{name}}', args: ['--a', '--b'] },
      'nodes/a.json': { 'args+': ['--c', '{{nope}}'] },
    });
    assertIssue(expectIssues(dir), 'nodes/a.json', 'args+.1', /nope/);
  });

  test('a profile still applies on top of an instance override', () => {
    const dir = configDir({
      'nodes/kmd.json': {
        instances: 2,
        overrides: { '2': { priority: 7, env: { X: '1' } } },
        profiles: { fallback: { priority: 1 } },
      },
    });
    const two = node(load(dir), 'kmd-2');
    assert.equal(two.priority, 7);
    assert.deepEqual(two.env, { X: '1' });
    assert.equal(two.profileSpecs.fallback!.priority, 1);
    assert.deepEqual(two.profileSpecs.fallback!.env, { X: '1' });
  });
});
