import { afterEach, describe, test } from 'node:test';
import assert from 'node:assert/strict';
import fs from 'node:fs';
import { startTestDaemon, tmpDir, waitUntil, type TestDaemon } from '../../helpers/daemon.js';
import {
  assertFloor,
  assertNodeByNode,
  GROUP_NODES,
  GROUP_TEMPLATE,
  groupChain,
  liveWith,
  recordSteps,
  sampleUntil,
  simNode,
  waitGroupInSync,
} from './support.js';

/**
 * Rolling restarts through the real CLI against a real daemon: three sims of
 * one sync group with `minHealthy: 2`. The number of live node processes is
 * read from /proc (not from the manager) all through the rollout; the order of
 * restarts and gates from the daemon's bus and observations.
 */

let t: TestDaemon | null = null;
let chainDir: string | null = null;

afterEach(async () => {
  await t?.close();
  t = null;
  if (chainDir) fs.rmSync(chainDir, { recursive: true, force: true });
  chainDir = null;
});

/** A daemon running three sims of group `chain` (minHealthy 2) on a fresh chain file. */
async function startGroup(withHeight: boolean): Promise<{ t: TestDaemon; chain: string }> {
  chainDir = tmpDir();
  const { chain, ports } = await groupChain(chainDir);
  const nodes: Record<string, Record<string, unknown>> = {};
  GROUP_NODES.forEach((n, i) => {
    const node = simNode(chain, ports[i]!, 'http');
    nodes[n] = withHeight ? node : { args: node.args };
  });
  t = await startTestDaemon({
    template: GROUP_TEMPLATE,
    nodes,
  });
  await t.waitRunning();
  if (withHeight) await waitGroupInSync(t);
  return { t, chain };
}

describe('restart of a sync group rolls node by node', () => {
  test('restart all --wait: never fewer than minHealthy processes alive, each next node waits for in_sync', async () => {
    const { t, chain } = await startGroup(true);
    const before = Object.fromEntries(GROUP_NODES.map((n) => [n, t.pid(n)]));
    const steps = recordSteps(t);
    const run = t.cli(['restart', 'all', '--wait']);
    const samples = await sampleUntil(() => liveWith(chain), run);
    const r = await run;
    assert.equal(r.code, 0, r.stdout + r.stderr);
    for (const n of GROUP_NODES) {
      assert.match(r.stdout, new RegExp(`^${n}: restarting$`, 'm'));
      assert.match(r.stdout, new RegExp(`^${n}: restarted$`, 'm'));
      assert.notEqual(t.pid(n), before[n], `${n} has a new process`);
    }
    assertFloor(samples, 2);
    // Node by node: each next one stops only after the previous one ran again and was in sync.
    assertNodeByNode(steps, 3);
  });

  test('restart all --now restarts every node of the group at once', async () => {
    const { t } = await startGroup(false);
    const steps = recordSteps(t);
    const r = await t.cli(['restart', 'all', '--now', '--wait']);
    assert.equal(r.code, 0, r.stdout + r.stderr);
    const firstRun = steps.findIndex((s) => s.endsWith(':running'));
    const stops = steps.filter((s, i) => s.endsWith(':stopping') && (firstRun < 0 || i < firstRun));
    assert.equal(stops.length, 3, `all three stop before any runs again: ${steps.join(' ')}`);
  });

  test('restart all without a height probe: the next node waits only for running; --parallel is checked', async () => {
    const { t } = await startGroup(false);
    const steps = recordSteps(t);
    const bad = await t.cli(['restart', 'all', '--parallel', 'x']);
    assert.equal(bad.code, 2, bad.stdout + bad.stderr);
    assert.match(bad.stderr, /--parallel/);
    const r = await t.cli(['restart', 'all', '--wait', '--parallel', '1']);
    assert.equal(r.code, 0, r.stdout + r.stderr);
    // Without --wait the answer comes at once: the first node restarted, the others queued behind it.
    const pids = Object.fromEntries(GROUP_NODES.map((n) => [n, t.pid(n)]));
    const q = await t.cli(['restart', 'all']);
    assert.equal(q.code, 0, q.stdout + q.stderr);
    assert.equal(q.stdout, 'n1: restarted\nn2: queued (rolling restart)\nn3: queued (rolling restart)\n');
    await waitUntil(
      () =>
        GROUP_NODES.every(
          (n) => t.pid(n) !== pids[n] && t.daemon.supervisor.runner(n)?.snapshot().state === 'running',
        ),
      'the queued rollout to end',
      30_000,
    );
    steps.splice(6);
    const kinds = steps.map((s) => s.split(':')[1]);
    assert.deepEqual(
      kinds,
      ['stopping', 'running', 'stopping', 'running', 'stopping', 'running'],
      steps.join(' ') + '\n' + r.stdout,
    );
  });
});
