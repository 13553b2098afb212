import { describe, test } from 'node:test';
import assert from 'node:assert/strict';
import { NodewardenError } from '../../../src/errors.js';
import { MASK } from '../../../src/config/issues.js';
import { loadConfig } from '../../../src/config/load.js';
import { MaskedSecrets, MemorySecrets } from '../../../src/config/secrets.js';
import { showNode } from '../../../src/config/show.js';
import { configDirMaker } from './fixture.js';

const configDir = configDirMaker();

describe('secret sources', () => {
  test('MemorySecrets: 32 hex chars, stable per node and key, distinct otherwise', () => {
    const s = new MemorySecrets();
    const a = s.get('n1', 'rpc');
    assert.match(a, /^[0-9a-f]{32}$/);
    assert.equal(s.get('n1', 'rpc'), a);
    assert.notEqual(s.get('n2', 'rpc'), a);
    assert.notEqual(s.get('n1', 'other'), a);
    assert.notEqual(new MemorySecrets().get('n1', 'rpc'), a);
  });

  test('MaskedSecrets always answers the mask', () => {
    assert.equal(new MaskedSecrets().get('n', 'k'), MASK);
  });
});

describe('showNode', () => {
  const dir = configDir({
    'nodes/monerod.json': {
      args: ['--rpc-login', 'monero:{{secret "rpc"}}'],
      files: [{ path: 'c.json', json: { pw: '{{secret "rpc"}}' } }],
    },
  });

  test('returns the merged, interpolated config; secrets masked when loaded with MaskedSecrets', () => {
    const n = showNode(loadConfig(dir, { secrets: new MaskedSecrets() }), 'monerod');
    assert.equal(n.name, 'monerod');
    assert.deepEqual(n.args, ['--rpc-login', MASK], 'the value of a secret-named flag is masked whole');
    assert.match(n.files[0]!.content, /"pw": "\*{8}"/);
    assert.equal(n.restart.policy, 'always');
  });

  test("with a real source the interpolated value is there, but a secret-named flag's value is masked", () => {
    const loaded = loadConfig(dir, { secrets: new MemorySecrets() });
    assert.match(loaded.nodes[0]!.args[1]!, /^monero:[0-9a-f]{32}$/);
    const n = showNode(loaded, 'MONEROD');
    assert.deepEqual(n.args, ['--rpc-login', MASK]);
  });

  test('an unknown node is E_NODE_NOT_FOUND', () => {
    const loaded = loadConfig(dir, { secrets: new MaskedSecrets() });
    assert.throws(
      () => showNode(loaded, 'geth'),
      (e: unknown) => e instanceof NodewardenError && e.code === 'E_NODE_NOT_FOUND' && /geth/.test(e.message),
    );
  });
});
