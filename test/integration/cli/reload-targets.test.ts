/**
 * `nodewarden reload` (and `--dry-run`, `--json`) with watch-only targets:
 * targets added, removed and changed are listed alongside the nodes, the
 * preview says what the real reload then does, and the watcher follows it.
 */
import { after, before, describe, test } from 'node:test';
import assert from 'node:assert/strict';
import fs from 'node:fs';
import path from 'node:path';
import type { ReloadResponse } from '../../../src/protocol/types.js';
import { startTestDaemon, waitUntil, writeTarget, type TestDaemon } from '../../helpers/daemon.js';
import { startEndpoints, type Endpoints } from '../targets/endpoints.js';

const target = (url: string, extra: Record<string, unknown> = {}) => ({
  intervalMs: 500,
  timeoutMs: 2000,
  downAfter: 2,
  probes: { height: { type: 'http', url, path: 'height' } },
  ...extra,
});

describe('reload lists targets added, removed and changed', { timeout: 120_000 }, () => {
  let ep: Endpoints;
  let t: TestDaemon;

  before(async () => {
    ep = await startEndpoints();
    t = await startTestDaemon({
      nodes: { sim: {} },
      targets: { old: target(ep.url('old')), tuned: target(ep.url('tuned')), same: target(ep.url('same')) },
    });
    await t.waitRunning();
  });

  after(async () => {
    await t?.close();
    await ep?.close();
  });

  const names = (): string[] => t.daemon.targetStatus().map((r) => r.name);

  test('--dry-run and --json preview the targets, change nothing; reload then does exactly that', async () => {
    writeTarget(t.configDir, 'fresh', target(ep.url('fresh')));
    writeTarget(t.configDir, 'tuned', target(ep.url('tuned'), { intervalMs: 300, downAfter: 3 }));
    fs.rmSync(path.join(t.configDir, 'targets', 'old.json'));

    const dry = await t.cli(['reload', '--dry-run']);
    assert.equal(dry.code, 0, dry.stderr);
    assert.equal(
      dry.stdout,
      [
        'dry run, nothing changed: 0 to add, 0 to remove, 0 to restart, 0 to apply live, 1 unchanged',
        '  sim   unchanged',
        'targets: 1 to add, 1 to remove, 1 to re-probe, 1 unchanged',
        '  fresh  add (watch)',
        '  old    remove (unwatch)',
        '  same   unchanged',
        '  tuned  re-probe    downAfter, intervalMs, probes.height.intervalMs',
        '',
      ].join('\n'),
    );
    const json = await t.cli(['reload', '--dry-run', '--json']);
    assert.equal(json.code, 0, json.stderr);
    const plan = JSON.parse(json.stdout) as ReloadResponse;
    assert.equal(plan.dryRun, true);
    assert.deepEqual(plan.targets, {
      added: ['fresh'],
      removed: ['old'],
      changed: ['tuned'],
      unchanged: ['same'],
      keys: { tuned: ['downAfter', 'intervalMs', 'probes.height.intervalMs'] },
    });
    assert.deepEqual(plan.added, []);
    assert.deepEqual(names().sort(), ['old', 'same', 'tuned'], 'the preview changed nothing');

    const done = await t.cli(['reload', '--json']);
    assert.equal(done.code, 0, done.stderr);
    const applied = JSON.parse(done.stdout) as ReloadResponse;
    assert.equal(applied.dryRun, false);
    assert.deepEqual(applied.targets, plan.targets);
    await waitUntil(
      () => names().sort().join() === 'fresh,same,tuned',
      'the watcher follows the reload',
      20_000,
    );
  });

  test('plain reload prints the target counts and lists', async () => {
    fs.rmSync(path.join(t.configDir, 'targets', 'same.json'));
    writeTarget(t.configDir, 'fresh', target(ep.url('fresh'), { labels: { role: 'rpc' } }));
    const r = await t.cli(['reload']);
    assert.equal(r.code, 0, r.stderr);
    assert.equal(
      r.stdout,
      [
        'reloaded: 0 added, 0 removed, 0 changed, 0 applied live, 1 unchanged',
        'targets: 0 added, 1 removed, 1 changed, 1 unchanged',
        '  removed (unwatched): same',
        '  changed (re-probed): fresh',
        '',
      ].join('\n'),
    );
    await waitUntil(() => names().sort().join() === 'fresh,tuned', 'same is no longer watched', 20_000);
  });

  test('a node-only reload answers without a targets part', async () => {
    for (const n of ['fresh', 'tuned']) fs.rmSync(path.join(t.configDir, 'targets', `${n}.json`));
    assert.ok((await t.cli(['reload'])).code === 0);
    const r = await t.cli(['reload', '--json']);
    assert.equal(r.code, 0, r.stderr);
    assert.equal((JSON.parse(r.stdout) as ReloadResponse).targets, undefined);
  });
});
