import { after, before, describe, test } from 'node:test';
import assert from 'node:assert/strict';
import Fastify, { type FastifyInstance } from 'fastify';
import { execa } from 'execa';
import { metricsFor } from '../../../src/metrics/registry.js';
import type { MetricObservation } from '../../../src/metrics/source.js';
import { registerWebRoutes } from '../../../src/web/routes.js';
import { waitUntil } from '../../helpers/wait.js';
import { startFleet, type Fleet, waitState } from '../web/fleet.js';
import { sample } from './exposition.js';

/** promtool from Debian's prometheus package; CI installs it, so a missing one fails the suite. */
async function promtoolCheck(text: string): Promise<{ exitCode: number; output: string }> {
  const r = await execa('promtool', ['check', 'metrics'], { input: text, reject: false, all: true });
  if ((r as { code?: string }).code === 'ENOENT') {
    assert.fail('promtool is not installed (apt-get install prometheus); it is required by this test');
  }
  return { exitCode: r.exitCode ?? -1, output: r.all ?? '' };
}

describe('GET /metrics on a real daemon', () => {
  let fleet: Fleet;
  let app: FastifyInstance;
  const scrape = async (): Promise<string> => {
    const res = await app.inject('/metrics');
    assert.equal(res.statusCode, 200);
    return res.body;
  };

  before(async () => {
    fleet = await startFleet(['alpha', 'beta']);
    app = Fastify();
    registerWebRoutes(app, fleet.daemon);
    await waitState(fleet.daemon, ['alpha', 'beta'], 'running');
  });
  after(async () => {
    await app?.close();
    await fleet?.close();
  });

  test('serves the text format with its content type and passes promtool', async () => {
    const res = await app.inject('/metrics');
    assert.equal(res.statusCode, 200);
    assert.match(String(res.headers['content-type']), /^text\/plain; version=0\.0\.4; charset=utf-8$/);
    const check = await promtoolCheck(res.body);
    assert.equal(check.exitCode, 0, `promtool check metrics failed:\n${check.output}`);
  });

  test('exports node state, up, held, build info and process metrics', async () => {
    const text = await scrape();
    assert.equal(sample(text, 'nodewarden_node_state', { node: 'alpha', state: 'running' }), 1);
    assert.equal(sample(text, 'nodewarden_node_state', { node: 'alpha', state: 'stopped' }), 0);
    assert.equal(sample(text, 'nodewarden_node_up', { node: 'beta', group: 'beta' }), 1);
    assert.equal(sample(text, 'nodewarden_node_held', { node: 'alpha' }), 0);
    assert.equal(sample(text, 'nodewarden_node_health', { node: 'alpha', health: 'unknown' }), 1);
    assert.equal(sample(text, 'nodewarden_build_info'), 1);
    assert.ok((sample(text, 'nodewarden_process_resident_memory_bytes') ?? 0) > 0);
    assert.equal(sample(text, 'nodewarden_bus_consumer_errors_total'), 0);
    assert.equal(sample(text, 'nodewarden_store_write_errors_total'), 0);
  });

  test('leaves out what no watcher knows yet instead of exporting 0', async () => {
    const text = await scrape();
    for (const name of [
      'nodewarden_node_height',
      'nodewarden_node_lag_blocks',
      'nodewarden_node_cpu_seconds_total',
      'nodewarden_node_resident_memory_bytes',
      'nodewarden_node_peers',
    ]) {
      assert.equal(sample(text, name, { node: 'alpha' }), undefined, name);
    }
  });

  test('exports what the watchers observe, read at scrape time', async () => {
    const { daemon } = fleet;
    const original = daemon.observe;
    const seen: Record<string, MetricObservation> = {
      alpha: {
        health: 'in_sync',
        height: 1000,
        referenceHeight: 1004,
        lag: 4,
        cpuPercent: 50,
        cpuSecondsTotal: 12.5,
        rssBytes: 64 * 1024 * 1024,
        version: '1.2.3 "quoted"',
        peerId: '12D3KooW',
        peers: 17,
      },
    };
    daemon.observe = (n) => seen[n];
    try {
      const text = await scrape();
      assert.equal(sample(text, 'nodewarden_node_height', { node: 'alpha', group: 'alpha' }), 1000);
      assert.equal(sample(text, 'nodewarden_node_reference_height', { node: 'alpha' }), 1004);
      assert.equal(sample(text, 'nodewarden_node_lag_blocks', { node: 'alpha' }), 4);
      assert.equal(sample(text, 'nodewarden_node_cpu_seconds_total', { node: 'alpha' }), 12.5);
      assert.equal(sample(text, 'nodewarden_node_cpu_usage_ratio', { node: 'alpha' }), 0.5);
      assert.equal(
        sample(text, 'nodewarden_node_resident_memory_bytes', { node: 'alpha' }),
        64 * 1024 * 1024,
      );
      assert.equal(sample(text, 'nodewarden_node_health', { node: 'alpha', health: 'in_sync' }), 1);
      assert.equal(sample(text, 'nodewarden_node_health', { node: 'alpha', health: 'unknown' }), 0);
      assert.equal(
        sample(text, 'nodewarden_node_info', {
          node: 'alpha',
          version: '1.2.3 \\"quoted\\"',
          peer_id: '12D3KooW',
        }),
        1,
      );
      assert.equal(sample(text, 'nodewarden_node_peers', { node: 'alpha' }), 17);
      assert.equal(sample(text, 'nodewarden_node_peers', { node: 'beta' }), undefined);
      assert.equal(sample(text, 'nodewarden_node_height', { node: 'beta' }), undefined);
      const check = await promtoolCheck(text);
      assert.equal(check.exitCode, 0, `promtool check metrics failed:\n${check.output}`);
    } finally {
      daemon.observe = original;
    }
  });

  test('observeProbe feeds the probe histogram and failure counter of the same registry', async () => {
    const { observeProbe } = metricsFor(fleet.daemon);
    observeProbe('alpha', 'height', 0.02, true);
    observeProbe('alpha', 'height', 3, false);
    observeProbe('beta', 'version', 0.001, true);
    const text = await scrape();
    const alpha = { node: 'alpha', probe: 'height' };
    assert.equal(sample(text, 'nodewarden_probe_duration_seconds_count', alpha), 2);
    assert.equal(sample(text, 'nodewarden_probe_duration_seconds_sum', alpha), 3.02);
    assert.equal(sample(text, 'nodewarden_probe_duration_seconds_bucket', { ...alpha, le: '0.025' }), 1);
    assert.equal(sample(text, 'nodewarden_probe_failures_total', alpha), 1);
    assert.equal(sample(text, 'nodewarden_probe_failures_total', { node: 'beta', probe: 'version' }), 0);
    const check = await promtoolCheck(text);
    assert.equal(check.exitCode, 0, `promtool check metrics failed:\n${check.output}`);
  });

  test('counts what the node wrote to its log', async () => {
    // sim-node prints READY at start; the log writer is asynchronous
    await waitUntil(
      async () =>
        (sample(await scrape(), 'nodewarden_node_log_written_bytes_total', { node: 'alpha' }) ?? 0) > 0,
      'alpha log bytes in /metrics',
    );
  });

  test('a crash caused by SIGKILL raises the restarts counter and the event counters', async () => {
    const { daemon } = fleet;
    const before = await scrape();
    const crashedBefore = sample(before, 'nodewarden_events_total', { type: 'crashed' }) ?? 0;
    // every known reason is exported from the start, at 0, so that increase() sees the first restart
    for (const reason of ['crash', 'failed_start', 'out_of_sync', 'unreachable', 'resource', 'manual'])
      assert.equal(sample(before, 'nodewarden_node_restarts_total', { node: 'alpha', reason }), 0, reason);
    const oldPid = daemon.supervisor.runner('alpha')!.snapshot().pid!;
    const back = daemon.bus.waitFor(
      'state',
      (s) => s.node === 'alpha' && s.to === 'running' && s.pid !== null && s.pid !== oldPid,
      { timeoutMs: 10_000 },
    );
    process.kill(oldPid, 'SIGKILL');
    await back;

    const text = await scrape();
    assert.equal(sample(text, 'nodewarden_node_restarts_total', { node: 'alpha', reason: 'crash' }), 1);
    assert.equal(sample(text, 'nodewarden_node_restarts_total', { node: 'beta', reason: 'crash' }), 0);
    assert.equal(sample(text, 'nodewarden_events_total', { type: 'crashed' }), crashedBefore + 1);
    assert.equal(sample(text, 'nodewarden_node_state', { node: 'alpha', state: 'running' }), 1);
    const check = await promtoolCheck(text);
    assert.equal(check.exitCode, 0, `promtool check metrics failed:\n${check.output}`);
  });

  test('an operator restart is counted with reason manual, matching the status restarts', async () => {
    const { daemon } = fleet;
    const oldPid = daemon.supervisor.runner('beta')!.snapshot().pid!;
    const back = daemon.bus.waitFor(
      'state',
      (s) => s.node === 'beta' && s.to === 'running' && s.pid !== null && s.pid !== oldPid,
      { timeoutMs: 10_000 },
    );
    daemon.supervisor.restart(['beta']);
    await back;
    const text = await scrape();
    assert.equal(sample(text, 'nodewarden_node_restarts_total', { node: 'beta', reason: 'manual' }), 1);
    for (const node of ['alpha', 'beta']) {
      const restarts = daemon.supervisor.runner(node)!.snapshot().restarts;
      const counted = ['crash', 'manual', 'failed_start', 'unknown']
        .map((reason) => sample(text, 'nodewarden_node_restarts_total', { node, reason }) ?? 0)
        .reduce((a, b) => a + b, 0);
      assert.equal(counted, restarts, `restarts of ${node}`);
    }
  });
});
