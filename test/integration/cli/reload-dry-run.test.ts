/**
 * `nodewarden reload --dry-run` against a real daemon: one preview names an
 * added, a removed, a restarted (with its changed keys) and a live-applied
 * node, touches nothing (no event, no stored secret, no dataDir, same pids),
 * and the real reload that follows does exactly what the preview said.
 */
import { after, before, describe, test } from 'node:test';
import assert from 'node:assert/strict';
import fs from 'node:fs';
import path from 'node:path';
import { isAlive } from '../../../src/supervisor/proc.js';
import type { ReloadResponse } from '../../../src/protocol/types.js';
import { removeNode, simArgs, startTestDaemon, writeNode, type TestDaemon } from '../../helpers/daemon.js';

describe('reload --dry-run', { timeout: 120_000 }, () => {
  let t: TestDaemon;
  let pids: Record<string, number>;
  before(async () => {
    t = await startTestDaemon({ nodes: { keep: {}, tune: {}, change: {}, drop: {} } });
    pids = await t.waitRunning();
  });
  after(async () => t?.close());

  const eventCount = (type: 'config_reloaded' | 'config_error'): number =>
    t.daemon.store.queryEvents({ type }).length;

  test('previews added, removed, restarted and live nodes, and changes nothing', async () => {
    writeNode(t.configDir, 'tune', { priority: 5, stop: { graceMs: 2000 } });
    writeNode(t.configDir, 'change', {
      args: simArgs('--block-ms', '1000', '--peers', '3'),
      env: { FOO: 'hunter2-secret-value' },
    });
    writeNode(t.configDir, 'added', { env: { PASS: '{{secret "pw"}}' } });
    removeNode(t.configDir, 'drop');
    const reloadsBefore = eventCount('config_reloaded');

    const r = await t.cli(['reload', '--dry-run']);
    assert.equal(r.code, 0, r.stderr);
    assert.equal(
      r.stdout,
      [
        'dry run, nothing changed: 1 to add, 1 to remove, 1 to restart, 1 to apply live, 1 unchanged',
        '  added   add (start)',
        '  change  restart     args, env.FOO',
        '  drop    remove (stop)',
        '  keep    unchanged',
        '  tune    apply live  priority, stop.graceMs',
        '',
      ].join('\n'),
    );
    assert.doesNotMatch(r.stdout, /hunter2/);

    const j = await t.cli(['reload', '--dry-run', '--json']);
    assert.equal(j.code, 0, j.stderr);
    const plan = JSON.parse(j.stdout) as ReloadResponse;
    assert.deepEqual(plan, {
      ok: true,
      dryRun: true,
      added: ['added'],
      removed: ['drop'],
      changed: ['change'],
      live: ['tune'],
      unchanged: ['keep'],
      keys: { change: ['args', 'env.FOO'], tune: ['priority', 'stop.graceMs'] },
      needsManagerRestart: [],
      problems: [],
    });

    // Nothing touched: same nodes, same pids, old settings, no event, no secret, no dataDir.
    assert.deepEqual(t.daemon.supervisor.names().sort(), ['change', 'drop', 'keep', 'tune']);
    for (const [name, pid] of Object.entries(pids)) assert.equal(t.pid(name), pid, name);
    assert.notEqual(t.daemon.supervisor.spec('tune')!.priority, 5);
    assert.equal(eventCount('config_reloaded'), reloadsBefore);
    assert.equal(eventCount('config_error'), 0);
    assert.equal(t.daemon.store.secrets.peek('added', 'pw'), undefined, 'no secret was created');
    assert.equal(fs.existsSync(path.join(t.dir, 'data', 'added')), false, 'no dataDir was created');
  });

  test('the real reload then does what the preview said', async () => {
    const preview = await t.client.reload({ dryRun: true });
    const r = await t.cli(['reload', '--json']);
    assert.equal(r.code, 0, r.stderr);
    const done = JSON.parse(r.stdout) as ReloadResponse;
    assert.deepEqual({ ...done, dryRun: true }, preview);

    assert.equal(t.pid('keep'), pids['keep']);
    assert.equal(t.pid('tune'), pids['tune']);
    assert.equal(t.daemon.supervisor.spec('tune')!.priority, 5);
    assert.equal(t.daemon.supervisor.has('drop'), false);
    assert.equal(isAlive(pids['drop']!), false, 'the removed node was stopped');
    const now = await t.waitRunning(['change', 'added']);
    assert.notEqual(now['change'], pids['change']);
    assert.notEqual(t.daemon.store.secrets.peek('added', 'pw'), undefined);
    const stored = t.daemon.store.queryEvents({ type: 'config_reloaded', limit: 1 })[0]!;
    assert.deepEqual(stored.details['live'], ['tune']);
    assert.deepEqual(stored.details['unchanged'], ['keep']);

    // After it, a preview finds nothing left to do, and the text reload says so.
    const again = await t.cli(['reload']);
    assert.equal(again.code, 0, again.stderr);
    assert.equal(again.stdout, 'reloaded: 0 added, 0 removed, 0 changed, 0 applied live, 4 unchanged\n');
  });
});
