import { after, describe, test } from 'node:test';
import assert from 'node:assert/strict';
import fs from 'node:fs';
import { ConfigError } from '../../../src/config/load.js';
import { resolveProfileSpec } from '../../../src/monitoring/profile-spec.js';
import { simArgs, tmpDir, writeConfig } from '../../helpers/daemon.js';

/** The fallback spec is read from a real config directory with the profile merged in. */

const dir = tmpDir();
after(() => fs.rmSync(dir, { recursive: true, force: true }));
const configDir = writeConfig(dir, {
  nodes: {
    a: {
      args: simArgs('--stall-after', '1500', '--lag', '{{secret "k"}}'),
      profiles: { fallback: { args: simArgs('--lag', '{{secret "k"}}') } },
    },
  },
});
const secrets = { get: (node: string, key: string) => `${node}-${key}` };

describe('resolveProfileSpec', () => {
  test('the normal spec', () => {
    const s = resolveProfileSpec(configDir, secrets, 'a', null);
    assert.equal(s.profile, null);
    assert.ok(s.args.includes('--stall-after'));
    assert.deepEqual(s.profileNames, ['fallback']);
  });
  test('the fallback profile replaces args, with the same secrets', () => {
    const s = resolveProfileSpec(configDir, secrets, 'a', 'fallback');
    assert.equal(s.profile, 'fallback');
    assert.ok(!s.args.includes('--stall-after'));
    assert.equal(s.args.at(-1), 'a-k');
  });
  test('an undefined profile is a config error naming it', () => {
    assert.throws(
      () => resolveProfileSpec(configDir, secrets, 'a', 'nope'),
      (e: unknown) => {
        assert.ok(e instanceof ConfigError);
        assert.match(JSON.stringify(e.issues), /profile \\"nope\\" is not defined \(defined: fallback\)/);
        return true;
      },
    );
  });
  test('a node no longer configured', () => {
    assert.throws(
      () => resolveProfileSpec(configDir, secrets, 'gone', 'fallback'),
      /no longer in the configuration/,
    );
  });
});
