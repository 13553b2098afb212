/**
 * `nodewarden config check` with values over their documented bounds: each
 * is named with its file, key, bound and value, the exit code is 2, and a
 * config at the bounds is valid.
 */
import { describe, test } from 'node:test';
import assert from 'node:assert/strict';
import { runCli, suiteConfigs } from '../../helpers/daemon.js';

describe('config check against the bounds', { timeout: 60_000 }, () => {
  const configWith = suiteConfigs();

  test('durations and counts over their bounds are listed, exit 2', async () => {
    const configDir = configWith({
      manager: { retention: { eventsDays: 5000 } },
      nodes: {
        geth: { stop: { graceMs: 3_000_000_000 }, restart: { fatalRetryMs: 2_592_000_001 } },
        ant: { instances: 20_000 },
      },
    });
    const r = await runCli(configDir, ['config', 'check']);
    assert.equal(r.code, 2, r.stderr);
    const lines = r.stderr.split('\n').map((l) => l.trim());
    for (const expected of [
      'nodes/geth.json: stop.graceMs: must be at most 2592000000 ms (30 days) (3000000000)',
      'nodes/geth.json: restart.fatalRetryMs: must be at most 2592000000 ms (30 days) (2592000001)',
      'nodes/ant.json: instances: must be at most 1000 (20000)',
      'nodewarden.json: retention.eventsDays: must be at most 3650 days (10 years) (5000)',
    ]) {
      assert.ok(lines.includes(expected), `missing "${expected}" in:\n${r.stderr}`);
    }
  });

  test('values at the bounds (and past 2^31 ms) are valid, and 1000 instances are 1000 nodes', async () => {
    const configDir = configWith({
      manager: { retention: { eventsDays: 3650, maxEvents: 100_000_000 } },
      nodes: {
        geth: { stop: { graceMs: 2_592_000_000 }, restart: { fatalRetryMs: 2 ** 31 + 1 } },
        ant: { instances: 1000 },
      },
    });
    const r = await runCli(configDir, ['config', 'check', '--json']);
    assert.equal(r.code, 0, r.stderr);
    const out = JSON.parse(r.stdout) as { ok: boolean; nodes: string[] };
    assert.equal(out.nodes.length, 1001);
    assert.ok(out.nodes.includes('ant-1000'));
  });
});
