/**
 * `nodewarden import supervisord` and `nodewarden import pm2` through the
 * real CLI: a supervisord conf with numprocs, environment, %(ENV_HOME)s and a
 * command written for a shell; a PM2 ecosystem.config.js and .json with
 * instances, env / env_production and cluster mode. Unmappable settings are
 * listed with file and line; the result passes `config check`, and
 * `config show` gives each node the original command line.
 */
import { describe, test } from 'node:test';
import assert from 'node:assert/strict';
import fs from 'node:fs';
import path from 'node:path';
import { runCli, writeConfig } from '../../helpers/daemon.js';
import {
  bareConfig,
  checkPasses,
  executable,
  readJson,
  rootFixtures,
  show,
  snapshot,
  suiteRoots,
} from './support.js';

const HOME = process.env.HOME ?? '';

describe('import supervisord and pm2', { timeout: 120_000 }, () => {
  const newRoot = suiteRoots();

  function supervisord(): { root: string; conf: string } {
    const root = newRoot();
    rootFixtures('supervisord', root);
    executable(path.join(root, 'opt/komodo/komodod'));
    return { root, conf: path.join(root, 'etc/supervisor/conf.d/chains.conf') };
  }

  test('supervisord: numprocs, environment and %(ENV_HOME)s map to instances, env and {{env.HOME}}', async () => {
    assert.notEqual(HOME, '', 'the test needs HOME set');
    const { root, conf } = supervisord();
    const configDir = bareConfig(root);
    const r = await runCli(configDir, ['import', 'supervisord', conf]);
    assert.equal(r.code, 0, r.stderr);
    assert.match(r.stdout, /created nodes\/komodod\.json \(nodes komodod-1 … komodod-3\)/);
    const [unmapped, warnings] = r.stdout.split(/^warnings/m) as [string, string];
    for (const at of [
      /chains\.conf:20: stdout_logfile=/,
      /chains\.conf:24: priority=10/,
      /chains\.conf:25: umask=022/,
      /chains\.conf:34: \[eventlistener:crashmail\]/,
      /chains\.conf:38: \[group:chains\]/,
    ])
      assert.match(unmapped, at);
    assert.match(
      warnings,
      /chains\.conf:28: command needs a shell \(redirection >\): imported as \/bin\/sh -c/,
    );
    assert.match(warnings, /chains\.conf:10: process_name=.*komodod-1 … komodod-3/);
    // [supervisord]'s environment and minfds reach every program: shared, so in template.json.
    assert.deepEqual(readJson(path.join(configDir, 'template.json')), {
      env: { CHAIN_HOME: path.join(root, 'var/lib/chains') },
      limits: { nofile: 4096 },
    });
    await checkPasses(configDir, 4);

    for (const i of [1, 2, 3]) {
      const n = i - 1; // supervisord's process_num counts from 0
      const node = await show(configDir, `komodod-${i}`);
      assert.equal(node.binary, path.join(root, 'opt/komodo/komodod'));
      assert.deepEqual(node.args, [
        '-ac_name=komodod',
        `-datadir=${HOME}/.komodo/komodod_0${n}`,
        `-port=777${n}`,
        `-rpcport=1700${n}`,
      ]);
      assert.deepEqual(node.env, {
        CHAIN_HOME: path.join(root, 'var/lib/chains'),
        KOMODO_LOG: `${HOME}/komodo.log`,
        RPC_THREADS: '4',
        GREETING: 'a, b',
      });
      assert.equal(node.cwd, path.join(root, 'var/lib/komodo'));
      assert.equal(node.dataDir, path.join(configDir, `data/komodod-${i}`));
      const restart = node.restart as Record<string, unknown>;
      assert.deepEqual([restart.policy, restart.maxRetries, restart.startSeconds], ['always', 5, 10]);
      assert.deepEqual(node.stop, { signal: 'SIGINT', graceMs: 600_000 });
      const logs = node.logs as Record<string, unknown>;
      assert.deepEqual([logs.maxBytes, logs.backups], [50 * 1024 * 1024, 7]);
      assert.equal((node.limits as Record<string, unknown>).nofile, 4096);
    }
    const golem = await show(configDir, 'golem');
    assert.equal(golem.binary, '/bin/sh');
    assert.deepEqual(golem.args, [
      '-c',
      `${path.join(root, 'opt/golem/golemsp')} run --payment-network mainnet >> ${path.join(root, 'var/log/golem/golemsp.log')} 2>&1`,
    ]);
    assert.equal(golem.user, 'golem');
    assert.equal(golem.dataDir, path.join(root, 'var/lib/golem'));
    assert.equal((golem.restart as Record<string, unknown>).policy, 'on-failure');
  });

  test('supervisord into a config dir that has a template.json: kept, every setting in the node files', async () => {
    const { root, conf } = supervisord();
    const configDir = writeConfig(root);
    const template = fs.readFileSync(path.join(configDir, 'template.json'), 'utf8');
    const r = await runCli(configDir, ['import', 'supervisord', conf]);
    assert.equal(r.code, 0, r.stderr);
    assert.match(r.stdout, /template\.json exists: it is kept, every setting went into the node files/);
    assert.match(
      r.stdout,
      /template\.json:1: template\.json exists and is kept: the imported nodes also get its/,
    );
    assert.equal(fs.readFileSync(path.join(configDir, 'template.json'), 'utf8'), template);
    const komodod = readJson(path.join(configDir, 'nodes/komodod.json'));
    assert.deepEqual(komodod.limits, { nofile: 4096 });
    await checkPasses(configDir, 4);
    const node = await show(configDir, 'komodod-2');
    assert.equal(node.binary, path.join(root, 'opt/komodo/komodod'));
    assert.deepEqual(node.args, [
      '-ac_name=komodod',
      `-datadir=${HOME}/.komodo/komodod_01`,
      '-port=7771',
      '-rpcport=17001',
    ]);
  });

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

  test('nothing half-applied: a definition whose program is missing fails config check and nothing is written', async () => {
    const { root, conf } = supervisord();
    fs.rmSync(path.join(root, 'opt/komodo/komodod'));
    const configDir = bareConfig(root);
    const before = snapshot(root);
    const r = await runCli(configDir, ['import', 'supervisord', conf]);
    assert.equal(r.code, 2);
    assert.match(r.stderr, /nodes\/komodod\.json: binary: .*not found/);
    assert.match(r.stderr, /nothing was written/);
    assert.deepEqual(snapshot(root), before);
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

  test('a command with an unclosed quote names the file and line; exit 2', async () => {
    const root = newRoot();
    const configDir = bareConfig(root);
    const conf = path.join(root, 'bad.conf');
    fs.writeFileSync(conf, '[program:x]\ncommand=/bin/true "never closed\n');
    const r = await runCli(configDir, ['import', 'supervisord', conf, '--dry-run']);
    assert.equal(r.code, 2);
    assert.match(r.stderr, /bad\.conf:2: command: unclosed " quote/);
    assert.deepEqual(fs.readdirSync(configDir), ['nodewarden.json']);
  });
});
