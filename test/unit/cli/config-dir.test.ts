import { after, describe, test } from 'node:test';
import assert from 'node:assert/strict';
import fs from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { resolveConfigDir } from '../../../src/cli/config-dir.js';
import { NodewardenError } from '../../../src/errors.js';

describe('resolveConfigDir', () => {
  const root = fs.realpathSync(fs.mkdtempSync(path.join(os.tmpdir(), 'nw-')));
  after(() => fs.rmSync(root, { recursive: true, force: true }));
  const mk = (rel: string): string => {
    const d = path.join(root, rel);
    fs.mkdirSync(d, { recursive: true });
    return d;
  };
  const withConfigs = mk('cwd-with');
  mk('cwd-with/configs');
  const without = mk('cwd-without');
  const system = mk('system');
  const noSystem = path.join(root, 'no-system');
  const failure = (fn: () => unknown): NodewardenError => {
    try {
      fn();
    } catch (err) {
      assert.ok(err instanceof NodewardenError);
      return err;
    }
    assert.fail('expected an error');
  };

  test('--config wins over NODEWARDEN_CONFIG and ./configs, relative to the working directory', () => {
    const env = { NODEWARDEN_CONFIG: system };
    assert.equal(resolveConfigDir('configs', env, withConfigs), path.join(withConfigs, 'configs'));
    assert.equal(resolveConfigDir(system, {}, without), system);
  });

  test('NODEWARDEN_CONFIG wins over ./configs; an empty one counts as unset', () => {
    assert.equal(resolveConfigDir(undefined, { NODEWARDEN_CONFIG: system }, withConfigs), system);
    assert.equal(
      resolveConfigDir(undefined, { NODEWARDEN_CONFIG: '', NODEWARDEN_SYSTEM_CONFIG: noSystem }, withConfigs),
      path.join(withConfigs, 'configs'),
    );
  });

  test('./configs, then the system directory', () => {
    const env = { NODEWARDEN_SYSTEM_CONFIG: system };
    assert.equal(resolveConfigDir(undefined, env, withConfigs), path.join(withConfigs, 'configs'));
    assert.equal(resolveConfigDir(undefined, env, without), system);
  });

  test('what is missing is named, as a usage error', () => {
    const none = failure(() => resolveConfigDir(undefined, { NODEWARDEN_SYSTEM_CONFIG: noSystem }, without));
    assert.equal(none.code, 'E_CONFIG_INVALID');
    assert.equal(
      none.message,
      `no config directory at ${path.join(without, 'configs')} or ${noSystem}; pass --config DIR or set NODEWARDEN_CONFIG`,
    );
    assert.equal(
      failure(() => resolveConfigDir('x', {}, without)).message,
      `no config directory at ${path.join(without, 'x')}; pass --config DIR or set NODEWARDEN_CONFIG`,
    );
    assert.equal(
      failure(() => resolveConfigDir(undefined, { NODEWARDEN_CONFIG: 'y' }, without)).message,
      `no config directory at ${path.join(without, 'y')} (from NODEWARDEN_CONFIG); pass --config DIR or set NODEWARDEN_CONFIG`,
    );
    // A file is not a config directory.
    fs.writeFileSync(path.join(without, 'file'), '');
    assert.match(failure(() => resolveConfigDir('file', {}, without)).message, /^no config directory at /);
  });
});
