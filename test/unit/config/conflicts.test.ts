import path from 'node:path';
import { describe, test } from 'node:test';
import assert from 'node:assert/strict';
import { loadConfig } from '../../../src/config/load.js';
import { MemorySecrets } from '../../../src/config/secrets.js';
import { assertIssue, configDirMaker, expectIssues } from './fixture.js';

/** What two nodes cannot share (a port, a dataDir), and files in nodes/ the loader skips. */

const configDir = configDirMaker();

describe('port conflicts', () => {
  test('two node files on one port: the later names the earlier, its file and the key', () => {
    const dir = configDir({
      'nodes/a.json': { args: ['--port', '9000'] },
      'nodes/b.json': { args: ['--port=9000'] },
    });
    const issues = expectIssues(dir);
    const i = assertIssue(
      issues,
      'nodes/b.json',
      'args',
      /^port 9000 is also used by node a \(nodes\/a\.json\)$/,
    );
    assert.equal(i.value, undefined);
    assert.equal(issues.length, 1, JSON.stringify(issues));
  });

  test('ports found after interpolation: an override giving one instance its neighbour port', () => {
    const dir = configDir({
      'nodes/kmd.json': {
        instances: 3,
        args: ['-rpcport={{add 8230 index}}'],
        overrides: { '3': { args: ['-rpcport=8232'] } },
      },
    });
    assertIssue(
      expectIssues(dir),
      'nodes/kmd.json',
      'args',
      /^port 8232 of node kmd-3 is also used by node kmd-2 \(nodes\/kmd\.json\)$/,
    );
  });

  test('a listen address on one host and a port flag (every address) clash; two distinct hosts do not', () => {
    const clashing = configDir({
      'nodes/a.json': { args: ['--rpc-listen-addr', '127.0.0.1:9000'] },
      'nodes/b.json': { args: ['--port', '9000'] },
    });
    assertIssue(expectIssues(clashing), 'nodes/b.json', 'args', /port 9000 is also used by node a/);
    const apart = configDir({
      'nodes/a.json': { args: ['--listen', '10.0.0.1:9000'] },
      'nodes/b.json': { args: ['--listen', '10.0.0.2:9000'] },
    });
    assert.equal(loadConfig(apart, { secrets: new MemorySecrets() }).nodes.length, 2);
  });

  test('distinct ports per instance ({{add 12000 index}}) are fine', () => {
    const dir = configDir({ 'nodes/ant.json': { instances: 5, args: ['--port', '{{add 12000 index}}'] } });
    assert.equal(loadConfig(dir, { secrets: new MemorySecrets() }).nodes.length, 5);
  });
});

describe('dataDir conflicts', () => {
  test('one dataDir inside another is an error naming both nodes and files', () => {
    const dir = configDir({
      'nodes/a.json': { dataDir: 'data/a' },
      'nodes/b.json': { dataDir: 'data/a/chain' },
      'nodes/c.json': { dataDir: 'data' },
    });
    const issues = expectIssues(dir);
    assertIssue(issues, 'nodes/b.json', 'dataDir', /^is inside the dataDir of node a \(nodes\/a\.json\)$/);
    assertIssue(issues, 'nodes/c.json', 'dataDir', /^contains the dataDir of node a \(nodes\/a\.json\)$/);
    assert.equal(issues.find((i) => i.file === 'nodes/b.json')!.value, path.join(dir, 'data/a/chain'));
  });

  test('a shared dataDir stays one issue (the duplicate check), not a nesting one too', () => {
    const dir = configDir({ 'nodes/a.json': { dataDir: 'data/x' }, 'nodes/b.json': { dataDir: 'data/x' } });
    const issues = expectIssues(dir);
    assertIssue(issues, 'nodes/b.json', 'dataDir', /is also the dataDir of node "a"/);
    assert.equal(issues.length, 1, JSON.stringify(issues));
  });

  test('a dataDir set by an instance override is reported under overrides.<index>', () => {
    const dir = configDir({
      'nodes/kmd.json': { instances: 3, overrides: { '3': { dataDir: 'data/kmd-1/sub' } } },
    });
    assertIssue(
      expectIssues(dir),
      'nodes/kmd.json',
      'overrides.3.dataDir',
      /^is inside the dataDir of node kmd-1 \(nodes\/kmd\.json\)$/,
    );
  });

  test('sibling directories with a common name prefix are not nested', () => {
    const dir = configDir({ 'nodes/a.json': { dataDir: 'data/a' }, 'nodes/b.json': { dataDir: 'data/ab' } });
    assert.equal(loadConfig(dir, { secrets: new MemorySecrets() }).nodes.length, 2);
  });
});

describe('ignored files in nodes/', () => {
  test('are warnings of a valid load; dotfiles pass in silence', () => {
    const dir = configDir({
      'nodes/a.json': {},
      'nodes/kmd.yaml': 'instances: 3\n',
      'nodes/a.json~': '{}',
      'nodes/b.json.bak': '{}',
      'nodes/.c.json': '{}',
      'nodes/.gitkeep': '',
      'nodes/old/d.json': '{}',
    });
    const loaded = loadConfig(dir, { secrets: new MemorySecrets() });
    assert.deepEqual(
      loaded.nodes.map((n) => n.name),
      ['a'],
    );
    const warnings = (loaded.warnings ?? []).map((w) => [path.relative(dir, w.file!), w.message]);
    assert.deepEqual(warnings, [
      ['nodes/a.json~', 'ignored (node files end in .json)'],
      ['nodes/b.json.bak', 'ignored (node files end in .json)'],
      ['nodes/kmd.yaml', 'ignored (node files end in .json)'],
      ['nodes/old', 'ignored (a directory: node files are read from nodes/ itself)'],
    ]);
  });
});
