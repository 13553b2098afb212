import { describe, test } from 'node:test';
import assert from 'node:assert/strict';
import { loadConfig } from '../../../src/config/load.js';
import { MemorySecrets } from '../../../src/config/secrets.js';
import { assertIssue, configDirMaker, expectIssues } from './fixture.js';

/**
 * Profiles are resolved into full specs when the config is loaded
 * (`NodeSpec.profileSpecs`), validated then like the node itself, so a group
 * switching to `fallback` runs what was loaded and never re-reads the disk.
 */

const configDir = configDirMaker();

describe('profiles resolved at load', () => {
  test('every profile becomes a full spec, with the same secrets; the normal spec is untouched', () => {
    const dir = configDir({
      'template.json': {
        binary: './bin/fake-node',
        dataDir: 'data/{{name}}',
        profiles: { light: { priority: 5 } },
      },
      'nodes/a.json': {
        instances: 2,
        args: ['--stall', '--rpcpassword', '{{secret "rpc"}}'],
        profiles: { fallback: { args: ['--safe', '--rpcpassword', '{{secret "rpc"}}'], shed: true } },
      },
    });
    const secrets = new MemorySecrets();
    const a2 = loadConfig(dir, { secrets }).nodes.find((n) => n.name === 'a-2')!;
    assert.deepEqual(Object.keys(a2.profileSpecs), ['fallback', 'light']);
    assert.deepEqual(a2.profileNames, ['fallback', 'light']);
    const fb = a2.profileSpecs.fallback!;
    assert.equal(fb.name, 'a-2');
    assert.equal(fb.index, 2);
    assert.equal(fb.profile, 'fallback');
    assert.deepEqual(fb.profileSpecs, {});
    assert.equal(fb.shed, true);
    assert.equal(fb.args[0], '--safe');
    assert.equal(fb.args[2], a2.args[2], 'the same secret in both');
    assert.equal(fb.dataDir, a2.dataDir);
    assert.notEqual(fb.runHash, a2.runHash);
    assert.equal(a2.profileSpecs.light!.priority, 5);
    assert.equal(a2.profile, null);
    assert.equal(a2.shed, false);
    assert.equal(a2.args[0], '--stall');
    assert.ok(Object.isFrozen(fb), 'deep-frozen with the rest');
  });

  test('a profile that does not resolve makes the config invalid, naming the file and the profile key', () => {
    const dir = configDir({
      'nodes/a.json': {
        profiles: { fallback: { args: ['{{nope}}'], stop: { graceMs: -5 }, binary: './bin/missing' } },
      },
      'nodes/b.json': { stop: { graceMs: -1 }, profiles: { fallback: { priority: 1 } } },
    });
    const issues = expectIssues(dir);
    assertIssue(issues, 'nodes/a.json', 'profiles.fallback.args.0', /nope/);
    assertIssue(issues, 'nodes/a.json', 'profiles.fallback.stop.graceMs', /positive integer/);
    assertIssue(issues, 'nodes/a.json', 'profiles.fallback.binary', /missing/);
    // b's own problem is reported once, under its own key, not again for its profile.
    assertIssue(issues, 'nodes/b.json', 'stop.graceMs', /positive integer/);
    assert.equal(issues.filter((i) => i.file === 'nodes/b.json').length, 1, JSON.stringify(issues));
  });

  test('a profile key set in template.json is blamed on template.json', () => {
    const dir = configDir({
      'template.json': {
        binary: './bin/fake-node',
        dataDir: 'data/{{name}}',
        profiles: { fallback: { restart: { maxRetries: -2 } } },
      },
      'nodes/a.json': {},
    });
    assertIssue(expectIssues(dir), 'template.json', 'profiles.fallback.restart.maxRetries', /integer >= 0/);
  });

  test('shed is a boolean, false unless set', () => {
    const dir = configDir({ 'nodes/a.json': { shed: 'yes' } });
    assertIssue(expectIssues(dir), 'nodes/a.json', 'shed', /true or false/);
  });
});
