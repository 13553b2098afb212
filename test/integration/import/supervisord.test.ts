/**
 * `nodewarden import supervisord` through the real CLI: a supervisord conf
 * with numprocs, environment, %(ENV_HOME)s and a command written for a
 * shell. Unmappable settings are listed with file and line; the result
 * passes `config check`, and `config show` gives each node the original
 * command line. Refused imports write nothing.
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

describe('import supervisord', { timeout: 600_000 }, () => {
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
