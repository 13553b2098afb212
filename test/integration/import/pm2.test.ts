/**
 * `nodewarden import pm2` through the real CLI: a PM2 ecosystem.config.js
 * and .json with instances, env / env_production and cluster mode.
 * Unmappable settings are listed with file and line; the result passes
 * `config check`, and `config show` gives each node the original command line.
 */
import { describe, test } from 'node:test';
import assert from 'node:assert/strict';
import fs from 'node:fs';
import path from 'node:path';
import { runCli } from '../../helpers/daemon.js';
import { bareConfig, checkPasses, executable, rootFixtures, show, suiteRoots } from './support.js';

describe('import pm2', { timeout: 600_000 }, () => {
  const newRoot = suiteRoots();

  test('pm2: an ecosystem.config.js and an ecosystem.json with instances, env_production and cluster mode', async () => {
    const root = newRoot();
    rootFixtures('pm2', root);
    executable(path.join(root, 'opt/geth/geth'));
    fs.mkdirSync(path.join(root, 'opt/indexer/dist'), { recursive: true });
    fs.writeFileSync(path.join(root, 'opt/indexer/dist/indexer.js'), '');
    const configDir = bareConfig(root);
    const eco = path.join(root, 'srv/eth');
    const r = await runCli(configDir, [
      'import',
      'pm2',
      path.join(eco, 'ecosystem.config.js'),
      path.join(eco, 'ecosystem.json'),
      '--env',
      'production',
    ]);
    assert.equal(r.code, 0, r.stderr);
    const [unmapped, warnings] = r.stdout.split(/^warnings/m) as [string, string];
    for (const at of [
      /ecosystem\.config\.js:17: log_date_format/,
      /ecosystem\.config\.js:18: out_file/,
      /ecosystem\.config\.js:30: watch: true/,
      /ecosystem\.config\.js:31: cron_restart/,
      /ecosystem\.json:11: treekill: false/,
    ])
      assert.match(unmapped, at);
    assert.match(
      warnings,
      /ecosystem\.config\.js:27: exec_mode "cluster": nodewarden runs each instance as its own process/,
    );
    assert.match(warnings, /ecosystem\.json:6: args need a shell \(pipe \|\)/);
    await checkPasses(configDir, 7);

    const geth = await show(configDir, 'geth');
    assert.equal(geth.binary, path.join(root, 'opt/geth/geth'));
    assert.deepEqual(geth.args, [
      '--mainnet',
      '--datadir',
      path.join(root, 'var/lib/geth'),
      '--http',
      '--http.port',
      '8545',
      '--authrpc.port',
      '8551',
    ]);
    assert.deepEqual(geth.env, { GETH_CACHE: '4096' });
    assert.equal(geth.dataDir, path.join(root, 'var/lib/geth'));
    assert.equal((geth.limits as Record<string, unknown>).maxRssMb, 8192);
    assert.equal((geth.stop as Record<string, unknown>).graceMs, 120_000);
    const restart = geth.restart as Record<string, unknown>;
    assert.deepEqual([restart.maxRetries, restart.backoffMs], [10, 5000]);

    for (const i of [1, 2, 3, 4]) {
      const node = await show(configDir, `indexer-${i}`);
      assert.equal(path.basename(node.binary as string), 'node');
      assert.deepEqual(node.args, [
        '--max-old-space-size=2048',
        path.join(root, 'opt/indexer/dist/indexer.js'),
        '--eth-endpoint',
        'http://127.0.0.1:8545',
      ]);
      assert.deepEqual(node.env, { NODE_ENV: 'production', PORT: '3000', NODE_APP_INSTANCE: String(i - 1) });
      assert.equal(node.cwd, path.join(root, 'opt/indexer'));
    }
    const jor = await show(configDir, 'jormungandr-2');
    assert.equal(jor.binary, '/bin/sh');
    assert.deepEqual(jor.args, [
      '-c',
      `${path.join(root, 'opt/jormungandr/jormungandr')} --config ${path.join(root, 'etc/jormungandr/node.yaml')} --genesis-block-hash 8e4d2a34 | tee -a ${path.join(root, 'var/log/jormungandr.log')}`,
    ]);
    assert.equal((jor.restart as Record<string, unknown>).startSeconds, 30);
    assert.equal((jor.limits as Record<string, unknown>).maxRssMb, 1500);
  });

  test('an ecosystem.config.js that throws names the file and the error; exit 2, nothing written', async () => {
    const root = newRoot();
    const configDir = bareConfig(root);
    const eco = path.join(root, 'ecosystem.config.js');
    fs.writeFileSync(eco, "throw new Error('no such env file: .env.production');\n");
    const r = await runCli(configDir, ['import', 'pm2', eco]);
    assert.equal(r.code, 2);
    assert.match(
      r.stderr,
      /ecosystem\.config\.js: cannot load the ecosystem: no such env file: \.env\.production/,
    );
    assert.deepEqual(fs.readdirSync(configDir), ['nodewarden.json']);
  });
});
