import { describe, test } from 'node:test';
import assert from 'node:assert/strict';
import fs from 'node:fs';
import path from 'node:path';
import { spawnSync } from 'node:child_process';
import { MASK } from '../../../src/config/issues.js';
import { loadConfig } from '../../../src/config/load.js';
import { MemorySecrets } from '../../../src/config/secrets.js';
import { CLI } from '../../helpers/sim-config.js';
import { assertIssue, BASE_TEMPLATE, configDirMaker, expectIssues, makeExecutable } from './fixture.js';

const configDir = configDirMaker();
const issuesFor = (files: Record<string, unknown>) => expectIssues(configDir(files));

describe('loadConfig: bad input names the file and the key', () => {
  test('malformed JSON: line and column of the error', () => {
    const issues = issuesFor({ 'nodes/geth.json': '{\n  "args": ["--x"],\n  "env": {"A": 1,}\n}\n' });
    assertIssue(
      issues,
      'nodes/geth.json',
      '',
      /^invalid JSON at line 3, column 18: Expected double-quoted property name$/,
    );
  });

  test('malformed JSON without a position from V8 still gets line and column', () => {
    const issues = issuesFor({ 'nodes/geth.json': '{\n  "autostart": tru\n}' });
    assertIssue(issues, 'nodes/geth.json', '', /^invalid JSON at line 2, column 19: /);
  });

  test('a node file that is not an object', () => {
    const issues = issuesFor({ 'nodes/a.json': '["x"]', 'nodes/b.json': '"text"' });
    assert.deepEqual(assertIssue(issues, 'nodes/a.json', '', /must be a JSON object/).value, ['x']);
    assertIssue(issues, 'nodes/b.json', '', /must be a JSON object/);
  });

  test('unknown keys: in the node file, nested, in the template, in a profile', () => {
    const issues = issuesFor({
      'template.json': { ...BASE_TEMPLATE, restart: { polcy: 'never' } },
      'nodes/a.json': {
        stopp: { graceMs: 5 },
        limits: { rss: 1 },
        probes: { h: { type: 'tcp', host: 'h', port: 1, retries: 3 } },
        profiles: { fallback: { argz: [] } },
      },
    });
    assertIssue(issues, 'nodes/a.json', 'stopp', /unknown key \(did you mean "stop"\?\)/);
    assertIssue(issues, 'nodes/a.json', 'limits.rss', /^unknown key/);
    assertIssue(issues, 'nodes/a.json', 'probes.h.retries', /^unknown key/);
    assertIssue(issues, 'nodes/a.json', 'profiles.fallback.argz', /unknown key \(did you mean "args"\?\)/);
    assertIssue(issues, 'template.json', 'restart.polcy', /unknown key \(did you mean "policy"\?\)/);
  });

  test('wrong types', () => {
    const issues = issuesFor({
      'nodes/a.json': {
        args: ['--port', 30303],
        env: { A: 1 },
        autostart: 'yes',
        priority: 1.5,
        probes: { h: 'http://x' },
        files: {},
      },
    });
    assert.equal(assertIssue(issues, 'nodes/a.json', 'args.1', /must be a string/).value, 30303);
    assertIssue(issues, 'nodes/a.json', 'env.A', /must be a string/);
    assert.equal(assertIssue(issues, 'nodes/a.json', 'autostart', /true or false/).value, 'yes');
    assertIssue(issues, 'nodes/a.json', 'priority', /must be an integer/);
    assertIssue(issues, 'nodes/a.json', 'probes.h', /must be an object/);
    assertIssue(issues, 'nodes/a.json', 'files', /must be an array/);
  });

  test('zero or negative intervals', () => {
    const issues = issuesFor({
      'nodes/geth.json': {
        stop: { graceMs: -5 },
        restart: { backoffMs: 0 },
        sync: { windowMs: 0 },
        probes: { h: { type: 'tcp', host: 'h', port: 1, intervalMs: -1 } },
      },
    });
    const i = assertIssue(issues, 'nodes/geth.json', 'stop.graceMs', /^must be a positive integer$/);
    assert.equal(i.value, -5);
    assertIssue(issues, 'nodes/geth.json', 'restart.backoffMs', /positive integer/);
    assertIssue(issues, 'nodes/geth.json', 'sync.windowMs', /positive integer/);
    assertIssue(issues, 'nodes/geth.json', 'probes.h.intervalMs', /positive integer/);
  });

  test('backoffMaxMs below backoffMs', () => {
    const issues = issuesFor({ 'nodes/a.json': { restart: { backoffMs: 5000, backoffMaxMs: 1000 } } });
    assertIssue(issues, 'nodes/a.json', 'restart.backoffMaxMs', /restart\.backoffMs \(5000\)/);
  });

  test('unknown signal name and restart policy', () => {
    const issues = issuesFor({
      'nodes/a.json': { stop: { signal: 'SIGSTOPPLEASE' }, restart: { policy: 'sometimes' } },
    });
    assert.equal(assertIssue(issues, 'nodes/a.json', 'stop.signal', /signal name/).value, 'SIGSTOPPLEASE');
    assertIssue(issues, 'nodes/a.json', 'restart.policy', /"always", "on-failure", "never"/);
  });

  test('probe types and their required fields', () => {
    const issues = issuesFor({
      'nodes/a.json': {
        probes: {
          h: { type: 'http' },
          r: { type: 'jsonrpc', url: 'http://127.0.0.1:1' },
          p: { type: 'prometheus', url: 'http://127.0.0.1:1/metrics' },
          c: { type: 'command' },
          t: { type: 'tcp' },
          u: { type: 'tcp', url: 'http://127.0.0.1:1' },
          f: { type: 'ftp' },
          n: {},
          bad: { type: 'http', url: 'not a url' },
        },
      },
    });
    assertIssue(issues, 'nodes/a.json', 'probes.h.url', /required/);
    assertIssue(issues, 'nodes/a.json', 'probes.r.method', /required/);
    assertIssue(issues, 'nodes/a.json', 'probes.p.metric', /required/);
    assertIssue(issues, 'nodes/a.json', 'probes.c.command', /required/);
    assertIssue(issues, 'nodes/a.json', 'probes.t', /url \(tcp:\/\/host:port\) or host and port/);
    assertIssue(issues, 'nodes/a.json', 'probes.u.url', /tcp:\/\/host:port/);
    assertIssue(issues, 'nodes/a.json', 'probes.f.type', /must be one of/);
    assertIssue(issues, 'nodes/a.json', 'probes.n.type', /is required/);
    assertIssue(issues, 'nodes/a.json', 'probes.bad.url', /http/);
  });

  test('binary missing, not executable, not in PATH, absent', () => {
    const dir = configDir({
      'nodes/a.json': { binary: './bin/missing' },
      'nodes/b.json': { binary: './bin/plain' },
      'nodes/c.json': { binary: 'no-such-daemon-xyz' },
      'nodes/d.json': { binary: './bin' },
      'template.json': { dataDir: 'data/{{name}}' },
      'nodes/e.json': {},
    });
    makeExecutable(dir, 'bin/plain', 0o644);
    const issues = expectIssues(dir, { env: { PATH: path.join(dir, 'bin') } });
    assert.equal(
      assertIssue(issues, 'nodes/a.json', 'binary', /not found: .*bin\/missing/).value,
      './bin/missing',
    );
    assertIssue(issues, 'nodes/b.json', 'binary', /not executable \(mode 644\)/);
    assertIssue(issues, 'nodes/c.json', 'binary', /not found in PATH/);
    assertIssue(issues, 'nodes/d.json', 'binary', /not a regular file/);
    assertIssue(issues, 'nodes/e.json', 'binary', /is required/);
  });

  test('invalid node names, from a file name and from instances', () => {
    const long = 'x'.repeat(62);
    const issues = issuesFor({
      'nodes/Bad Name.json': {},
      'nodes/-dash.json': {},
      [`nodes/${long}.json`]: { instances: 2 },
    });
    assertIssue(issues, 'nodes/Bad Name.json', '', /invalid node name "Bad Name"/);
    assertIssue(issues, 'nodes/-dash.json', '', /invalid node name "-dash"/);
    assertIssue(issues, `nodes/${long}.json`, 'instances', new RegExp(`invalid node name "${long}-1"`));
  });

  test("names of the manager's own log files are reserved, in any case", () => {
    const issues = issuesFor({
      'nodes/nodewarden.json': {},
      'nodes/NodeWarden.json': { dataDir: 'data/other' },
      'nodes/nodewarden12.json': {},
    });
    const reserved = /node name "(nodewarden|NodeWarden|nodewarden12)" is reserved: .*nodewarden\.log/;
    assertIssue(issues, 'nodes/nodewarden.json', '', reserved);
    assertIssue(issues, 'nodes/NodeWarden.json', '', reserved);
    assertIssue(issues, 'nodes/nodewarden12.json', '', reserved);
    // Names around them stay free: their logs cannot be the manager's.
    const dir = configDir({
      'nodes/nodewarden-main.json': {},
      'nodes/nodewardens.json': {},
      'nodes/nodewarden.log.json': {},
      'nodes/mynodewarden.json': {},
      'nodes/pool.json': { instances: 2 },
    });
    const names = loadConfig(dir, { secrets: new MemorySecrets() }).nodes.map((n) => n.name);
    assert.deepEqual(names.sort(), [
      'mynodewarden',
      'nodewarden-main',
      'nodewarden.log',
      'nodewardens',
      'pool-1',
      'pool-2',
    ]);
  });

  test('`nodewarden config check` on a node named nodewarden prints the file and the name, and exits 2', () => {
    const dir = configDir({ 'nodes/nodewarden.json': {} });
    const r = spawnSync(process.execPath, [CLI, '--config', dir, 'config', 'check'], { encoding: 'utf8' });
    assert.equal(r.status, 2, r.stderr);
    assert.match(r.stderr, /nodes\/nodewarden\.json: node name "nodewarden" is reserved/);
  });

  test('upper case is allowed in names (they compare case-insensitively)', () => {
    const dir = configDir({ 'nodes/Geth.json': {} });
    assert.equal(loadConfig(dir, { secrets: new MemorySecrets() }).nodes[0]!.name, 'Geth');
  });

  test('two nodes with one name: instances against a file of that name', () => {
    const issues = issuesFor({ 'nodes/a.json': { instances: 2 }, 'nodes/a-1.json': {} });
    assertIssue(issues, 'nodes/a-1.json', '', /node name "a-1" is also produced by nodes\/a\.json/);
    assert.ok(
      !issues.some((i) => i.key === 'dataDir'),
      'a duplicate name is not also reported as a duplicate dataDir',
    );
  });

  test('two nodes with one name differing only in case', () => {
    const issues = issuesFor({ 'nodes/geth.json': {}, 'nodes/GETH.json': { dataDir: 'other' } });
    assertIssue(issues, 'nodes/geth.json', '', /node name "geth" is also produced by nodes\/GETH\.json/);
  });

  test('two nodes sharing a dataDir', () => {
    const issues = issuesFor({
      'nodes/a.json': { dataDir: '/srv/chain' },
      'nodes/b.json': { dataDir: '/srv/chain/' },
    });
    const i = assertIssue(
      issues,
      'nodes/b.json',
      'dataDir',
      /also the dataDir of node "a" \(nodes\/a\.json\)/,
    );
    assert.equal(i.value, '/srv/chain');
  });

  test('instances sharing a dataDir blame the file that set it', () => {
    const issues = issuesFor({ 'nodes/a.json': { instances: 2, dataDir: 'data/a' } });
    assertIssue(issues, 'nodes/a.json', 'dataDir', /also the dataDir of node "a-1"/);
  });

  test('unknown template variable, in the node file and in the template', () => {
    const issues = issuesFor({
      'template.json': { ...BASE_TEMPLATE, env: { HOME: '{{env.NW_SURELY_UNSET_VAR}}' } },
      'nodes/a.json': { args: ['--id', '{{nodename}}'] },
    });
    const i = assertIssue(
      issues,
      'nodes/a.json',
      'args.1',
      /^template error: unknown variable or helper "nodename" at line 1, column 3$/,
    );
    assert.equal(i.value, '{{nodename}}');
    assertIssue(issues, 'template.json', 'env.HOME', /"NW_SURELY_UNSET_VAR"/);
  });

  test('dataDir cannot use {{dataDir}}', () => {
    const issues = issuesFor({ 'nodes/a.json': { dataDir: '{{dataDir}}/x' } });
    assertIssue(issues, 'nodes/a.json', 'dataDir', /unknown variable or helper "dataDir"/);
  });

  test('template syntax error', () => {
    const issues = issuesFor({ 'nodes/a.json': { args: ['{{#if index}}x'] } });
    assertIssue(issues, 'nodes/a.json', 'args.0', /^template error: syntax error on line 1/);
  });

  test('files[]: neither json nor template, missing template file, error inside a template file', () => {
    const issues = issuesFor({
      'nodes/a.json': {
        files: [
          { path: 'x' },
          { path: 'y', json: 1, template: 't.hbs' },
          { path: 'z', template: 'missing.hbs' },
          { path: 'w', template: 'bad.hbs' },
        ],
      },
      'templates/bad.hbs': 'x={{node.nope}}',
    });
    assertIssue(issues, 'nodes/a.json', 'files.0', /needs json or template/);
    assertIssue(issues, 'nodes/a.json', 'files.1', /both json and template/);
    assertIssue(issues, 'nodes/a.json', 'files.2.template', /missing\.hbs not found/);
    assertIssue(issues, 'nodes/a.json', 'files.3.template', /bad\.hbs: unknown variable or helper "nope"/);
  });

  test('files[] entries without a path or not objects are reported, not crashed on', () => {
    const issues = issuesFor({ 'nodes/a.json': { files: [{ json: {} }, 'x.conf'] } });
    assertIssue(issues, 'nodes/a.json', 'files.0.path', /is required/);
    assertIssue(issues, 'nodes/a.json', 'files.1', /must be an object/);
  });

  test('instances must be a positive integer', () => {
    const issues = issuesFor({ 'nodes/a.json': { instances: 0 }, 'nodes/b.json': { instances: '3' } });
    assert.equal(assertIssue(issues, 'nodes/a.json', 'instances', /positive integer/).value, 0);
    assert.equal(assertIssue(issues, 'nodes/b.json', 'instances', /positive integer/).value, '3');
  });

  test('an unknown profile name is an issue of the node', () => {
    const dir = configDir({ 'nodes/a.json': { profiles: { light: {} } } });
    const issues = expectIssues(dir, { profileFor: () => 'fallback' });
    assertIssue(
      issues,
      'nodes/a.json',
      'profiles.fallback',
      /profile "fallback" is not defined \(defined: light\)/,
    );
  });

  test('instances and profiles cannot be set inside a profile', () => {
    const issues = issuesFor({ 'nodes/a.json': { profiles: { fallback: { instances: 2 } } } });
    assertIssue(issues, 'nodes/a.json', 'profiles.fallback.instances', /cannot be set in a profile/);
  });

  test('low >= high pressure marks', () => {
    const issues = issuesFor({
      'nodewarden.json': { pressure: { memoryLowPercent: 90, memoryHighPercent: 90 } },
    });
    assertIssue(
      issues,
      'nodewarden.json',
      'pressure.memoryLowPercent',
      /lower than pressure\.memoryHighPercent/,
    );
  });

  test('sensitive node values are masked', () => {
    const issues = issuesFor({
      'nodes/a.json': {
        probes: { h: { type: 'http', url: 'http://127.0.0.1/', auth: { user: 'u', pass: 1234 } } },
      },
    });
    assert.equal(assertIssue(issues, 'nodes/a.json', 'probes.h.auth.pass', /must be a string/).value, MASK);
  });

  test('a rendered secret never shows in an issue: the template source does', () => {
    const issues = issuesFor({ 'nodes/a.json': { priority: '{{secret "prio"}}' } });
    assert.equal(
      assertIssue(issues, 'nodes/a.json', 'priority', /must be an integer/).value,
      '{{secret "prio"}}',
    );
  });

  test('every problem in every file is collected, template problems once', () => {
    const issues = issuesFor({
      'nodewarden.json': { sampling: { intervalMs: 0 } },
      'template.json': { ...BASE_TEMPLATE, stop: { signal: 'SIGNOPE' } },
      'nodes/a.json': { instances: 3, priority: 'high' },
      'nodes/b.json': '{',
      'nodes/c.json': { logs: { backups: -1 } },
    });
    const summary = issues.map((i) => `${i.file}: ${i.key}`).sort();
    assert.deepEqual(summary, [
      'nodes/a.json: priority',
      'nodes/b.json: ',
      'nodes/c.json: logs.backups',
      'nodewarden.json: sampling.intervalMs',
      'template.json: stop.signal',
    ]);
  });

  test('a broken template.json is reported once, without fallout in every node', () => {
    const dir = configDir({ 'nodes/a.json': {}, 'nodes/b.json': '{' });
    fs.writeFileSync(path.join(dir, 'template.json'), '{ "binary": }');
    const issues = expectIssues(dir);
    assert.deepEqual(issues.map((i) => i.file).sort(), ['nodes/b.json', 'template.json']);
  });
});
