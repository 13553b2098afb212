/**
 * `nodewarden reload` against a real daemon (DESIGN §2 reload), judged by
 * pids: unchanged nodes keep theirs, a changed node gets a new one, an added
 * node starts, a removed one stops; a bad config changes nothing and lists
 * every problem (exit 2); a manager setting that cannot change live is named.
 */
import { after, before, describe, test } from 'node:test';
import assert from 'node:assert/strict';
import fs from 'node:fs';
import path from 'node:path';
import { isAlive } from '../../../src/supervisor/proc.js';
import { waitUntil } from '../../helpers/wait.js';
import { removeNode, simArgs, startTestDaemon, writeNode, type TestDaemon } from '../../helpers/daemon.js';

describe('reload', { timeout: 120_000 }, () => {
  let t: TestDaemon;
  let pids: Record<string, number>;
  before(async () => {
    t = await startTestDaemon({ nodes: { keep: {}, change: {}, drop: {} } });
    pids = await t.waitRunning();
  });
  after(async () => t?.close());

  test('a bad config changes nothing: every problem listed, exit 2, pids unchanged, config_error stored', async () => {
    writeNode(t.configDir, 'keep', { priority: 'high', restart: { backoffMs: -5 } });
    writeNode(t.configDir, 'extra', {});
    const r = await t.cli(['reload']);
    assert.equal(r.code, 2);
    assert.equal(r.stdout, '');
    const lines = r.stderr.trimEnd().split('\n');
    assert.equal(lines[0], 'nodewarden: reload refused, nothing changed (2 problems):');
    assert.ok(
      lines.some((l) => /^ {2}nodes\/keep\.json: priority: .*\("high"\)$/.test(l)),
      r.stderr,
    );
    assert.ok(
      lines.some((l) => /^ {2}nodes\/keep\.json: restart\.backoffMs: .*\(-5\)$/.test(l)),
      r.stderr,
    );
    assert.match(lines.at(-1)!, /^hint: /);

    assert.deepEqual(t.daemon.supervisor.names(), ['change', 'drop', 'keep']);
    for (const [name, pid] of Object.entries(pids)) assert.equal(t.pid(name), pid, name);
    const stored = t.daemon.store.queryEvents({ type: 'config_error' });
    assert.equal(stored.length, 1);
    assert.equal((stored[0]!.details['problems'] as string[]).length, 2);

    // The API says the same, with HTTP 422 behind it.
    const api = await t.client.reload();
    assert.equal(api.ok, false);
    assert.equal(api.problems.length, 2);
    removeNode(t.configDir, 'extra');
  });

  test('only what changed moves: unchanged keep their pid, changed restart, added start, removed stop', async () => {
    writeNode(t.configDir, 'keep', { priority: 5 }); // a live setting: no restart
    writeNode(t.configDir, 'change', { args: simArgs('--block-ms', '1000', '--peers', '3') });
    writeNode(t.configDir, 'added', {});
    removeNode(t.configDir, 'drop');

    const r = await t.cli(['reload']);
    assert.equal(r.code, 0, r.stderr);
    assert.equal(
      r.stdout,
      [
        'reloaded: 1 added, 1 removed, 1 changed, 1 applied live, 0 unchanged',
        '  added (started):     added',
        '  removed (stopped):   drop',
        '  changed (restarted): change',
        '  applied live:        keep',
        '',
      ].join('\n'),
    );

    assert.equal(t.pid('keep'), pids['keep']);
    assert.equal(t.daemon.supervisor.spec('keep')!.priority, 5);
    assert.equal(t.daemon.supervisor.has('drop'), false);
    assert.equal(isAlive(pids['drop']!), false, 'the removed node was stopped');
    const now = await t.waitRunning(['change', 'added']);
    assert.notEqual(now['change'], pids['change']);
    assert.equal(isAlive(pids['change']!), false);
    assert.deepEqual(t.daemon.supervisor.names().sort(), ['added', 'change', 'keep']);

    const reloaded = t.daemon.store.queryEvents({ type: 'config_reloaded', limit: 1 })[0]!;
    assert.deepEqual(reloaded.details['changed'], ['change']);
  });

  test('a manager setting that cannot change live is reported in needsManagerRestart', async () => {
    const file = path.join(t.configDir, 'nodewarden.json');
    const manager = JSON.parse(fs.readFileSync(file, 'utf8')) as Record<string, unknown>;
    const setPort = (port: number): void =>
      fs.writeFileSync(file, JSON.stringify({ ...manager, control: { http: { host: '127.0.0.1', port } } }));
    const before = { ...(await t.waitRunning()) };
    setPort(65001);
    const text = await t.cli(['reload']);
    assert.equal(text.code, 0, text.stderr);
    assert.match(text.stdout, /^takes effect only after nodewarden restarts: control\.http$/m);
    setPort(65002);
    const r = await t.cli(['reload', '--json']);
    assert.equal(r.code, 0, r.stderr);
    const res = JSON.parse(r.stdout) as { ok: boolean; needsManagerRestart: string[]; unchanged: string[] };
    assert.equal(res.ok, true);
    assert.deepEqual(res.needsManagerRestart, ['control.http']);
    assert.deepEqual(res.unchanged.sort(), ['added', 'change', 'keep']);
    assert.deepEqual(await t.waitRunning(), before);
  });
});

describe('reload of a fatal node', { timeout: 120_000 }, () => {
  let t: TestDaemon;
  before(async () => {
    // fatalRetryMs far beyond the test: only the reload can bring the node back.
    const restart = {
      maxRetries: 1,
      backoffMs: 50,
      backoffMaxMs: 50,
      fatalRetryMs: 3_600_000,
      startSeconds: 60,
    };
    t = await startTestDaemon({
      nodes: {
        broken: { args: simArgs('--exit-at-start', '3'), restart },
        parked: { args: simArgs('--exit-at-start', '3'), restart },
      },
    });
  });
  after(async () => t?.close());

  test('a fatal node whose config changed is tried again at once; a held one is left alone', async () => {
    const fatal = (name: string): boolean =>
      t.daemon.store.queryEvents({ node: name, type: 'fatal' }).length > 0;
    await waitUntil(() => fatal('broken') && fatal('parked'), 'both nodes fatal', 60_000);
    assert.equal((await t.cli(['hold', 'parked'])).code, 0);
    const fixed = { restart: { fatalRetryMs: 3_600_000, startSeconds: 1 } };
    writeNode(t.configDir, 'broken', fixed);
    writeNode(t.configDir, 'parked', fixed);

    const r = await t.cli(['reload', '--json']);
    assert.equal(r.code, 0, r.stderr);
    assert.deepEqual((JSON.parse(r.stdout) as { changed: string[] }).changed.sort(), ['broken', 'parked']);
    await t.waitRunning(['broken']);
    const retried = t.daemon.store.queryEvents({ node: 'broken', type: 'restarting' });
    assert.equal(retried.at(-1)?.reason, 'config');
    assert.equal(
      t.daemon.supervisor.runner('parked')?.snapshot().state,
      'fatal',
      'the held node stays fatal',
    );
    assert.equal(t.daemon.store.queryEvents({ node: 'parked', type: 'restarting' }).length, 0);
  });
});
