/**
 * `nodewarden import systemd` through the real CLI: an antnode@.service
 * template unit with a drop-in directory (Environment reset, LimitNOFILE)
 * and a per-instance drop-in, plus a plain unit; the result passes
 * `config check` and `config show` gives each node the original command line.
 */
import { describe, test } from 'node:test';
import assert from 'node:assert/strict';
import fs from 'node:fs';
import path from 'node:path';
import { runCli } from '../../helpers/daemon.js';
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

const REWARDS = '0x03B770D9cD32077cC0bF330c13C114a87643B124';

describe('import systemd', { timeout: 600_000 }, () => {
  const newRoot = suiteRoots();

  function setup(): { root: string; units: string; configDir: string } {
    const root = newRoot();
    rootFixtures('systemd', root);
    executable(path.join(root, 'opt/antnode/bin/antnode'));
    executable(path.join(root, 'opt/monero/monerod'));
    return { root, units: path.join(root, 'etc/systemd/system'), configDir: bareConfig(root) };
  }

  test('template instances, drop-ins and a plain unit become node files that pass config check', async () => {
    const { root, units, configDir } = setup();
    const r = await runCli(configDir, [
      'import',
      'systemd',
      ...[1, 2, 3].map((i) => path.join(units, `antnode@${i}.service`)),
      path.join(units, 'monerod.service'),
    ]);
    assert.equal(r.code, 0, r.stderr);
    assert.match(r.stdout, /created nodes\/antnode\.json \(nodes antnode-1 … antnode-3\)/);
    assert.match(r.stdout, /created nodes\/monerod\.json \(nodes monerod\)/);
    assert.match(r.stdout, /created template\.json/);
    // Every directive without a nodewarden setting is listed with its file and line.
    for (const at of [
      /antnode@\.service:26: OOMScoreAdjust=-500/,
      /antnode@\.service:27: ProtectSystem=full/,
      /antnode@\.service\.d\/10-override\.conf:6: CPUQuota=50%/,
      /antnode@3\.service\.d\/slow-disk\.conf:2: Nice=5/,
      /monerod\.service:9: StandardOutput=append:/,
      /monerod\.service:12: TimeoutStopSec=infinity/,
      /monerod\.service:14: PrivateTmp=true/,
    ])
      assert.match(r.stdout.split('warnings')[0]!, at);
    assert.match(r.stdout, /antnode@\.service:14: ExecStart: \$REWARDS_ADDRESS replaced by its value/);
    assert.match(r.stdout, /antnode@\.service:14: ExecStart: \$METRICS_PORT replaced by its value/);

    // What both units share went into template.json; instances are one file, instance 3's drop-in an override.
    assert.deepEqual(readJson(path.join(configDir, 'template.json')), {
      stop: { signal: 'SIGINT' },
      limits: { nofile: 65536 },
    });
    const antnode = readJson(path.join(configDir, 'nodes/antnode.json'));
    assert.equal(antnode.instances, 3);
    assert.deepEqual(antnode.overrides, { '3': { stop: { graceMs: 300_000 } } });
    await checkPasses(configDir, 4);

    for (const i of [1, 2, 3]) {
      const node = await show(configDir, `antnode-${i}`);
      assert.equal(node.binary, path.join(root, 'opt/antnode/bin/antnode'));
      assert.deepEqual(node.args, [
        '--root-dir',
        path.join(root, `var/lib/antnode/${i}`),
        '--port',
        `1200${i}`,
        '--metrics-server-port',
        `1300${i}`,
        '--log-output-dest',
        path.join(root, `var/log/antnode/antnode ${i}`),
        '--rewards-address',
        REWARDS,
        'evm-arbitrum-one',
      ]);
      // The drop-in's empty Environment= dropped the unit's own; the EnvironmentFile's stay.
      assert.deepEqual(node.env, {
        RUST_LOG: 'debug',
        ANT_PEERS: '/ip4/203.0.113.7/udp/12000/quic-v1',
        METRICS_PORT: `1300${i}`,
        REWARDS_ADDRESS: REWARDS,
        ANT_NETWORK: 'main net',
      });
      assert.equal(node.dataDir, path.join(root, `var/lib/antnode/${i}`));
      assert.equal(node.cwd, path.join(root, `var/lib/antnode/${i}`));
      assert.equal(node.user, 'ant');
      assert.equal(node.group, 'ant');
      const restart = node.restart as Record<string, unknown>;
      assert.equal(restart.policy, 'on-failure');
      assert.equal(restart.backoffMs, 5000);
      assert.deepEqual(node.stop, { signal: 'SIGINT', graceMs: i === 3 ? 300_000 : 120_000 });
      assert.equal((node.limits as Record<string, unknown>).nofile, 65536);
    }
    const monerod = await show(configDir, 'monerod');
    assert.equal(monerod.binary, path.join(root, 'opt/monero/monerod'));
    assert.deepEqual(monerod.args, [
      '--non-interactive',
      `--data-dir=${path.join(root, 'var/lib/monero')}`,
      '--rpc-bind-ip=127.0.0.1',
      '--rpc-bind-port',
      '18081',
      '--log-file',
      path.join(root, 'var/log/monero/monerod.log'),
    ]);
    assert.equal((monerod.restart as Record<string, unknown>).policy, 'always');
    assert.equal(monerod.dataDir, path.join(configDir, 'data/monerod'));

    // A second import refuses to overwrite and writes nothing.
    const before = snapshot(configDir);
    const again = await runCli(configDir, [
      'import',
      'systemd',
      path.join(units, 'antnode@1.service'),
      path.join(units, 'monerod.service'),
    ]);
    assert.equal(again.code, 2);
    assert.match(again.stderr, /nothing written/);
    assert.match(again.stderr, /nodes\/antnode\.json: exists already \(not overwritten\)/);
    assert.match(again.stderr, /nodes\/monerod\.json: exists already/);
    assert.deepEqual(snapshot(configDir), before);
  });

  test('--instances on a template unit gives the same files; --dry-run prints them and writes nothing', async () => {
    const { units, configDir } = setup();
    const before = snapshot(configDir);
    const dry = await runCli(configDir, [
      'import',
      'systemd',
      path.join(units, 'antnode@.service'),
      '--instances',
      '1..3',
      path.join(units, 'monerod.service'),
      '--dry-run',
    ]);
    assert.equal(dry.code, 0, dry.stderr);
    assert.deepEqual(snapshot(configDir), before);
    assert.match(dry.stdout, /dry run: nothing written; the result passes config check/);
    assert.match(dry.stdout, /antnode@\.service:26: OOMScoreAdjust/);

    const real = await runCli(configDir, [
      'import',
      'systemd',
      ...[1, 2, 3].map((i) => path.join(units, `antnode@${i}.service`)),
      path.join(units, 'monerod.service'),
    ]);
    assert.equal(real.code, 0, real.stderr);
    for (const rel of ['template.json', 'nodes/antnode.json', 'nodes/monerod.json']) {
      const text = fs.readFileSync(path.join(configDir, rel), 'utf8');
      assert.ok(dry.stdout.includes(`# ${rel} (`), `dry run names ${rel}`);
      assert.ok(dry.stdout.includes(text), `dry run prints ${rel} as written`);
    }
  });

  test('a template unit named without instances is a usage error', async () => {
    const { units, configDir } = setup();
    const r = await runCli(configDir, ['import', 'systemd', path.join(units, 'antnode@.service')]);
    assert.equal(r.code, 2);
    assert.match(
      r.stderr,
      /antnode@\.service: a template unit: name its instances .* or pass --instances 1\.\.N/,
    );
  });
});
