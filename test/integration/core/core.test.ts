/**
 * Acceptance tests of nodewarden's core (issue "Core"), from outside through
 * the contract: the real `nodewarden run` CLI on a temp config of simulated
 * nodes, observed through the manager log, the node logs and /proc. Starting
 * and crash handling here; stopping in stop.test.ts.
 */
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { after, alive, pidOf, simArgs, useFleets, waitUntil } from './harness.js';

const GRACE_MS = 1500;
/** Added to the largest graceMs as a failure bound only; never a pass condition. */
const MARGIN_MS = 10_000;

const fleet = useFleets();

test('nodewarden run starts every node of a 3-node config', async () => {
  const names = ['alpha', 'beta', 'gamma'];
  const f = fleet({ nodes: { alpha: {}, beta: {}, gamma: {} } });
  const m = f.startManager();
  const started = await Promise.all(names.map((n) => f.log.waitEvent(n, 'started')));
  const pids = started.map(pidOf);
  f.track(...pids);
  assert.equal(new Set(pids).size, 3, 'three distinct processes');
  names.forEach((n, i) =>
    assert.deepEqual(f.simPids(n), [pids[i]], `${n} runs once, as the pid it reported`),
  );

  m.signal('SIGTERM');
  assert.equal((await m.waitExit(GRACE_MS + MARGIN_MS)).code, 0);
});

test('kill -9 of a node after its stable run: a replacement runs at once (restarting, reason crash)', async (t) => {
  const f = fleet({ nodes: { victim: {} }, template: { restart: { stableSeconds: 0.5 } } });
  const m = f.startManager();
  const first = pidOf(await f.log.waitEvent('victim', 'started'));
  f.track(first);
  const from = f.log.count();

  const killedAt = Date.now();
  const t0 = performance.now();
  process.kill(first, 'SIGKILL');
  const spawnedPid = await waitUntil(
    () => f.simPids('victim').find((p) => p !== first),
    'a replacement process exists',
  );
  const spawnMs = performance.now() - t0;
  f.track(spawnedPid);
  await f.waitNodeLine('victim', new RegExp(`^READY pid=${spawnedPid} `));
  const readyMs = performance.now() - t0;

  const crashed = await f.log.waitEvent('victim', 'crashed', { from });
  assert.equal(crashed['signal'], 'SIGKILL');
  const restarting = await f.log.waitEvent('victim', 'restarting', { from, reason: 'crash' });
  const started = await f.log.waitEvent('victim', 'started', { from });
  assert.equal(pidOf(started), spawnedPid, 'the replacement is the process that started');
  assert.notEqual(spawnedPid, first);
  assert.ok(!alive(first));
  assert.equal(f.log.events('victim', 'backoff', from).length, 0, 'no backoff after a stable run');
  const eventMs = Date.parse(restarting.timestamp) - killedAt;
  t.diagnostic(
    `crash→replacement latency: restarting logged after ~${eventMs} ms, process spawned after ${spawnMs.toFixed(0)} ms, READY after ${readyMs.toFixed(0)} ms`,
  );

  m.signal('SIGTERM');
  assert.equal((await m.waitExit(GRACE_MS + MARGIN_MS)).code, 0);
});

test('kill -9 of a node: its orphaned grandchild is killed before the replacement starts', async () => {
  const f = fleet({
    nodes: { parent: { args: simArgs('--spawn-child') } },
    template: { restart: { stableSeconds: 0.5 } },
  });
  const m = f.startManager();
  const first = pidOf(await f.log.waitEvent('parent', 'started'));
  const orphan = Number((await f.waitNodeLine('parent', /^GRANDCHILD pid=(\d+)$/))[1]);
  f.track(first, orphan);
  const from = f.log.count();

  process.kill(first, 'SIGKILL');
  const second = pidOf(await f.log.waitEvent('parent', 'started', { from }));
  f.track(second);
  assert.ok(!alive(orphan), 'the grandchild of the crashed node did not survive it');
  await f.ready('parent', second);
  const sleepers = f.ownedPids().filter((p) => p !== m.pid && !f.simPids('parent').includes(p));
  assert.equal(sleepers.length, 1, `one grandchild, the replacement's (${sleepers.join(', ')})`);

  m.signal('SIGTERM');
  assert.equal((await m.waitExit(GRACE_MS + MARGIN_MS)).code, 0);
  assert.deepEqual(f.ownedPids(), []);
});

test('crash loop: backoff, fatal, then a retry after fatalRetryMs with a fresh failure count', async () => {
  const f = fleet({
    nodes: {
      looper: {
        args: simArgs('--exit-at-start', '3'),
        // startSeconds far beyond what a busy host needs to boot it: it must never count as started.
        restart: { maxRetries: 2, backoffMs: 100, backoffMaxMs: 200, fatalRetryMs: 1500, startSeconds: 60 },
      },
    },
  });
  const m = f.startManager();
  const backoff = await f.log.waitEvent('looper', 'backoff', { reason: 'failed_start' });
  assert.equal(backoff['attempt'], 1);
  assert.equal(backoff['code'], 3);
  const fatal = await f.log.waitEvent('looper', 'fatal', { reason: 'max_retries' });
  assert.equal(fatal['retryInMs'], 1500);
  const retry = await f.log.waitEvent('looper', 'restarting', { reason: 'crash', from: after(fatal) });
  assert.equal(retry['afterFatal'], true);
  assert.ok(
    Date.parse(retry.timestamp) - Date.parse(fatal.timestamp) >= 1500 - 5,
    'retried after fatalRetryMs',
  );
  const again = await f.log.waitEvent('looper', 'backoff', { from: after(retry) });
  assert.equal(again['attempt'], 1, 'the failure count starts afresh after a fatal retry');
  assert.equal(f.log.events('looper', 'started').length, 0, 'it never counted as started');

  m.signal('SIGTERM');
  assert.equal((await m.waitExit(GRACE_MS + MARGIN_MS)).code, 0);
  assert.deepEqual(f.simPids('looper'), []);
});
