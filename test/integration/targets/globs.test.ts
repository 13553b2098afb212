/**
 * Watch-only targets answer to names and globs like nodes: `status <glob>`,
 * `uptime <glob>`, `events --node <glob>` and `export … --node <glob>` match
 * target names with the daemon up and with it down, and with the daemon down
 * `status` lists the configured targets from their last recorded interval.
 */
import { after, before, describe, test } from 'node:test';
import assert from 'node:assert/strict';
import type { EventsResponse, UptimeResponse } from '../../../src/protocol/types.js';
import { runCli, startTestDaemon, waitUntil, type TestDaemon } from '../../helpers/daemon.js';
import { startEndpoints, type Endpoints } from './endpoints.js';

const target = (url: string) => ({
  intervalMs: 200,
  timeoutMs: 2000,
  downAfter: 2,
  probes: { height: { type: 'http', url, path: 'height' } },
});

describe('target names and globs in the read verbs, daemon up and down', { timeout: 120_000 }, () => {
  let ep: Endpoints;
  let t: TestDaemon;

  before(async () => {
    ep = await startEndpoints();
    ep.set('rpc-b', false); // never answers
    t = await startTestDaemon({
      nodes: { sim: {} },
      targets: { 'rpc-a': target(ep.url('rpc-a')), 'rpc-b': target(ep.url('rpc-b')) },
    });
    await t.waitRunning();
    const stateOf = (n: string) => t.daemon.targetStatus().find((r) => r.name === n)?.state;
    await waitUntil(
      () => stateOf('rpc-a') === 'up' && stateOf('rpc-b') === 'down',
      'rpc-a up, rpc-b down',
      20_000,
    );
  });

  after(async () => {
    await t?.close();
    await ep?.close();
  });

  /** The same checks with the daemon up and down: `offline` says which. */
  const checkGlobs = async (offline: boolean): Promise<void> => {
    const cli = (args: string[]) => runCli(t.configDir, args);
    const status = await cli(['status', 'rpc-*', '--json']);
    assert.equal(status.code, 0, status.stderr);
    const rows = JSON.parse(status.stdout) as { name: string; kind?: string; state: string }[];
    assert.deepEqual(
      rows.map((r) => [r.name, r.kind, r.state]),
      [
        ['rpc-a', 'target', 'up'],
        ['rpc-b', 'target', 'down'],
      ],
    );

    const up = await cli(['uptime', 'rpc-*', '--json']);
    assert.equal(up.code, 0, up.stderr);
    const uptime = JSON.parse(up.stdout) as UptimeResponse;
    assert.deepEqual(uptime.nodes.map((r) => r.node).sort(), ['rpc-a', 'rpc-b']);
    // (with the daemon down the window runs on past its last record, so only the order is checked)
    assert.ok(uptime.nodes.find((r) => r.node === 'rpc-a')!.uptimePercent! > 0);
    assert.equal(uptime.nodes.find((r) => r.node === 'rpc-b')!.uptimePercent, 0);

    const ev = await cli(['events', '--node', 'rpc-*', '--json']);
    assert.equal(ev.code, 0, ev.stderr);
    const events = JSON.parse(ev.stdout) as EventsResponse['events'];
    assert.ok(
      events.some((e) => e.node === 'rpc-b' && e.type === 'target_down'),
      JSON.stringify(events),
    );
    assert.ok(events.every((e) => e.node === 'rpc-a' || e.node === 'rpc-b'));

    const ex = await cli(['export', 'events', '--node', 'rpc-*']);
    assert.equal(ex.code, 0, ex.stderr);
    assert.match(ex.stdout, /rpc-b.*target_down|target_down.*rpc-b/);
    assert.doesNotMatch(ex.stdout, /\bsim\b/);

    const none = await cli(['uptime', 'nope-*', '--json']);
    assert.equal(none.code, 1, `${offline ? 'down' : 'up'}: ${none.stderr}`);
    assert.match(none.stderr, /nope-\*: ERROR \(no such node\)/);
  };

  test('daemon up: status, uptime, events and export take a glob over target names', async () => {
    await checkGlobs(false);
  });

  test('daemon down: status lists the targets as last recorded, and the globs still match them', async () => {
    await t.daemon.stop();
    const table = await runCli(t.configDir, ['status']);
    assert.equal(table.code, 0, table.stderr);
    assert.match(
      table.stdout.split('\n')[0]!,
      /^nodewarden is not running \(last known state from /,
      'marked as read from the database',
    );
    assert.match(table.stdout, /^rpc-a\s+up\b/m);
    assert.match(table.stdout, /^rpc-b\s+down\b/m);
    const json = await runCli(t.configDir, ['status', '--json']);
    assert.equal(json.code, 0, json.stderr);
    const rows = JSON.parse(json.stdout) as { name: string; kind?: string; source?: string }[];
    assert.deepEqual(
      rows.map((r) => [r.name, r.kind ?? 'node', r.source]),
      [
        ['sim', 'node', 'database'],
        ['rpc-a', 'target', 'database'],
        ['rpc-b', 'target', 'database'],
      ],
    );
    await checkGlobs(true);
  });
});
