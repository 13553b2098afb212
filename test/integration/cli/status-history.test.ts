/**
 * `nodewarden status <node> --history` through the real CLI against a real
 * daemon sampling simulated nodes every 100 ms (one steady, one crashing),
 * then with the daemon stopped (read from its database).
 */
import { after, before, describe, test } from 'node:test';
import assert from 'node:assert/strict';
import fs from 'node:fs';
import type { HistoryResponse, UptimeResponse } from '../../../src/protocol/types.js';
import { SPARK_WIDTH } from '../../../src/cli/render/history.js';
import { tmpDir, waitUntil, type TestDaemon } from '../../helpers/daemon.js';
import { startSteadyAndCrashy } from '../health/support.js';

const SPARK = '[▁▂▃▄▅▆▇█ ]';

describe('status --history', { timeout: 120_000 }, () => {
  let t: TestDaemon;
  let chainDir: string;

  before(async () => {
    chainDir = tmpDir();
    t = await startSteadyAndCrashy(chainDir);
    await waitUntil(
      () =>
        t.daemon.store
          .querySamples({ node: 'steady', sinceMs: 0, resolution: 'raw' })
          .filter((s) => s.height !== null).length >= 20,
      '20 samples of steady with a height',
      30_000,
    );
  });

  after(async () => {
    await t?.close();
    if (chainDir) fs.rmSync(chainDir, { recursive: true, force: true });
  });

  test('prints a sparkline row per series, the state timeline and the restarts', async () => {
    const r = await t.cli(['status', 'steady', 'crashy', '--history', '--since', '2m']);
    assert.equal(r.code, 0, r.stderr);
    const [steady, crashy] = r.stdout.split('\n\n');
    assert.match(
      steady!,
      /^steady: last 2m 0s \(samples, one point per \d+(ms|s) at most, recorded from \d{4}-\d\d-\d\dT[\d:]+Z on\)$/m,
    );
    for (const label of ['height', 'reference', 'lag', 'cpu', 'memory', 'state', 'restarts']) {
      assert.match(
        steady!,
        new RegExp(`^  ${label.padEnd(9)} ${SPARK.replace(' ]', ' _█▓▒X░|2-9+]')}{${SPARK_WIDTH}}  \\S`, 'm'),
      );
    }
    // the height row: a real sparkline whose last figure is a recorded height
    const heightRow = /^ {2}height {4}(.{60}) {2}([\d,]+) \(min ([\d,]+), max ([\d,]+)\)$/m.exec(steady!);
    assert.ok(heightRow, steady);
    assert.match(heightRow[1]!, /[▂▃▄▅▆▇█]/, 'the height grew over the window');
    const last = Number(heightRow[2]!.replace(/,/g, ''));
    const heights = t.daemon.store
      .querySamples({ node: 'steady', sinceMs: 0, resolution: 'raw' })
      .map((s) => s.height);
    assert.ok(heights.includes(last), `${last} is a stored height`);
    assert.match(steady!, /^ {2}state {5}.*█ {0,2}running, \d+\.\d\d% up over [\dhms ]+$/m);
    const restarts = /^ {2}restarts {2}.{60} {2}(\d+)$/m.exec(crashy!);
    assert.ok(restarts && Number(restarts[1]) >= 2, crashy);
    assert.match(/^ {2}restarts {2}(.{60})/m.exec(crashy!)![1]!, /[|2-9+]/);
  });

  test('--json prints the history and the timeline as the API answers them, bounded', async () => {
    const r = await t.cli(['status', 'steady', '--history', '--json']);
    assert.equal(r.code, 0, r.stderr);
    const [row] = JSON.parse(r.stdout) as Array<{ history: HistoryResponse; uptime: UptimeResponse }>;
    assert.equal(row!.history.node, 'steady');
    assert.equal(row!.history.untilMs - row!.history.sinceMs, 3_600_000);
    // steady has recorded heights (see before): the bound is checked on a series that has points.
    assert.ok(row!.history.series.height!.length >= 1, 'the height series has points');
    for (const s of Object.values(row!.history.series)) assert.ok(s.length <= SPARK_WIDTH * 2);
    assert.ok(row!.uptime.nodes[0]!.timeline!.segments.length >= 1);
  });

  test('bad usage: --since without --history, a bad --since, an unknown node', async () => {
    const noHistory = await t.cli(['status', 'steady', '--since', '1h']);
    assert.equal(noHistory.code, 2);
    assert.match(noHistory.stderr, /--since: only with --history/);
    const bad = await t.cli(['status', 'steady', '--history', '--since', 'soon']);
    assert.equal(bad.code, 2);
    assert.match(bad.stderr, /--since.*"soon"/);
    const unknown = await t.cli(['status', 'nosuch', '--history']);
    assert.equal(unknown.code, 1);
    assert.match(unknown.stderr, /^nosuch: ERROR \(no such node\)$/m);
  });

  test('with the daemon stopped, the history is read from its database', async () => {
    await t.daemon.stop();
    const r = await t.cli(['status', 'crashy', '--history', '--since', '10m']);
    assert.equal(r.code, 0, r.stderr);
    const lines = r.stdout.split('\n');
    assert.match(lines[0]!, /^nodewarden is not running \(last known state from .*nodewarden\.db, recorded /);
    assert.match(lines[1]!, /^crashy: last 10m 0s /);
    assert.match(r.stdout, /^ {2}height {4}.*[▁▂▃▄▅▆▇█]/m);
    assert.match(r.stdout, /^ {2}restarts {2}.{60} {2}([2-9]|\d\d+)$/m);
  });
});
