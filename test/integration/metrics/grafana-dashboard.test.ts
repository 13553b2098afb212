/**
 * deploy/grafana/nodewarden.json against a real Prometheus (Debian's
 * `prometheus`): a real daemon runs simulated nodes (two of one chain with
 * height probes and flowing logs, one that keeps crashing), serves /metrics on
 * its loopback TCP listener, and a private Prometheus scrapes it with the
 * bearer token from `<stateDir>/http.token` and loads
 * deploy/prometheus/nodewarden-rules.yml. Every panel query of the dashboard
 * (variables set to match everything) must return data, the host and node
 * variables must list what the daemon runs, and every rule must evaluate.
 */
import { after, before, describe, test } from 'node:test';
import assert from 'node:assert/strict';
import { spawn, type ChildProcess } from 'node:child_process';
import fs from 'node:fs';
import path from 'node:path';
import { simArgs, startTestDaemon, tmpDir, waitUntil, type TestDaemon } from '../../helpers/daemon.js';
import { freePort, heightProbe, nodeArgs, writeChainFile } from '../health/support.js';

const REPO = path.resolve(import.meta.dirname, '..', '..', '..', '..');
const DASHBOARD = path.join(REPO, 'deploy', 'grafana', 'nodewarden.json');
const RULES = path.join(REPO, 'deploy', 'prometheus', 'nodewarden-rules.yml');
const HOST = 'dash-host';

interface Target {
  expr: string;
  refId: string;
}
interface Panel {
  type: string;
  title: string;
  datasource?: { type: string; uid: string };
  targets?: Target[];
  panels?: Panel[];
}
interface Variable {
  name: string;
  type: string;
  query: string | { query: string };
}
interface Dashboard {
  schemaVersion: number;
  panels: Panel[];
  templating: { list: Variable[] };
}

const dashboard = JSON.parse(fs.readFileSync(DASHBOARD, 'utf8')) as Dashboard;

/** Every panel, rows' nested panels included. */
function allPanels(list: readonly Panel[]): Panel[] {
  return list.flatMap((p) => [p, ...allPanels(p.panels ?? [])]);
}

/** A panel query as Grafana would send it with every variable on "All". */
function concrete(expr: string): string {
  return expr
    .replaceAll('$__rate_interval', '10s')
    .replaceAll('$__range', '5m')
    .replaceAll('$host', '.*')
    .replaceAll('$node', '.*');
}

/** The prometheus binary (provisioned by scripts/provision.mjs): a missing one fails the test. */
const PROMETHEUS = '/usr/bin/prometheus';

describe('Grafana dashboard and rules against a real Prometheus', () => {
  let t: TestDaemon;
  let prom: ChildProcess | null = null;
  let promLog = '';
  let promUrl = '';
  const dirs: string[] = [];

  const api = async (route: string): Promise<{ status: string; data: unknown; error?: string }> => {
    const res = await fetch(`${promUrl}${route}`);
    return (await res.json()) as { status: string; data: unknown; error?: string };
  };
  const query = async (expr: string): Promise<unknown[]> => {
    const r = await api(`/api/v1/query?query=${encodeURIComponent(expr)}`);
    assert.equal(r.status, 'success', `${expr}: ${r.error ?? ''}`);
    return (r.data as { result: unknown[] }).result;
  };

  before(async () => {
    assert.ok(fs.existsSync(PROMETHEUS), 'prometheus is not installed (apt-get install prometheus)');
    const work = tmpDir();
    dirs.push(work);
    const chain = writeChainFile(work, 60_000);
    const [httpPort, p1, p2, promPort] = await Promise.all([freePort(), freePort(), freePort(), freePort()]);
    const chainNode = (port: number) => ({
      sync: { group: 'chain' },
      args: nodeArgs(chain, port, ['--log-every', '100']),
      probes: { height: heightProbe(port, 'http') },
    });
    t = await startTestDaemon({
      manager: {
        host: { name: HOST },
        control: { http: { port: httpPort } },
        sampling: { intervalMs: 500 },
      },
      nodes: {
        'chain-1': chainNode(p1!),
        'chain-2': chainNode(p2!),
        // crashes 2 s after every start, for as long as the test runs (never fatal)
        crasher: { args: simArgs('--crash-after', '2000'), restart: { maxRetries: 1000 } },
      },
    });
    const tokenFile = path.join(t.daemon.manager.stateDir, 'http.token');
    assert.ok(fs.existsSync(tokenFile), 'the daemon generated its bearer token');

    const promDir = path.join(work, 'prometheus');
    fs.mkdirSync(promDir);
    const config = [
      'global:',
      '  scrape_interval: 1s',
      '  evaluation_interval: 1s',
      'rule_files:',
      `  - ${JSON.stringify(RULES)}`,
      'scrape_configs:',
      '  - job_name: nodewarden',
      '    honor_labels: true',
      '    authorization:',
      `      credentials_file: ${JSON.stringify(tokenFile)}`,
      '    static_configs:',
      `      - targets: ["127.0.0.1:${httpPort}"]`,
      '',
    ].join('\n');
    fs.writeFileSync(path.join(promDir, 'prometheus.yml'), config);
    promUrl = `http://127.0.0.1:${promPort}`;
    prom = spawn(
      PROMETHEUS,
      [
        `--config.file=${path.join(promDir, 'prometheus.yml')}`,
        `--storage.tsdb.path=${path.join(promDir, 'data')}`,
        `--web.listen-address=127.0.0.1:${promPort}`,
      ],
      { stdio: ['ignore', 'ignore', 'pipe'] },
    );
    prom.stderr!.setEncoding('utf8').on('data', (d: string) => (promLog = (promLog + d).slice(-20_000)));
    const exited = new Promise<never>((_, reject) =>
      prom!.once('exit', (code) => reject(new Error(`prometheus exited (${code}):\n${promLog}`))),
    );
    exited.catch(() => undefined);
    await Promise.race([
      exited,
      waitUntil(
        async () => {
          const r = await fetch(`${promUrl}/-/ready`).catch(() => null);
          return r?.ok === true;
        },
        'prometheus is ready',
        60_000,
      ),
    ]);
    await waitUntil(
      async () => {
        const r = await api('/api/v1/targets');
        const targets = (r.data as { activeTargets: Array<{ health: string; lastError: string }> })
          .activeTargets;
        return targets.length === 1 && targets[0]!.health === 'up' ? true : null;
      },
      'prometheus scrapes the daemon',
      60_000,
    ).catch(async (err: Error) => {
      const r = await api('/api/v1/targets').catch(() => null);
      throw new Error(`${err.message}; targets: ${JSON.stringify(r?.data)}\n${promLog}`);
    });
  });

  after(async () => {
    if (prom?.pid !== undefined && prom.exitCode === null && prom.signalCode === null) {
      const gone = new Promise((r) => prom!.once('exit', r));
      process.kill(prom.pid, 'SIGTERM');
      await gone;
    }
    await t?.close();
    for (const d of dirs) fs.rmSync(d, { recursive: true, force: true });
  });

  test('the dashboard is a Grafana model with host and node variables and a datasource variable', () => {
    assert.ok(dashboard.schemaVersion >= 36, `schemaVersion ${dashboard.schemaVersion}`);
    const vars = Object.fromEntries(dashboard.templating.list.map((v) => [v.name, v]));
    assert.equal(vars['datasource']?.type, 'datasource');
    assert.equal(vars['host']?.type, 'query');
    assert.equal(vars['node']?.type, 'query');
    const panels = allPanels(dashboard.panels).filter((p) => p.type !== 'row');
    assert.ok(panels.length >= 15, `${panels.length} panels`);
    for (const p of panels) {
      assert.equal(p.datasource?.uid, '${datasource}', p.title);
      assert.ok((p.targets ?? []).length > 0, `${p.title} has a query`);
      for (const q of p.targets!) assert.match(q.expr, /\$host/, `${p.title} follows the host variable`);
    }
    const titles = panels.map((p) => p.title.toLowerCase()).join(' | ');
    for (const want of ['hosts', 'state', 'health', 'cpu', 'memory', 'height', 'lag', 'restarts', 'log'])
      assert.ok(titles.includes(want), `a panel about ${want}: ${titles}`);
  });

  test('the host and node variables list what the daemon runs', async () => {
    const values = async (v: string): Promise<string[]> => {
      const def = dashboard.templating.list.find((x) => x.name === v)!;
      const q = typeof def.query === 'string' ? def.query : def.query.query;
      const m = /^label_values\((.+), (\w+)\)$/.exec(q);
      assert.ok(m, `${v}: ${q}`);
      const match = encodeURIComponent(concrete(m[1]!));
      const r = await api(`/api/v1/label/${m[2]}/values?match[]=${match}`);
      return (r.data as string[]).sort();
    };
    assert.deepEqual(await values('host'), [HOST]);
    assert.deepEqual(await values('node'), ['chain-1', 'chain-2', 'crasher']);
  });

  test('every panel query returns data', async () => {
    const targets = allPanels(dashboard.panels).flatMap((p) =>
      (p.targets ?? []).map((q) => ({ title: p.title, expr: concrete(q.expr) })),
    );
    assert.ok(targets.length >= 15);
    const empty: string[] = [];
    for (const q of targets) {
      // Rates need two scrapes in their window and restarts a first crash: wait
      // for data, bounded (an expression that never returns any fails).
      const ok = await waitUntil(async () => ((await query(q.expr)).length > 0 ? true : null), q.expr, 30_000)
        .then(() => true)
        .catch(() => false);
      if (!ok) empty.push(`${q.title}: ${q.expr}`);
    }
    assert.deepEqual(empty, []);
    // The data is this daemon's: its host name, restarts of the crashing node by reason.
    const restarts = (await query('nodewarden_node_restarts_total{node="crasher"}')) as Array<{
      metric: Record<string, string>;
    }>;
    assert.ok(restarts.some((s) => s.metric.reason === 'crash' && s.metric.host === HOST));
  });

  test('every alert rule loads and evaluates; each names the host (and the node when it is about one)', async () => {
    interface Rule {
      name: string;
      health: string;
      lastError?: string;
      query: string;
      annotations: Record<string, string>;
    }
    const rules = await waitUntil(
      async () => {
        const r = await api('/api/v1/rules');
        const list = (r.data as { groups: Array<{ rules: Rule[] }> }).groups.flatMap((g) => g.rules);
        return list.length === 10 && list.every((x) => x.health !== 'unknown') ? list : null;
      },
      'every rule evaluated once',
      30_000,
    );
    for (const r of rules) {
      assert.equal(r.health, 'ok', `${r.name}: ${r.lastError ?? ''}`);
      assert.ok(r.annotations.summary && r.annotations.description, `${r.name} has summary and description`);
      if (r.name === 'NodewardenManagerAbsent') continue; // no target at all: there is no host to name
      const text = r.annotations.summary + r.annotations.description;
      assert.match(text, /\{\{ \$labels\.host \}\}/, `${r.name} names the host`);
      if (/nodewarden_node_/.test(r.query))
        assert.match(text, /\{\{ \$labels\.node \}\}/, `${r.name} names the node`);
    }
  });

  test('the crashing node raises NodewardenNodeCrashLooping, naming its host and node', async () => {
    interface Alert {
      labels: Record<string, string>;
      annotations: Record<string, string>;
      state: string;
    }
    const alert = await waitUntil(
      async () => {
        const r = await api('/api/v1/alerts');
        return (r.data as { alerts: Alert[] }).alerts.find(
          (a) => a.labels.alertname === 'NodewardenNodeCrashLooping' && a.state === 'firing',
        );
      },
      'the crash loop alert fires',
      60_000,
    ).catch(async (err: Error) => {
      const restarts = await query('nodewarden_node_restarts_total{node="crasher",reason="crash"}');
      const inc = await query('increase(nodewarden_node_restarts_total{node="crasher",reason="crash"}[15m])');
      const alerts = (await api('/api/v1/alerts')).data;
      throw new Error(`${err.message}: ${JSON.stringify({ restarts, inc, alerts })}`);
    });
    assert.deepEqual(
      [alert.labels.host, alert.labels.group, alert.labels.node],
      [HOST, 'crasher', 'crasher'],
    );
    assert.equal(alert.annotations.summary, `Node crasher on ${HOST} is crash looping`);
    const others = ((await api('/api/v1/alerts')).data as { alerts: Alert[] }).alerts.filter(
      (a) => a.labels.alertname === 'NodewardenNodeCrashLooping' && a.labels.node !== 'crasher',
    );
    assert.deepEqual(others, [], 'the steady nodes do not crash loop');
  });
});
