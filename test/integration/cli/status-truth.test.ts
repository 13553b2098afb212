/**
 * Status tells the truth, through the built CLI against a real daemon: a node
 * without a process shows no CPU, memory, height or lag of its last run (in
 * `status`, `status --json` and /metrics alike), a node waiting in the start
 * queue shows `queued`, and `stop --wait` prints each node's stop steps as they
 * happen, SIGKILL included, in order.
 */
import { afterEach, describe, test } from 'node:test';
import assert from 'node:assert/strict';
import type { NodeStatus } from '../../../src/protocol/types.js';
import { simArgs, startTestDaemon, waitUntil, type TestDaemon } from '../../helpers/daemon.js';
import { freePort, heightProbe } from '../health/support.js';

let t: TestDaemon | null = null;
afterEach(async () => {
  await t?.close();
  t = null;
});

async function statusJson(d: TestDaemon): Promise<NodeStatus[]> {
  const r = await d.cli(['status', '--json']);
  assert.equal(r.code, 0, r.stderr);
  return JSON.parse(r.stdout) as NodeStatus[];
}

async function row(d: TestDaemon, name: string): Promise<NodeStatus> {
  const found = (await statusJson(d)).find((s) => s.name === name);
  assert.ok(found, `status lists ${name}`);
  return found;
}

/** The cells of a node's row in the human table (no colour: stdout is a pipe). */
async function tableRow(d: TestDaemon, name: string): Promise<Record<string, string>> {
  const r = await d.cli(['status']);
  assert.equal(r.code, 0, r.stderr);
  const [header, ...rows] = r.stdout.trimEnd().split('\n');
  const cols = header!.trim().split(/\s+/);
  const cells = rows.map((l) => l.trim().split(/\s+/)).find((c) => c[0] === name);
  assert.ok(cells, `the table lists ${name}: ${r.stdout}`);
  assert.equal(cells.length, cols.length, r.stdout);
  return Object.fromEntries(cols.map((c, i) => [c, cells[i]!]));
}

async function metrics(d: TestDaemon): Promise<string> {
  const r = await d.client.send('GET', '/metrics');
  assert.equal(r.status, 200);
  return r.text;
}

describe('status tells the truth', { timeout: 120_000 }, () => {
  test('a stopped node shows no CPU, memory, height or lag of its last run (status, --json, metrics)', async () => {
    const port = await freePort();
    t = await startTestDaemon({
      manager: { sampling: { intervalMs: 200 } },
      nodes: {
        alpha: {
          args: simArgs('--block-ms', '200', '--port', String(port)),
          probes: { height: heightProbe(port, 'http') },
        },
      },
    });
    const d = t;
    await d.waitRunning();
    const before = await waitUntil(async () => {
      const s = await row(d, 'alpha');
      return s.cpuPercent !== null && s.rssBytes !== null && s.height !== null ? s : null;
    }, 'alpha has been sampled and probed');
    assert.equal(before.state, 'running');
    assert.match(await metrics(d), /^nodewarden_node_resident_memory_bytes\{node="alpha",[^}]*\} \d+/m);

    const stop = await d.cli(['stop', 'alpha', '--wait']);
    assert.equal(stop.code, 0, stop.stderr);
    // The prober still holds the last height of the process that is gone (the sampler's
    // figures linger until its next tick) ...
    const cached = d.daemon.observe('alpha');
    assert.equal(typeof cached?.height, 'number', 'the last height is still observed');
    // ... and status goes by the node's state, not by them.
    const after = await row(d, 'alpha');
    assert.equal(after.state, 'stopped');
    assert.deepEqual(
      [after.pid, after.uptimeSeconds, after.cpuPercent, after.rssBytes, after.height, after.lag],
      [null, null, null, null, null, null],
    );
    const cells = await tableRow(d, 'alpha');
    assert.deepEqual(
      [
        cells['STATE'],
        cells['PID'],
        cells['UPTIME'],
        cells['CPU'],
        cells['MEM'],
        cells['HEIGHT'],
        cells['LAG'],
      ],
      ['stopped', '-', '-', '-', '-', '-', '-'],
    );
    const m = await metrics(d);
    for (const name of [
      'nodewarden_node_resident_memory_bytes',
      'nodewarden_node_cpu_usage_ratio',
      'nodewarden_node_height',
      'nodewarden_node_lag_blocks',
    ])
      assert.doesNotMatch(m, new RegExp(`^${name}\\{[^}]*node="alpha"`, 'm'), `${name} of a stopped node`);
  });

  test('a node waiting in the start queue shows queued, never stopped; an operator start takes it out', async () => {
    t = await startTestDaemon({
      manager: { startup: { concurrency: 1, intervalMs: 60_000 } },
      nodes: { first: {}, second: {} },
    });
    const d = t;
    await d.waitRunning(['first']);
    const second = await row(d, 'second');
    assert.deepEqual([second.state, second.desired, second.pid], ['queued', 'running', null]);
    assert.equal((await tableRow(d, 'second'))['STATE'], 'queued');
    assert.match(await metrics(d), /^nodewarden_node_queued\{node="second",[^}]*\} 1$/m);
    assert.match(await metrics(d), /^nodewarden_node_queued\{node="first",[^}]*\} 0$/m);

    const start = await d.cli(['start', 'second', '--wait']);
    assert.equal(start.code, 0, start.stderr);
    assert.equal((await row(d, 'second')).state, 'running');
    assert.match(await metrics(d), /^nodewarden_node_queued\{node="second",[^}]*\} 0$/m);
  });

  test('stop --wait prints each stop as it happens: signal, SIGKILL once the grace is over, stopped', async () => {
    t = await startTestDaemon({
      template: { stop: { graceMs: 1500 } },
      nodes: { hard: { args: simArgs('--ignore-sigterm') }, soft: {} },
    });
    const d = t;
    await d.waitRunning();
    const r = await d.cli(['stop', 'hard', 'soft', '--wait']);
    assert.equal(r.code, 0, r.stderr);
    const lines = r.stdout.trimEnd().split('\n');
    const of = (node: string): string[] => lines.filter((l) => l.startsWith(`${node}: `));
    assert.equal(lines.length, of('hard').length + of('soft').length, r.stdout);
    assert.equal(of('hard').length, 3, r.stdout);
    assert.equal(of('hard')[0], 'hard: SIGTERM sent (grace 1.5s)');
    assert.equal(of('hard')[1], 'hard: SIGKILL sent (grace over)');
    assert.match(of('hard')[2]!, /^hard: stopped \(signal SIGKILL, (1\.[5-9]|[2-9]\.\d|\d\d+\.\d)s\)$/);
    assert.equal(of('soft').length, 2, r.stdout);
    assert.equal(of('soft')[0], 'soft: SIGTERM sent (grace 1.5s)');
    assert.match(of('soft')[1]!, /^soft: stopped \(exit 0, \d+\.\ds\)$/);
    // soft was gone long before hard's grace ran out.
    assert.ok(lines.indexOf(of('soft')[1]!) < lines.indexOf(of('hard')[1]!), r.stdout);

    // --json: one object a line, the steps in order, then the results.
    assert.equal((await d.cli(['start', 'hard', '--wait'])).code, 0);
    const j = await d.cli(['stop', 'hard', 'soft', '--wait', '--json']);
    assert.equal(j.code, 0, j.stderr);
    const objs = j.stdout
      .trimEnd()
      .split('\n')
      .map((l) => JSON.parse(l) as { type: string; node?: string; step?: string; results?: unknown[] });
    assert.deepEqual(
      objs.map((o) => (o.type === 'progress' ? `${o.node}:${o.step}` : o.type)),
      ['hard:signal', 'hard:kill', 'hard:stopped', 'result'],
    );
    assert.deepEqual(objs.at(-1)!.results, [
      { node: 'hard', ok: true, message: 'stopped' },
      { node: 'soft', ok: true, message: 'already stopped' },
    ]);

    // A wait that runs out: the steps so far, the timeout, exit 4.
    assert.equal((await d.cli(['start', 'hard', '--wait'])).code, 0);
    const late = await d.cli(['stop', 'hard', '--timeout', '0.5']);
    assert.equal(late.code, 4, late.stdout + late.stderr);
    assert.deepEqual(late.stdout.trimEnd().split('\n'), [
      'hard: SIGTERM sent (grace 1.5s)',
      'hard: ERROR (timed out waiting for stopped)',
    ]);
  });
});
