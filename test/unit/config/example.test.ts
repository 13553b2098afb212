import { describe, test } from 'node:test';
import assert from 'node:assert/strict';
import path from 'node:path';
import { fileURLToPath } from 'node:url';
import { loadConfig } from '../../../src/config/load.js';
import { MaskedSecrets } from '../../../src/config/secrets.js';

// Compiled tests live in dist/test/…; the fixture stays in the source tree.
const example = path.resolve(
  path.dirname(fileURLToPath(import.meta.url)),
  '../../../../test/fixtures/configs/example',
);

describe('test/fixtures/configs/example', () => {
  test('loads as documented: 3 antnode instances and a monerod with a rendered config file', () => {
    const c = loadConfig(example, { secrets: new MaskedSecrets() });
    assert.deepEqual(
      c.nodes.map((n) => n.name),
      ['antnode-1', 'antnode-2', 'antnode-3', 'monerod'],
    );
    assert.equal(c.manager.startup.concurrency, 4);
    const ant2 = c.nodes[1]!;
    assert.deepEqual(ant2.args.slice(3, 7), ['--port', '12002', '--metrics-server-port', '13002']);
    assert.equal(ant2.probes.p2p!.port, 12002);
    assert.equal(ant2.sync.group, 'autonomi');
    const monerod = c.nodes[3]!;
    assert.deepEqual(monerod.profileNames, ['fallback']);
    assert.match(monerod.files[0]!.content, /rpc-login=monero:\*{8}\nmax-concurrency=4\n/);
    assert.equal(monerod.files[0]!.path, path.join(example, 'data/monerod/monerod.conf'));
  });

  test('the fallback profile of monerod changes its run hash', () => {
    const normal = loadConfig(example, { secrets: new MaskedSecrets() }).nodes[3]!;
    const fallback = loadConfig(example, {
      secrets: new MaskedSecrets(),
      profileFor: (n) => (n === 'monerod' ? 'fallback' : null),
    }).nodes[3]!;
    assert.equal(fallback.profile, 'fallback');
    assert.notEqual(fallback.runHash, normal.runHash);
  });
});
