import { describe, test } from 'node:test';
import assert from 'node:assert/strict';
import path from 'node:path';
import { loadConfig } from '../../../src/config/load.js';
import { MemorySecrets } from '../../../src/config/secrets.js';
import { assertIssue, configDirMaker, expectIssues } from './fixture.js';

const configDir = configDirMaker();
const load = (files: Record<string, unknown>) =>
  loadConfig(configDir(files), { secrets: new MemorySecrets() });
const issuesFor = (files: Record<string, unknown>) => expectIssues(configDir(files));

describe('targets/*.json: watch-only endpoints', () => {
  test('one file is one target; defaults filled; probes inherit the target interval and timeout', () => {
    const cfg = load({
      'targets/explorer.json': {
        intervalMs: '30s',
        timeoutMs: 2000,
        probes: {
          height: { type: 'http', url: 'http://127.0.0.1:9/tip', path: 'height' },
          version: { type: 'http', url: 'http://127.0.0.1:9/v', intervalMs: 60_000 },
        },
      },
    });
    assert.equal(cfg.nodes.length, 0);
    assert.equal(cfg.targets?.length, 1);
    const t = cfg.targets![0]!;
    assert.equal(t.name, 'explorer');
    assert.equal(t.downAfter, 2);
    assert.deepEqual(t.sync, { group: null });
    assert.deepEqual(t.labels, {});
    assert.equal(t.intervalMs, 30_000);
    assert.equal(t.probes.height!.intervalMs, 30_000);
    assert.equal(t.probes.height!.timeoutMs, 2000);
    assert.equal(t.probes.version!.intervalMs, 60_000, "a probe's own interval wins");
    assert.ok(Object.isFrozen(t.probes.height));
  });

  test('instances and templating work as in node files: one file, many targets', () => {
    const cfg = load({
      'targets/peer.json': {
        instances: 500,
        downAfter: 3,
        sync: { group: 'ant' },
        labels: { port: '{{add 12000 index}}' },
        probes: { height: { type: 'tcp', url: 'tcp://127.0.0.1:{{add 12000 index}}' } },
      },
    });
    const ts = cfg.targets!;
    assert.equal(ts.length, 500);
    assert.deepEqual(
      ts.slice(0, 2).map((t) => [t.name, t.index, t.probes.height!.port, t.labels.port]),
      [
        ['peer-1', 1, 12001, '12001'],
        ['peer-2', 2, 12002, '12002'],
      ],
    );
    assert.equal(ts[499]!.name, 'peer-500');
    assert.equal(ts[499]!.probes.height!.host, '127.0.0.1');
    assert.equal(ts[0]!.sync.group, 'ant');
    assert.equal(ts[0]!.downAfter, 3);
  });

  test('bad probe: the error names the target file and the key, with the value', () => {
    const issues = issuesFor({
      'targets/x.json': { probes: { height: { type: 'http', url: 'ftp://example.org/' } } },
    });
    const i = assertIssue(issues, 'targets/x.json', 'probes.height.url', /http/);
    assert.equal(i.value, 'ftp://example.org/');
  });

  test('unknown keys, missing probes, a bad downAfter and an unknown template variable are refused', () => {
    const issues = issuesFor({
      'targets/a.json': { probes: { h: { type: 'tcp', host: 'h', port: 1 } }, downafter: 2 },
      'targets/b.json': { intervalMs: 1000 },
      'targets/c.json': { probes: {} },
      'targets/d.json': { probes: { h: { type: 'tcp', host: 'h', port: 1 } }, downAfter: 0 },
      'targets/e.json': { probes: { h: { type: 'http', url: 'http://{{dataDir}}/x' } } },
    });
    assertIssue(issues, 'targets/a.json', 'downafter', /unknown key \(did you mean "downAfter"\?\)/);
    assertIssue(issues, 'targets/b.json', 'probes', /is required/);
    assertIssue(issues, 'targets/c.json', 'probes', /at least one probe/);
    assertIssue(issues, 'targets/d.json', 'downAfter', /./);
    assertIssue(issues, 'targets/e.json', 'probes.h.url', /template error/);
  });

  test('a target may not share its name with a node: the issue names both files', () => {
    const issues = issuesFor({
      'nodes/geth.json': {},
      'targets/geth.json': { probes: { h: { type: 'tcp', host: 'h', port: 1 } } },
      'targets/peer.json': { instances: 2, probes: { h: { type: 'tcp', host: 'h', port: 1 } } },
      'targets/peer-2.json': { probes: { h: { type: 'tcp', host: 'h', port: 1 } } },
    });
    assertIssue(
      issues,
      'targets/geth.json',
      '',
      new RegExp(`is also a node of ${path.join('nodes', 'geth.json')}`),
    );
    assertIssue(issues, 'targets/peer-2.json', '', /"peer-2" is also produced by targets\/peer.json/);
  });

  test('without a targets directory there are no targets', () => {
    assert.deepEqual(load({ 'nodes/a.json': {} }).targets, []);
  });
});
