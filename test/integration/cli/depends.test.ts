/**
 * `dependsOn` against a real daemon and the real CLI: a chain c → b → a
 * starts in order at boot and on `start`, stops in reverse on `stop` and on
 * `shutdown`; a dependency with a height probe is waited for until in_sync,
 * and only for a bounded time; unknown names and cycles are config errors.
 * Order is judged at the moment each node changes state: when a node spawns,
 * its dependencies must already be running; when a node begins to stop, its
 * dependents must already be stopped.
 */
import { after, before, describe, test } from 'node:test';
import assert from 'node:assert/strict';
import fs from 'node:fs';
import type { Daemon } from '../../../src/daemon.js';
import {
  removeNode,
  runCli,
  startTestDaemon,
  suiteConfigs,
  tmpDir,
  waitUntil,
  writeNode,
  type TestDaemon,
} from '../../helpers/daemon.js';
import { freePort, simNode, TEMPLATE, writeChainFile } from '../health/support.js';

const CHAIN = { a: {}, b: { dependsOn: ['a'] }, c: { dependsOn: ['b'] } };

/** What was wrong at each state change (empty: the order held); `seen` lists `node:state` as they came. */
interface OrderWatch {
  readonly violations: string[];
  readonly seen: string[];
  stop(): void;
}

/**
 * Watch the order: a node entering `starting` whose dependencies are not
 * `running`, or a node entering `stopping` while a dependent is not `stopped`,
 * is a violation.
 */
function watchOrder(d: Daemon): OrderWatch {
  const sup = d.supervisor;
  const violations: string[] = [];
  const seen: string[] = [];
  const stop = d.bus.on('state', (s) => {
    seen.push(`${s.node}:${s.to}`);
    const spec = sup.spec(s.node);
    if (!spec) return;
    if (s.to === 'starting') {
      for (const dep of spec.dependsOn) {
        const st = sup.runner(dep)!.snapshot().state;
        if (st !== 'running') violations.push(`${s.node} spawned while ${dep} was ${st}`);
      }
    }
    if (s.to === 'stopping') {
      for (const other of sup.names()) {
        if (!sup.spec(other)!.dependsOn.includes(s.node)) continue;
        const st = sup.runner(other)!.snapshot().state;
        if (st !== 'stopped')
          violations.push(`${s.node} began to stop while its dependent ${other} was ${st}`);
      }
    }
  });
  return { violations, seen, stop };
}

function stateOf(t: TestDaemon, name: string): string {
  return t.daemon.supervisor.runner(name)!.snapshot().state;
}

describe('dependsOn: a chain c → b → a', { timeout: 120_000 }, () => {
  let t: TestDaemon;
  let boot: OrderWatch;
  before(async () => {
    t = await startTestDaemon({ nodes: CHAIN });
    // b and c can spawn only a start window (1 s) after a spawned: this sees their spawns.
    boot = watchOrder(t.daemon);
  });
  after(async () => t?.close());

  test('boot starts a, then b once a is running, then c once b is running', async () => {
    await t.waitRunning();
    boot.stop();
    assert.deepEqual(boot.violations, [], boot.seen.join(' '));
    assert.ok(boot.seen.includes('b:starting') && boot.seen.includes('c:starting'), boot.seen.join(' '));
    const started = t.daemon.store.queryEvents({ type: 'started' }).sort((x, y) => x.ts - y.ts);
    assert.deepEqual(
      started.map((e) => e.node),
      ['a', 'b', 'c'],
    );
  });

  test('`stop a` stops c, then b, then a; `start c` starts a, b and c in order', async () => {
    await t.waitRunning();
    const w = watchOrder(t.daemon);
    const stop = await t.cli(['stop', 'a', '--wait']);
    assert.equal(stop.code, 0, stop.stderr);
    await waitUntil(() => ['a', 'b', 'c'].every((n) => stateOf(t, n) === 'stopped'), 'a, b and c stopped');
    assert.ok(w.seen.includes('c:stopping') && w.seen.includes('b:stopping'), w.seen.join(' '));

    const start = await t.cli(['start', 'c', '--wait']);
    assert.equal(start.code, 0, start.stdout + start.stderr);
    await t.waitRunning();
    w.stop();
    assert.deepEqual(w.violations, [], w.seen.join(' '));
    assert.ok(w.seen.includes('a:starting') && w.seen.includes('b:starting'), w.seen.join(' '));
  });

  test('a crash of a restarts a alone: b and c keep their processes', async () => {
    const pids = await t.waitRunning();
    process.kill(pids['a']!, 'SIGKILL');
    await waitUntil(
      () => stateOf(t, 'a') === 'running' && t.pid('a') !== pids['a'],
      'a restarted after its crash',
      30_000,
    );
    assert.equal(t.pid('b'), pids['b']);
    assert.equal(t.pid('c'), pids['c']);
  });

  test('a reload that makes a cycle is refused, naming it; nothing changes', async () => {
    const pids = await t.waitRunning();
    writeNode(t.configDir, 'a', { dependsOn: ['c'] });
    const r = await t.cli(['reload']);
    assert.equal(r.code, 2, r.stdout + r.stderr);
    assert.ok(r.stderr.split('\n').includes('  nodes/a.json: dependsOn: cycle a → c → b → a'), r.stderr);
    assert.deepEqual(t.daemon.supervisor.spec('a')!.dependsOn, []);
    writeNode(t.configDir, 'a', {});
    for (const n of ['a', 'b', 'c']) assert.equal(t.pid(n), pids[n], n);
  });

  test('a reload that removes b and c stops c before b; one that adds them back starts b before c', async () => {
    await t.waitRunning();
    const w = watchOrder(t.daemon);
    removeNode(t.configDir, 'b');
    removeNode(t.configDir, 'c');
    const r = await t.cli(['reload']);
    assert.equal(r.code, 0, r.stdout + r.stderr);
    await waitUntil(() => t.daemon.supervisor.names().length === 1, 'b and c gone');
    assert.deepEqual(w.violations, [], w.seen.join(' '));
    assert.ok(w.seen.indexOf('c:stopped') < w.seen.indexOf('b:stopping'), w.seen.join(' '));

    writeNode(t.configDir, 'b', CHAIN.b);
    writeNode(t.configDir, 'c', CHAIN.c);
    const back = await t.cli(['reload']);
    assert.equal(back.code, 0, back.stdout + back.stderr);
    await t.waitRunning(['a', 'b', 'c']);
    w.stop();
    assert.deepEqual(w.violations, [], w.seen.join(' '));
    assert.ok(w.seen.includes('c:starting'), w.seen.join(' '));
  });

  test('shutdown stops c first, then b, then a', async () => {
    await t.waitRunning();
    const w = watchOrder(t.daemon);
    const r = await t.cli(['shutdown']);
    assert.equal(r.code, 0, r.stdout + r.stderr);
    await t.daemon.stopped;
    w.stop();
    assert.deepEqual(w.violations, [], w.seen.join(' '));
    const stopping = w.seen.filter((s) => s.endsWith(':stopping'));
    assert.deepEqual(stopping, ['c:stopping', 'b:stopping', 'a:stopping']);
  });
});

describe('dependsOn: a dependency with a height probe', { timeout: 120_000 }, () => {
  let dir: string;
  before(() => {
    dir = tmpDir();
  });
  after(() => fs.rmSync(dir, { recursive: true, force: true }));

  test('the dependent spawns once its dependency is in_sync, not merely running', async () => {
    const port = await freePort();
    const chainFile = writeChainFile(dir, 20_000);
    // A long window: the bound is far off, only in_sync can let b go.
    const t = await startTestDaemon({
      template: {
        ...TEMPLATE,
        sync: { maxLag: 5, windowMs: 600_000, stallMs: 600_000, startupGraceMs: 1000 },
      },
      nodes: { a: simNode(chainFile, port, 'http'), b: { dependsOn: ['a'] } },
    });
    try {
      let healthAtSpawn: string | undefined;
      const off = t.daemon.bus.on('state', (s) => {
        if (s.node === 'b' && s.to === 'starting') healthAtSpawn = t.daemon.observe('a')?.health;
      });
      await t.waitRunning(['a']);
      await waitUntil(() => stateOf(t, 'b') === 'running', 'b running', 30_000);
      off();
      assert.equal(healthAtSpawn, 'in_sync');
    } finally {
      await t.close();
    }
  });

  test('a dependency never in_sync holds the dependent for startupGraceMs + windowMs, then it starts anyway', async () => {
    const port = await freePort(); // nothing listens: the height probe of a fails
    const t = await startTestDaemon({
      template: { ...TEMPLATE, sync: { maxLag: 5, windowMs: 1500, stallMs: 1500, startupGraceMs: 1000 } },
      nodes: {
        a: {
          probes: {
            height: { type: 'tcp', url: `tcp://127.0.0.1:${port}`, intervalMs: 200, timeoutMs: 500 },
          },
        },
        b: { dependsOn: ['a'] },
      },
    });
    try {
      let ranForMs = -1;
      const off = t.daemon.bus.on('state', (s) => {
        if (s.node === 'b' && s.to === 'starting') {
          const a = t.daemon.supervisor.runner('a')!.snapshot();
          ranForMs = a.state === 'running' ? Date.now() - a.since : -1;
        }
      });
      await waitUntil(() => stateOf(t, 'b') === 'running', 'b running', 30_000);
      off();
      assert.ok(ranForMs >= 2500 - 50, `b spawned when a had run ${ranForMs} ms`);
      assert.notEqual(t.daemon.observe('a')?.health, 'in_sync');
    } finally {
      await t.close();
    }
  });
});

describe('dependsOn: config errors', { timeout: 60_000 }, () => {
  const configWith = suiteConfigs();

  test('a cycle names its nodes, an unknown name is named; config check exits 2', async () => {
    const dir = configWith({
      nodes: { a: { dependsOn: ['b'] }, b: { dependsOn: ['a'] }, c: { dependsOn: ['nosuch', 'k'] } },
    });
    const r = await runCli(dir, ['config', 'check']);
    assert.equal(r.code, 2, r.stdout + r.stderr);
    const lines = r.stderr.split('\n');
    assert.ok(lines.includes('  nodes/a.json: dependsOn: cycle a → b → a'), r.stderr);
    assert.ok(
      lines.includes('  nodes/c.json: dependsOn.0: names no node and no node file ("nosuch")'),
      r.stderr,
    );
    assert.ok(lines.includes('  nodes/c.json: dependsOn.1: names no node and no node file ("k")'), r.stderr);
  });

  test("a node file's name stands for all of its instances", async () => {
    const dir = configWith({ nodes: { k: { instances: 2 }, c: { dependsOn: ['k'] } } });
    const r = await runCli(dir, ['config', 'check']);
    assert.equal(r.code, 0, r.stdout + r.stderr);
    const show = await runCli(dir, ['config', 'show', 'c', '--json']);
    assert.equal(show.code, 0, show.stderr);
    assert.deepEqual(JSON.parse(show.stdout).dependsOn, ['k-1', 'k-2']);
  });
});
