import { afterEach, describe, test } from 'node:test';
import assert from 'node:assert/strict';
import fs from 'node:fs';
import { startTestDaemon, tmpDir, waitUntil, writeNode, type TestDaemon } from '../../helpers/daemon.js';
import {
  GROUP_NODES,
  GROUP_TEMPLATE,
  groupChain,
  liveWith,
  nodeArgs,
  sampleUntil,
  simNode,
} from './support.js';

/**
 * `nodewarden upgrade` through the real CLI against a real daemon: three sims
 * of one sync group (`minHealthy: 2`), each with a `version` probe. Node files
 * are edited on disk, then upgraded; what runs is read from /proc.
 */

let t: TestDaemon | null = null;
let chainDir: string | null = null;

afterEach(async () => {
  await t?.close();
  t = null;
  if (chainDir) fs.rmSync(chainDir, { recursive: true, force: true });
  chainDir = null;
});

function cmdline(pid: number): string[] {
  return fs.readFileSync(`/proc/${pid}/cmdline`, 'utf8').split('\0').filter(Boolean);
}

interface Group {
  t: TestDaemon;
  chain: string;
  node(name: string, extra?: string[]): Record<string, unknown>;
}

/** Three sims of group `chain` (minHealthy 2) with a version probe, each reporting version 1.0.0. */
async function startGroup(): Promise<Group> {
  chainDir = tmpDir();
  const { chain, ports } = await groupChain(chainDir);
  const node = (name: string, extra: string[] = []): Record<string, unknown> => {
    const port = ports[GROUP_NODES.indexOf(name)]!;
    const probes = simNode(chain, port, 'http').probes as Record<string, unknown>;
    return { args: nodeArgs(chain, port, extra), probes: { version: probes.version } };
  };
  t = await startTestDaemon({
    template: GROUP_TEMPLATE,
    nodes: Object.fromEntries(GROUP_NODES.map((n) => [n, node(n)])),
  });
  await t.waitRunning();
  await waitUntil(
    () => GROUP_NODES.every((n) => t!.daemon.observe(n)?.version === '1.0.0'),
    'every node reports its version',
    20_000,
  );
  return { t, chain, node };
}

describe('upgrade', () => {
  test('a node whose new config exits at once is rolled back: old args run again, rolled_back recorded, exit 1', async () => {
    const { t, chain, node } = await startGroup();
    const before = Object.fromEntries(GROUP_NODES.map((n) => [n, t.pid(n)!]));
    for (const n of GROUP_NODES) writeNode(t.configDir, n, node(n, ['--exit-at-start', '1']));
    const run = t.cli(['upgrade', 'all']);
    const samples = await sampleUntil(() => liveWith(chain), run);
    const r = await run;
    assert.equal(r.code, 1, r.stdout + r.stderr);
    // The first node tried fails its gate and is rolled back; the group's rollout stops there.
    const failed = GROUP_NODES.filter((n) =>
      new RegExp(`^${n}: ERROR \\(gate: .*rolled back\\)$`, 'm').test(r.stdout),
    );
    assert.equal(failed.length, 1, r.stdout);
    const bad = failed[0]!;
    for (const n of GROUP_NODES.filter((x) => x !== bad)) {
      assert.match(
        r.stdout,
        new RegExp(`^${n}: ERROR \\(not restarted: rollout of group chain stopped at ${bad}\\)$`, 'm'),
      );
      assert.equal(t.pid(n), before[n], `${n} was not touched`);
    }
    assert.ok(Math.min(...samples) >= 2, `live processes over the upgrade: ${samples.join(',')}`);
    // The old config runs again: a new process, without the new flag.
    const pid = (await waitUntil(
      () => t.daemon.supervisor.runner(bad)?.snapshot().state === 'running' && t.pid(bad),
      `${bad} running again`,
      20_000,
    )) as number;
    assert.notEqual(pid, before[bad]);
    const argv = cmdline(pid);
    assert.ok(argv.includes('--chain-file') && !argv.includes('--exit-at-start'), argv.join(' '));
    const ev = await t.cli(['events', '--type', 'rolled_back', '--json']);
    assert.equal(ev.code, 0, ev.stderr);
    const events = JSON.parse(ev.stdout) as {
      events: Array<{ node: string; details: Record<string, unknown> }>;
    };
    const list = Array.isArray(events) ? (events as typeof events.events) : events.events;
    assert.equal(list.length, 1, ev.stdout);
    assert.equal(list[0]!.node, bad);
    assert.equal(list[0]!.details.fromVersion, '1.0.0');
    assert.notEqual(list[0]!.details.fromRunHash, list[0]!.details.toRunHash);
    assert.equal(typeof list[0]!.details.toRunHash, 'string');
  });

  test('a version probe gate: a new version passes (upgraded), the same version is rolled back', async () => {
    const { t, node } = await startGroup();
    writeNode(t.configDir, 'n1', node('n1', ['--version', '2.0.0']));
    writeNode(t.configDir, 'n2', node('n2', ['--peers', '9']));
    const up = await t.cli(['upgrade', 'n1', '--expect-version', 'v2.0.0']);
    assert.equal(up.code, 0, up.stdout + up.stderr);
    assert.match(up.stdout, /^n1: upgraded$/m);
    assert.match(up.stdout, /^n1: running, waiting for version v2\.0\.0$/m);
    assert.ok(cmdline(t.pid('n1')!).includes('2.0.0'));
    const same = await t.cli(['upgrade', 'n2', 'n3']);
    assert.equal(same.code, 1, same.stdout + same.stderr);
    assert.match(same.stdout, /^n2: ERROR \(gate: still reports version 1\.0\.0; rolled back\)$/m);
    assert.match(same.stdout, /^n3: unchanged$/m);
    const ev = await t.cli(['events', '--json']);
    const parsed = JSON.parse(ev.stdout) as unknown;
    const list = (Array.isArray(parsed) ? parsed : (parsed as { events: unknown[] }).events) as Array<{
      node: string;
      type: string;
      details: Record<string, unknown>;
    }>;
    const upgraded = list.filter((e) => e.type === 'upgraded');
    assert.equal(upgraded.length, 1);
    assert.equal(upgraded[0]!.node, 'n1');
    assert.equal(upgraded[0]!.details.fromVersion, '1.0.0');
    assert.equal(upgraded[0]!.details.toVersion, '2.0.0');
    assert.deepEqual(
      list.filter((e) => e.type === 'rolled_back').map((e) => e.node),
      ['n2'],
    );
    // n2 runs its previous config again.
    await waitUntil(
      () => {
        const pid = t.pid('n2');
        return (
          t.daemon.supervisor.runner('n2')?.snapshot().state === 'running' &&
          pid !== null &&
          !cmdline(pid).includes('--peers')
        );
      },
      'n2 back on its previous args',
      20_000,
    );
  });
});
