/**
 * The shipped systemd unit (deploy/nodewarden.service): cgroup containment
 * needs `Delegate=yes`, and the nodes must outlive the manager
 * (`KillMode=process`); systemd itself accepts the file.
 */
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { execFile } from 'node:child_process';
import fs from 'node:fs';
import { fileURLToPath } from 'node:url';
import { promisify } from 'node:util';

const UNIT = fileURLToPath(new URL('../../../../deploy/nodewarden.service', import.meta.url));
const ANALYZE = '/usr/bin/systemd-analyze';

/** Every `Key=value` of the [Service] section. */
function serviceKeys(): Map<string, string> {
  const keys = new Map<string, string>();
  let inService = false;
  for (const raw of fs.readFileSync(UNIT, 'utf8').split('\n')) {
    const line = raw.trim();
    if (line.startsWith('[')) inService = line === '[Service]';
    else if (inService && line !== '' && !line.startsWith('#')) {
      const eq = line.indexOf('=');
      keys.set(line.slice(0, eq), line.slice(eq + 1));
    }
  }
  return keys;
}

test('the systemd unit delegates a cgroup sub-tree to nodewarden and keeps KillMode=process', () => {
  const keys = serviceKeys();
  assert.equal(keys.get('Delegate'), 'yes', 'nodes get cgroups of their own only with delegation');
  assert.equal(keys.get('KillMode'), 'process', 'nodes outlive a stopped, crashed or upgraded manager');
});

test(
  'systemd-analyze verify accepts the unit',
  { skip: !fs.existsSync(ANALYZE) && `${ANALYZE} is not installed` },
  async () => {
    const { stderr } = await promisify(execFile)(ANALYZE, ['verify', UNIT], { timeout: 30_000 });
    assert.doesNotMatch(stderr, /nodewarden\.service/, stderr);
  },
);
