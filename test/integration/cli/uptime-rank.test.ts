/**
 * `uptime --rank` through the built CLI against a real daemon of simulated
 * nodes whose height probes ask a loopback endpoint of this test (one path
 * answers at once, one after 300 ms): a node stopped for part of the window
 * ranks below the ones that ran, whatever its probe latency; two nodes up the
 * whole window are ordered by median probe latency; the uptime figure equals
 * one computed by hand from the recorded transitions; `export uptime` carries
 * the same columns; with the daemon down, both read the database.
 */
import { after, before, describe, test } from 'node:test';
import assert from 'node:assert/strict';
import http from 'node:http';
import type { AddressInfo } from 'node:net';
import path from 'node:path';
import Database from 'better-sqlite3';
import type { RankResponse, RankRow } from '../../../src/protocol/types.js';
import { runCli, startTestDaemon, waitUntil, type TestDaemon } from '../../helpers/daemon.js';
import { UPTIME_EXPORT_COLUMNS } from '../../helpers/uptime-export.js';

/** How long the slow path takes to answer: far beyond a loaded host's loopback latency. */
const SLOW_MS = 300;

describe('uptime --rank', { timeout: 180_000 }, () => {
  let t: TestDaemon;
  let server: http.Server;
  let since: number;
  let height = 0;

  before(async () => {
    server = http.createServer((req, res) => {
      const answer = (): void => {
        res.setHeader('content-type', 'application/json');
        res.end(JSON.stringify({ height: ++height }));
      };
      if (req.url === '/slow') setTimeout(answer, SLOW_MS);
      else answer();
    });
    await new Promise<void>((r) => server.listen(0, '127.0.0.1', r));
    const port = (server.address() as AddressInfo).port;
    const heightAt = (p: string): Record<string, unknown> => ({
      probes: {
        height: {
          type: 'http',
          url: `http://127.0.0.1:${port}${p}`,
          path: 'height',
          intervalMs: 400,
          timeoutMs: 5000,
        },
      },
    });
    t = await startTestDaemon({
      // Names sort against the expected ranking, so neither order can come from the names.
      nodes: { zeta: heightAt('/fast'), beta: heightAt('/slow'), alpha: heightAt('/fast') },
    });
    await t.waitRunning();
    since = Date.now();
  });

  after(async () => {
    await t?.close();
    await new Promise<void>((r) => server?.close(() => r()));
  });

  const rankJson = async (): Promise<RankResponse & { source?: string }> => {
    const r = await runCli(t.configDir, ['uptime', '--rank', '--since', String(since), '--json']);
    assert.equal(r.code, 0, r.stderr);
    return JSON.parse(r.stdout) as RankResponse & { source?: string };
  };
  const byName = (rows: readonly RankRow[]): Map<string, RankRow> => new Map(rows.map((r) => [r.name, r]));

  test('a node stopped for part of the window ranks below those that ran; equal uptime is ordered by median probe latency', async () => {
    // alpha is down for a stretch of the window: stopping, stopped, starting again.
    const stop = await t.cli(['stop', 'alpha', '--wait']);
    assert.equal(stop.code, 0, stop.stderr);
    const start = await t.cli(['start', 'alpha', '--wait']);
    assert.equal(start.code, 0, start.stderr);
    // Enough probe runs in the window behind each median.
    await waitUntil(
      () =>
        t.daemon.store
          .rank({ sinceMs: since })
          .filter((r) => r.name !== 'alpha')
          .every((r) => r.probeSamples - r.failedProbes >= 5),
      'zeta and beta have five successful probe runs each',
      60_000,
    );

    const res = await rankJson();
    assert.deepEqual(
      res.rows.map((r) => [r.rank, r.name, r.kind]),
      [
        [1, 'zeta', 'node'],
        [2, 'beta', 'node'],
        [3, 'alpha', 'node'],
      ],
      JSON.stringify(res.rows),
    );
    const rows = byName(res.rows);
    assert.equal(rows.get('zeta')!.uptimePercent, 100);
    assert.equal(rows.get('beta')!.uptimePercent, 100);
    assert.ok(rows.get('alpha')!.uptimePercent! < 100);
    // alpha's probe answers as fast as zeta's: uptime comes first.
    assert.ok(rows.get('alpha')!.medianLatencyMs! < SLOW_MS);
    assert.ok(rows.get('beta')!.medianLatencyMs! >= SLOW_MS, JSON.stringify(rows.get('beta')));
    assert.ok(rows.get('zeta')!.medianLatencyMs! < SLOW_MS, JSON.stringify(rows.get('zeta')));
    for (const r of res.rows) {
      assert.ok(r.probeSamples >= 1 && r.intervals >= 1, JSON.stringify(r));
      assert.equal(r.latencySource, 'raw');
    }
    // alpha's intervals in the window: running, stopping, stopped, starting, running at least
    // (the exact count is checked against the recorded rows below).
    assert.ok(rows.get('alpha')!.intervals >= 5, JSON.stringify(rows.get('alpha')));
    assert.equal(rows.get('zeta')!.intervals, 1);

    const table = await t.cli(['uptime', '--rank', '--since', String(since)]);
    assert.equal(table.code, 0, table.stderr);
    const lines = table.stdout.trimEnd().split('\n');
    assert.match(
      lines[0]!,
      /^RANK\s+NAME\s+KIND\s+UPTIME\s+OBSERVED\s+INTERVALS\s+LATENCY\s+PROBES\s+FAILED$/,
    );
    assert.deepEqual(
      lines.slice(1).map((l) => l.trim().split(/\s+/).slice(0, 3)),
      [
        ['1', 'zeta', 'node'],
        ['2', 'beta', 'node'],
        ['3', 'alpha', 'node'],
      ],
    );
    assert.match(lines[1]!, /\s100\.000%\s/);

    // Names and globs narrow the rows; each keeps its rank in the whole fleet.
    const some = await t.cli(['uptime', '--rank', 'al*', '--since', String(since), '--json']);
    assert.equal(some.code, 0, some.stderr);
    assert.deepEqual(
      (JSON.parse(some.stdout) as RankResponse).rows.map((r) => [r.rank, r.name]),
      [[3, 'alpha']],
    );
    const unknown = await t.cli(['uptime', '--rank', 'nosuch', '--since', String(since)]);
    assert.equal(unknown.code, 1);
    assert.match(unknown.stderr, /^nosuch: ERROR \(no such node\)$/m);
    const bad = await t.cli(['uptime', '--rank', '--since', 'yesterday']);
    assert.equal(bad.code, 2);
    assert.match(bad.stderr, /--since/);
  });

  test('with the daemon down, uptime --rank and export uptime read the database: figures from the recorded transitions', async () => {
    // Nodes kept running: the manager closes every interval at one instant, so zeta and beta stay equal.
    const down = await t.cli(['shutdown', '--keep-nodes']);
    assert.equal(down.code, 0, down.stderr);
    await t.daemon.stopped;

    const res = await rankJson();
    assert.equal(res.source, 'database');
    assert.deepEqual(
      res.rows.map((r) => r.name),
      ['zeta', 'beta', 'alpha'],
    );

    // By hand: up = the running intervals clipped to [since, until]; observed = until − since.
    const db = new Database(path.join(t.daemon.manager.stateDir, 'nodewarden.db'), { readonly: true });
    const intervals = db
      .prepare('SELECT node, state, start_ts AS s, end_ts AS e FROM state_intervals ORDER BY id')
      .all() as Array<{ node: string; state: string; s: number; e: number | null }>;
    const probes = db
      .prepare(
        'SELECT name, count(*) AS n, sum(ok = 0) AS failed FROM probe_samples WHERE ts >= ? GROUP BY name',
      )
      .all(since) as Array<{ name: string; n: number; failed: number }>;
    db.close();
    for (const row of res.rows) {
      let upMs = 0;
      let count = 0;
      for (const iv of intervals) {
        if (iv.node !== row.name) continue;
        assert.notEqual(iv.e, null, 'the manager closed every interval');
        const s = Math.max(iv.s, res.sinceMs);
        const e = Math.min(iv.e!, res.untilMs);
        if (e <= s) continue;
        count++;
        if (iv.state === 'running') upMs += e - s;
      }
      const observedMs = res.untilMs - res.sinceMs;
      assert.equal(row.upSeconds, upMs / 1000, row.name);
      assert.equal(row.observedSeconds, observedMs / 1000, row.name);
      assert.equal(row.uptimePercent, (100 * upMs) / observedMs, row.name);
      assert.equal(row.intervals, count, row.name);
      const p = probes.find((x) => x.name === row.name)!;
      assert.equal(row.probeSamples, p.n, row.name);
      assert.equal(row.failedProbes, p.failed, row.name);
    }

    const csv = await runCli(t.configDir, ['export', 'uptime', '--format', 'csv', '--since', String(since)]);
    assert.equal(csv.code, 0, csv.stderr);
    assert.match(csv.stderr, /^nodewarden is not running/);
    const [header, ...records] = csv.stdout.trimEnd().split('\r\n');
    const cols = header!.split(',');
    assert.deepEqual(cols, UPTIME_EXPORT_COLUMNS);
    const exported = new Map(
      records.map((line) => {
        const cells = line.split(',');
        return [cells[0]!, Object.fromEntries(cols.map((c, i) => [c, cells[i]!]))];
      }),
    );
    assert.deepEqual([...exported.keys()].sort(), ['alpha', 'beta', 'zeta']);
    for (const row of res.rows) {
      const e = exported.get(row.name)!;
      assert.equal(Number(e['rank']), row.rank, row.name);
      assert.equal(e['kind'], row.kind);
      assert.equal(Number(e['intervals']), row.intervals);
      assert.equal(Number(e['medianLatencyMs']), Math.round(row.medianLatencyMs! * 1000) / 1000);
      assert.equal(Number(e['probeSamples']), row.probeSamples);
      assert.equal(Number(e['failedProbes']), row.failedProbes);
      assert.equal(e['latencySource'], 'raw');
    }
  });
});
