import { after, before, describe, test } from 'node:test';
import assert from 'node:assert/strict';
import http from 'node:http';
import { fileURLToPath } from 'node:url';
import type { TargetStateChange } from '../../../src/events/types.js';
import type { TargetStatus, UptimeResponse, UptimeRow } from '../../../src/protocol/types.js';
import {
  runCli,
  startTestDaemon,
  suiteConfigs,
  waitUntil,
  writeTarget,
  type TestDaemon,
} from '../../helpers/daemon.js';
import { emailVia, startSmtp, type SmtpSink } from '../alerts/servers.js';
import { startEndpoints, type Endpoints } from './endpoints.js';

const TEMPLATES = fileURLToPath(new URL('../../../../templates/', import.meta.url));

/** GET `path` from the daemon's control socket. */
function getText(socketPath: string, path: string): Promise<string> {
  return new Promise((resolve, reject) => {
    http
      .get({ socketPath, path }, (res) => {
        let body = '';
        res.setEncoding('utf8').on('data', (d: string) => (body += d));
        res.on('end', () => resolve(body));
      })
      .on('error', reject);
  });
}

/** A target probing `url` for its height every `intervalMs`. */
const target = (url: string, extra: Record<string, unknown> = {}) => ({
  intervalMs: 200,
  timeoutMs: 2000,
  downAfter: 2,
  probes: { height: { type: 'http', url, path: 'height' } },
  ...extra,
});

describe('watch-only targets through a real daemon and the CLI', () => {
  let smtp: SmtpSink;
  let ep: Endpoints;
  let t: TestDaemon;
  const changes: TargetStateChange[] = [];
  let stoppedAt = 0;

  before(async () => {
    smtp = await startSmtp();
    ep = await startEndpoints();
    ep.set('peer/2', false); // never answers
    t = await startTestDaemon({
      manager: {
        templatesDir: TEMPLATES,
        alerts: {
          on: ['target_down', 'target_up'],
          throttleSeconds: 1,
          email: emailVia(smtp),
        },
      },
      targets: {
        web: target(ep.url('web'), { labels: { role: 'explorer' } }),
        peer: target(`http://127.0.0.1:${ep.port}/peer/{{index}}`, { instances: 2 }),
      },
    });
    t.daemon.bus.on('target', (c) => changes.push(c));
  });

  after(async () => {
    await t?.close();
    await smtp?.close();
    await ep?.close();
  });

  const statusRows = async (): Promise<TargetStatus[]> => {
    const r = await runCli(t.configDir, ['status', '--json']);
    assert.equal(r.code, 0, r.stderr);
    return (JSON.parse(r.stdout) as TargetStatus[]).filter((row) => row.kind === 'target');
  };
  const stateOf = (name: string): string | undefined =>
    t.daemon.targetStatus().find((r) => r.name === name)?.state;
  const events = (type: string, node: string) =>
    t.daemon.store.db
      .prepare('SELECT ts, reason, details FROM events WHERE type = ? AND node = ? ORDER BY id')
      .all(type, node) as { ts: number; reason: string | null; details: string }[];

  test('status --json lists each target after the nodes with kind "target" and state up / down', async () => {
    await waitUntil(
      () => stateOf('web') === 'up' && stateOf('peer-1') === 'up' && stateOf('peer-2') === 'down',
      'web and peer-1 up, peer-2 down',
      20_000,
    );
    const rows = await statusRows();
    assert.deepEqual(
      rows.map((r) => [r.name, r.state]),
      [
        ['peer-1', 'up'],
        ['peer-2', 'down'],
        ['web', 'up'],
      ],
    );
    const web = rows.find((r) => r.name === 'web')!;
    assert.equal(web.height, 1000);
    assert.equal(web.pid, null);
    assert.deepEqual(web.labels, { role: 'explorer' });
    assert.match(rows.find((r) => r.name === 'peer-2')!.lastError ?? '', /HTTP 503/);
    const table = await runCli(t.configDir, ['status']);
    assert.match(table.stdout, /^web\s+up\b/m);
    assert.match(table.stdout, /^peer-2\s+down\b/m);
  });

  test('a target that goes down and comes back: one target_down, one target_up, and mail for each', async () => {
    ep.set('web', false);
    await waitUntil(() => stateOf('web') === 'down', 'web is down', 20_000);
    // More failed rounds than downAfter pass: still one event.
    const hits = ep.hits('web').length;
    await waitUntil(() => ep.hits('web').length >= hits + 3, 'three more probes of web', 20_000);
    ep.set('web', true);
    await waitUntil(() => stateOf('web') === 'up', 'web is up again', 20_000);
    const down = events('target_down', 'web');
    const up = events('target_up', 'web');
    assert.equal(down.length, 1, 'one target_down');
    assert.equal(up.length, 1, 'one target_up');
    assert.match(down[0]!.reason ?? '', /HTTP 503/);
    assert.deepEqual(
      events('target_down', 'peer-2').length,
      1,
      'a target that never answered is down once (from unknown)',
    );
    assert.equal(events('target_up', 'peer-1').length, 0, 'the first up is no recovery');

    const mails = await smtp.waitFor(3, 20_000);
    const subjects = mails.map((m) => m.headers['subject']);
    assert.ok(
      subjects.some((s) => /target web is down/.test(s ?? '')),
      subjects.join('\n'),
    );
    assert.ok(
      subjects.some((s) => /resolved: target web is up again/.test(s ?? '')),
      subjects.join('\n'),
    );
    assert.ok(
      subjects.some((s) => /target peer-2 is down/.test(s ?? '')),
      subjects.join('\n'),
    );
    const downMail = mails.find((m) => /target web is down/.test(m.headers['subject'] ?? ''))!;
    assert.match(downMail.decoded, /target web is down: probe height failed 2 times in a row \(HTTP 503/);

    const r = await runCli(t.configDir, ['events', '--json', '--node', 'web']);
    assert.equal(r.code, 0, r.stderr);
    const types = JSON.parse(r.stdout) as { events?: { type: string }[] } | { type: string }[];
    const list = Array.isArray(types) ? types : (types.events ?? []);
    assert.deepEqual(
      list
        .map((e) => e.type)
        .filter((x) => x.startsWith('target_'))
        .sort(),
      ['target_down', 'target_up'],
    );
  });

  test('/metrics has nodewarden_target_up per target', async () => {
    const body = await getText(t.daemon.manager.control.socket, '/metrics');
    assert.match(body, /^nodewarden_target_up\{target="web",host="[^"]+"\} 1$/m);
    assert.match(body, /^nodewarden_target_up\{target="peer-2",host="[^"]+"\} 0$/m);
    assert.match(body, /^nodewarden_target_probe_failures_total\{target="peer-2",host="[^"]+"\} [1-9]/m);
  });

  test('uptime (and its ranking, worst first) matches a hand computation from the transition times', async () => {
    stoppedAt = await new Promise<number>((resolve) => {
      t.daemon.bus.on('event', (e) => e.type === 'manager_stopped' && resolve(e.ts));
      void t.daemon.stop();
    });
    await t.daemon.stopped;
    // By hand: each target is up from every `up` transition to the next transition (or the stop).
    const expectUp = (name: string): number => {
      const mine = changes.filter((c) => c.node === name);
      let up = 0;
      mine.forEach((c, i) => {
        if (c.to === 'up') up += (mine[i + 1]?.ts ?? stoppedAt) - c.ts;
      });
      return up / 1000;
    };
    const first = (name: string): number => changes.find((c) => c.node === name)!.ts;
    // The daemon is down now: uptime is read from its database.
    const r = await runCli(t.configDir, ['uptime', '--json']);
    assert.equal(r.code, 0, r.stderr);
    const res = JSON.parse(r.stdout) as UptimeResponse;
    const rows = (res.nodes as (UptimeRow & { fromMs: number })[]).filter((n) =>
      ['web', 'peer-1', 'peer-2'].includes(n.node),
    );
    assert.deepEqual(
      rows.map((n) => n.node),
      ['peer-2', 'web', 'peer-1'],
      'worst first: never up, down for a while, always up',
    );
    for (const row of rows) {
      assert.equal(row.upSeconds, expectUp(row.node), `${row.node}: up seconds`);
      assert.equal(row.fromMs, first(row.node), `${row.node}: observed from its first verdict`);
      const pct = (100 * row.upSeconds) / row.observedSeconds;
      assert.ok(Math.abs(row.uptimePercent! - pct) < 1e-9, `${row.node}: percent`);
    }
    assert.equal(rows[0]!.uptimePercent, 0, 'down is failure time, never "no data"');
    assert.ok(rows[1]!.uptimePercent! < 100 && rows[1]!.uptimePercent! > 0);
    const csv = await runCli(t.configDir, ['export', 'uptime', '--format', 'csv']);
    assert.equal(csv.code, 0, csv.stderr);
    assert.match(csv.stdout, /^peer-2,0,/m);
    assert.match(csv.stdout, /^web,/m);
  });
});

describe('config check of target files', () => {
  const configWith = suiteConfigs();

  test('a good fleet file is counted; a bad probe is named by file and key, exit 2', async () => {
    const configDir = configWith({
      targets: {
        peer: target('http://127.0.0.1:9/peer/{{index}}', { instances: 500 }),
        web: target('http://127.0.0.1:9/web'),
      },
    });
    const ok = await runCli(configDir, ['config', 'check']);
    assert.equal(ok.code, 0, ok.stderr);
    assert.match(ok.stdout, /is valid: 0 node\(s\), 501 watch-only target\(s\)/);
    const json = await runCli(configDir, ['config', 'check', '--json']);
    const names = (JSON.parse(json.stdout) as { targets: string[] }).targets;
    assert.deepEqual([names.length, names[0], names[499], names[500]], [501, 'peer-1', 'peer-500', 'web']);

    writeTarget(configDir, 'x', target('ftp://127.0.0.1/x', { downAfter: 0 }));
    const bad = await runCli(configDir, ['config', 'check']);
    assert.equal(bad.code, 2);
    assert.match(bad.stderr, /targets\/x\.json: probes\.height\.url: .*\("ftp:\/\/127\.0\.0\.1\/x"\)/);
    assert.match(bad.stderr, /targets\/x\.json: downAfter: /);
  });
});

describe('reload adds, changes and removes targets without touching nodes', () => {
  let ep: Endpoints;
  let t: TestDaemon;

  before(async () => {
    ep = await startEndpoints();
    t = await startTestDaemon({
      nodes: { sim: {} },
      targets: { a: target(ep.url('a')) },
    });
  });

  after(async () => {
    await t?.close();
    await ep?.close();
  });

  test('a new target is probed, a removed one stops being probed and its interval is closed', async () => {
    const pids = await t.waitRunning();
    await waitUntil(
      () => t.daemon.targetStatus().find((r) => r.name === 'a')?.state === 'up',
      'a up',
      20_000,
    );
    writeTarget(t.configDir, 'b', target(ep.url('b')));
    const fs = await import('node:fs');
    const path = await import('node:path');
    fs.rmSync(path.join(t.configDir, 'targets', 'a.json'));
    const r = await runCli(t.configDir, ['reload']);
    assert.equal(r.code, 0, r.stderr + r.stdout);
    await waitUntil(
      () => t.daemon.targetStatus().find((x) => x.name === 'b')?.state === 'up',
      'b up',
      20_000,
    );
    assert.deepEqual(
      t.daemon.targetStatus().map((x) => x.name),
      ['b'],
    );
    const hitsOfA = ep.hits('a').length;
    // b is probed several more times: a, removed, is not probed at all meanwhile.
    const hitsOfB = ep.hits('b').length;
    await waitUntil(() => ep.hits('b').length >= hitsOfB + 3, 'b probed three more times', 20_000);
    assert.equal(ep.hits('a').length, hitsOfA);
    t.daemon.store.flush();
    const open = t.daemon.store.db
      .prepare("SELECT count(*) FROM state_intervals WHERE node = 'a' AND end_ts IS NULL")
      .pluck()
      .get();
    assert.equal(open, 0, "a's interval is closed");
    assert.deepEqual(await t.waitRunning(), pids, 'the node was not restarted');
  });
});
