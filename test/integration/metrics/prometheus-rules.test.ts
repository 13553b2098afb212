/**
 * deploy/prometheus/nodewarden-rules.yml: promtool accepts the rules, their
 * unit tests (nodewarden-rules.test.yml: each rule firing and not firing)
 * pass, and every nodewarden metric they name is one a real daemon exports.
 */
import { after, before, describe, test } from 'node:test';
import assert from 'node:assert/strict';
import fs from 'node:fs';
import path from 'node:path';
import { execa } from 'execa';
import { metricsFor } from '../../../src/metrics/registry.js';
import { startTestDaemon, type TestDaemon } from '../../helpers/daemon.js';

const REPO = path.resolve(import.meta.dirname, '..', '..', '..', '..');
export const RULES_DIR = path.join(REPO, 'deploy', 'prometheus');
const RULES = path.join(RULES_DIR, 'nodewarden-rules.yml');

/** promtool from Debian's prometheus package (provisioned by scripts/provision.mjs): missing fails. */
async function promtool(args: string[]): Promise<{ exitCode: number; output: string }> {
  const r = await execa('promtool', args, { cwd: RULES_DIR, reject: false, all: true });
  if ((r as { code?: string }).code === 'ENOENT')
    assert.fail('promtool is not installed (apt-get install prometheus); it is required by this test');
  return { exitCode: r.exitCode ?? -1, output: r.all ?? '' };
}

describe('Prometheus alert rules', () => {
  let t: TestDaemon;
  before(async () => {
    t = await startTestDaemon({ nodes: { solo: {} } });
  });
  after(async () => {
    await t?.close();
  });

  test('promtool check rules accepts the rules file', async () => {
    const r = await promtool(['check', 'rules', 'nodewarden-rules.yml']);
    assert.equal(r.exitCode, 0, r.output);
    assert.match(r.output, /SUCCESS: 10 rules found/);
  });

  test('promtool test rules passes the unit tests of every rule', async () => {
    const r = await promtool(['test', 'rules', 'nodewarden-rules.test.yml']);
    assert.equal(r.exitCode, 0, r.output);
    assert.match(r.output, /SUCCESS/);
    const tests = fs.readFileSync(path.join(RULES_DIR, 'nodewarden-rules.test.yml'), 'utf8');
    const rules = fs.readFileSync(RULES, 'utf8');
    const names = [...rules.matchAll(/- alert: (\w+)/g)].map((m) => m[1]!);
    assert.equal(names.length, 10);
    for (const name of names) {
      // each rule is tested firing (with labels) and not firing (an empty list)
      const firing = new RegExp(`alertname: ${name}\\n\\s+exp_alerts:\\n\\s+- exp_labels:`);
      const silent = new RegExp(`alertname: ${name}\\n\\s+exp_alerts: \\[\\]`);
      assert.match(tests, firing, `${name} is tested firing`);
      assert.match(tests, silent, `${name} is tested not firing`);
    }
  });

  test('every nodewarden metric the rules use is exported by a real daemon', async () => {
    const used = new Set(
      [...fs.readFileSync(RULES, 'utf8').matchAll(/\bnodewarden_[a-z_]+\b/g)].map((m) => m[0]),
    );
    assert.ok(used.size >= 7, [...used].join(' '));
    const text = await metricsFor(t.daemon).registry.metrics();
    const exported = new Set([...text.matchAll(/^# TYPE (\S+) /gm)].map((m) => m[1]!));
    const missing = [...used].filter((n) => !exported.has(n) && !exported.has(n.replace(/_total$/, '')));
    assert.deepEqual(missing, []);
  });
});
