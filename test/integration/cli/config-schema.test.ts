/**
 * The JSON Schemas and durations through the real CLI: `config check` and
 * `config show` on files with `$schema` and duration strings, a bad duration
 * named with its file, key and value (exit 2), `config schema`, and a real
 * daemon running a node whose stop grace was written as a duration.
 */
import { after, describe, test } from 'node:test';
import assert from 'node:assert/strict';
import fs from 'node:fs';
import path from 'node:path';
import {
  runCli,
  simArgs,
  startTestDaemon,
  suiteConfigs,
  waitUntil,
  type TestDaemon,
} from '../../helpers/daemon.js';

const ROOT = path.resolve(new URL('../../../../', import.meta.url).pathname);

describe('config files with durations and $schema', { timeout: 120_000 }, () => {
  const configWith = suiteConfigs();

  test('config check passes with "graceMs": "2m" and $schema keys; config show prints 120000', async () => {
    const configDir = configWith({
      manager: { $schema: '../schema/nodewarden.schema.json', sampling: { intervalMs: '5s' } },
      template: { $schema: '../schema/template.schema.json', restart: { startSeconds: '1s' } },
      nodes: { x: { $schema: '../schema/node.schema.json', stop: { graceMs: '2m' } } },
    });
    const check = await runCli(configDir, ['config', 'check']);
    assert.equal(check.code, 0, check.stderr);
    assert.match(check.stdout, /is valid: 1 node/);
    const show = await runCli(configDir, ['config', 'show', 'x']);
    assert.equal(show.code, 0, show.stderr);
    const spec = JSON.parse(show.stdout) as { stop: { graceMs: number }; restart: { startSeconds: number } };
    assert.equal(spec.stop.graceMs, 120_000);
    assert.equal(spec.restart.startSeconds, 1);
  });

  test('a bad duration is exit 2, named with file, key and value; every problem listed', async () => {
    const configDir = configWith({
      manager: { sampling: { intervalMs: 'often' } },
      nodes: { x: { stop: { graceMs: '2 minutes' }, restart: { backoffMs: '2 h' } } },
    });
    const r = await runCli(configDir, ['config', 'check']);
    assert.equal(r.code, 2, r.stderr);
    const lines = r.stderr.split('\n').map((l) => l.trim());
    const want = [
      /^nodes\/x\.json: stop\.graceMs: must be a positive integer \(milliseconds\) or a duration such as "90s", "2m", "1h", "500ms" \("2 minutes"\)$/,
      /^nodes\/x\.json: restart\.backoffMs: .*duration.* \("2 h"\)$/,
      /^nodewarden\.json: sampling\.intervalMs: .*duration.* \("often"\)$/,
    ];
    for (const re of want)
      assert.ok(
        lines.some((l) => re.test(l)),
        `no line ${String(re)} in:\n${r.stderr}`,
      );
  });

  test('config schema prints every schema; one kind prints the shipped file; a bad kind is exit 2', async () => {
    const configDir = configWith({});
    const all = await runCli(configDir, ['config', 'schema']);
    assert.equal(all.code, 0, all.stderr);
    const schemas = JSON.parse(all.stdout) as Record<string, { properties: Record<string, unknown> }>;
    assert.deepEqual(Object.keys(schemas), ['nodewarden', 'template', 'node', 'target']);
    for (const key of ['probes', 'instances', 'intervalMs', 'timeoutMs', 'downAfter', 'sync', 'labels'])
      assert.ok(key in schemas.target!.properties, `target: ${key}`);
    for (const key of ['$schema', 'stateDir', 'sampling', 'alerts', 'retention', 'logs'])
      assert.ok(key in schemas.nodewarden!.properties, `nodewarden: ${key}`);
    for (const kind of ['template', 'node'])
      for (const key of [
        '$schema',
        'binary',
        'stop',
        'restart',
        'probes',
        'sync',
        'overrides',
        'args+',
        'logs',
      ])
        assert.ok(key in schemas[kind]!.properties, `${kind}: ${key}`);

    const node = await runCli(configDir, ['config', 'schema', 'node']);
    assert.equal(node.code, 0, node.stderr);
    assert.equal(node.stdout, fs.readFileSync(path.join(ROOT, 'schema', 'node.schema.json'), 'utf8'));

    const bad = await runCli(configDir, ['config', 'schema', 'nodes']);
    assert.equal(bad.code, 2);
    assert.match(
      bad.stderr,
      /config schema: unknown file kind "nodes" \(expected nodewarden, template, node, target\)/,
    );
  });
});

describe('a daemon on a config written with durations', { timeout: 120_000 }, () => {
  let t: TestDaemon | undefined;
  after(async () => {
    await t?.close();
  });

  test('a node that ignores SIGTERM is killed after its "2s" grace: stop --timeout 30s succeeds', async () => {
    t = await startTestDaemon({
      manager: { sampling: { intervalMs: '1s' } },
      template: { restart: { startSeconds: '1s', backoffMs: '100ms', backoffMaxMs: '1s' } },
      nodes: {
        stubborn: { args: simArgs('--block-ms', '1000', '--ignore-sigterm'), stop: { graceMs: '2s' } },
      },
    });
    await t.waitRunning(['stubborn']);
    const started = await t.cli(['start', 'stubborn', '--timeout', '1m']);
    assert.equal(started.code, 0, started.stderr);
    // The default grace (120 s) would outlast the 30 s wait and exit 4.
    const stop = await t.cli(['stop', 'stubborn', '--timeout', '30s']);
    assert.equal(stop.code, 0, `${stop.stdout}${stop.stderr}`);
    await waitUntil(() => t!.pid('stubborn') === null, 'stubborn to have no process');
    const log = fs.readFileSync(path.join(t.dir, 'logs', 'stubborn.log'), 'utf8');
    assert.match(log, /SIGTERM ignored/);
  });
});
