/**
 * `host.name` and `sync.group` as metric labels: every series of a daemon's
 * /metrics names its host (the system host name unless `host.name` says
 * otherwise, renamed by a reload), every per-node series names the node's
 * sync group, and a bad `host.name` is refused by `config check`.
 */
import { after, describe, test } from 'node:test';
import assert from 'node:assert/strict';
import fs from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { metricsFor } from '../../../src/metrics/registry.js';
import { runCli, startTestDaemon, tmpDir, writeConfig, type TestDaemon } from '../../helpers/daemon.js';
import { parseSamples, type Sample } from './exposition.js';

const scrape = async (t: TestDaemon): Promise<Sample[]> =>
  parseSamples(await metricsFor(t.daemon).registry.metrics());

/** Per-node metric names: every series of these names a node. */
const PER_NODE = /^nodewarden_(node_|probe_)/;

describe('host and group labels', () => {
  let t: TestDaemon | null = null;
  after(async () => {
    await t?.close();
  });

  test('by default every series carries the system host name; per-node series their sync group', async () => {
    t = await startTestDaemon({ nodes: { solo: {}, 'btc-a': { sync: { group: 'bitcoin' } } } });
    await t.waitRunning();
    const samples = await scrape(t);
    assert.ok(samples.length > 50, `${samples.length} series`);
    const hosts = new Set(samples.map((s) => s.labels.host));
    assert.deepEqual([...hosts], [os.hostname()]);
    const perNode = samples.filter((s) => PER_NODE.test(s.name));
    assert.ok(perNode.length > 10);
    for (const s of perNode) {
      const want = s.labels.node === 'btc-a' ? 'bitcoin' : s.labels.node;
      assert.equal(s.labels.group, want, `${s.name} ${JSON.stringify(s.labels)}`);
    }
    assert.ok(perNode.some((s) => s.name === 'nodewarden_node_state' && s.labels.group === 'bitcoin'));
    await t.close();
    t = null;
  });

  test('host.name names the host; a reload through the CLI renames it', async () => {
    t = await startTestDaemon({ manager: { host: { name: 'edge-7' } }, nodes: { solo: {} } });
    await t.waitRunning();
    let samples = await scrape(t);
    assert.deepEqual([...new Set(samples.map((s) => s.labels.host))], ['edge-7']);
    const up = samples.find((s) => s.name === 'nodewarden_node_up' && s.labels.node === 'solo');
    assert.deepEqual(up?.labels, { node: 'solo', group: 'solo', host: 'edge-7' });

    const file = path.join(t.configDir, 'nodewarden.json');
    const cfg = JSON.parse(fs.readFileSync(file, 'utf8')) as Record<string, unknown>;
    fs.writeFileSync(file, JSON.stringify({ ...cfg, host: { name: 'edge-8' } }));
    const r = await t.cli(['reload']);
    assert.equal(r.code, 0, r.stderr);
    samples = await scrape(t);
    assert.deepEqual([...new Set(samples.map((s) => s.labels.host))], ['edge-8']);
    await t.close();
    t = null;
  });

  test('config check refuses an empty or non-string host.name, naming file and key', async () => {
    const dir = tmpDir();
    try {
      for (const bad of ['', 42]) {
        const configDir = writeConfig(dir, { manager: { host: { name: bad } } });
        const r = await runCli(configDir, ['config', 'check']);
        assert.equal(r.code, 2, r.stdout + r.stderr);
        assert.match(r.stderr, /nodewarden\.json: host\.name: /);
      }
    } finally {
      fs.rmSync(dir, { recursive: true, force: true });
    }
  });
});
