import { describe, test } from 'node:test';
import assert from 'node:assert/strict';
import { NodewardenError } from '../../../src/errors.js';
import {
  ConfigError,
  formatIssue,
  formatIssues,
  isSensitiveKey,
  issue,
  MASK,
} from '../../../src/config/issues.js';
import { ConfigError as ReExported } from '../../../src/config/load.js';

const dir = '/etc/nodewarden';

describe('formatIssues', () => {
  test('file relative to the config dir, key path, message, value', () => {
    const i = issue('/etc/nodewarden/nodes/geth.json', 'stop.graceMs', 'must be a positive integer', -5);
    assert.equal(formatIssue(i, dir), 'nodes/geth.json: stop.graceMs: must be a positive integer (-5)');
  });

  test('whole-file issues have no key; issues without a value have no parentheses', () => {
    assert.equal(
      formatIssue(issue(`${dir}/nodes/a.json`, '', 'must be a JSON object', ['x']), dir),
      'nodes/a.json: must be a JSON object (["x"])',
    );
    assert.equal(
      formatIssue(issue(`${dir}/nodewarden.json`, 'bogus', 'unknown key'), dir),
      'nodewarden.json: bogus: unknown key',
    );
  });

  test('files outside the config dir stay absolute; no file at all is fine', () => {
    assert.equal(formatIssue(issue('/srv/other.json', 'a', 'bad'), dir), '/srv/other.json: a: bad');
    assert.equal(formatIssue(issue(null, 'a', 'bad'), dir), 'a: bad');
  });

  test('strings are quoted, long values shortened', () => {
    assert.equal(formatIssue(issue(null, 'a', 'bad', '5000'), dir), 'a: bad ("5000")');
    const long = formatIssue(issue(null, 'a', 'bad', 'x'.repeat(500)), dir);
    assert.ok(long.length < 160 && long.endsWith('...)'));
  });

  test('sensitive values are masked when the issue is made and again when it is shown', () => {
    assert.equal(issue(null, 'alerts.email.smtp.auth.pass', 'bad', 'hunter2').value, MASK);
    const raw = { file: null, key: 'control.http.token', message: 'bad', value: 'tok' };
    assert.equal(formatIssue(raw, dir), `control.http.token: bad (${MASK})`);
    for (const k of ['auth.pass', 'control.http.token', 'env.RPC_PASSWORD', 'env.API_KEY', 'x.secret'])
      assert.ok(isSensitiveKey(k), k);
    for (const k of ['binary', 'passive', 'tokens.count', 'stop.signal']) assert.ok(!isSensitiveKey(k), k);
  });

  test('one line per issue', () => {
    const text = formatIssues([issue(`${dir}/a.json`, 'x', 'm1'), issue(`${dir}/b.json`, 'y', 'm2', 1)], dir);
    assert.equal(text, 'a.json: x: m1\nb.json: y: m2 (1)');
  });
});

describe('ConfigError', () => {
  test('is a NodewardenError E_CONFIG_INVALID carrying every issue', () => {
    const issues = [issue(`${dir}/a.json`, 'x', 'm1'), issue(`${dir}/b.json`, 'y', 'm2', 1)];
    const err = new ConfigError(dir, issues);
    assert.ok(err instanceof NodewardenError);
    assert.equal(err.code, 'E_CONFIG_INVALID');
    assert.equal(err.name, 'ConfigError');
    assert.deepEqual(err.issues, issues);
    assert.equal(err.message, `config ${dir} is invalid (2 problems):\n  a.json: x: m1\n  b.json: y: m2 (1)`);
    assert.match(err.hint!, /config check/);
    assert.equal(ReExported, ConfigError);
  });
});
