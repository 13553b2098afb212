import { afterEach, describe, test } from 'node:test';
import assert from 'node:assert/strict';
import fs from 'node:fs';
import path from 'node:path';
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
  TEMPLATE,
  waitGroupInSync,
} from './support.js';

/**
 * A reload that changes the config of a whole sync group rolls through it
 * like `restart`: one node at a time, each next node only once the previous
 * one runs again and is in sync. The live node processes are read from /proc
 * all through the rollout; the order of restarts and gates from the daemon's
 * bus and observations. A second rollout leaves out the nodes of one running.
 */

let t: TestDaemon | null = null;
let chainDir: string | null = null;

afterEach(async () => {
  await t?.close();
  t = null;
  if (chainDir) fs.rmSync(chainDir, { recursive: true, force: true });
  chainDir = null;
});

/** The environment a process was started with. */
function environOf(pid: number): string[] {
  return fs.readFileSync(`/proc/${pid}/environ`, 'utf8').split('\0');
}

describe('a reload that changes a sync group rolls through it with the gate', { timeout: 180_000 }, () => {
  test('reload: never fewer than minHealthy processes alive, each next node waits for in_sync, all end on the new config', async () => {
    chainDir = tmpDir();
    const { chain, ports } = await groupChain(chainDir);
    const nodes: Record<string, Record<string, unknown>> = {};
    GROUP_NODES.forEach((n, i) => (nodes[n] = simNode(chain, ports[i]!, 'http')));
    const template = { ...GROUP_TEMPLATE, env: { NW_MARK: 'one' } };
    t = await startTestDaemon({ template, nodes });
    const d = t;
    const before = await d.waitRunning();
    await waitGroupInSync(d);
    for (const n of GROUP_NODES) assert.ok(environOf(before[n]!).includes('NW_MARK=one'));

    // The template on disk changes an env value of every node of the group.
    const file = path.join(d.configDir, 'template.json');
    const onDisk = JSON.parse(fs.readFileSync(file, 'utf8')) as Record<string, unknown>;
    fs.writeFileSync(file, JSON.stringify({ ...onDisk, env: { NW_MARK: 'two' } }, null, 2) + '\n');

    const steps = recordSteps(d);
    const r = await d.cli(['reload']);
    assert.equal(r.code, 0, r.stdout + r.stderr);
    assert.match(r.stdout, /3 changed/);
    const allDone = waitUntil(
      () =>
        GROUP_NODES.every(
          (n) =>
            d.pid(n) !== before[n] &&
            d.daemon.supervisor.runner(n)?.snapshot().state === 'running' &&
            d.daemon.observe(n)?.health === 'in_sync' &&
            steps.includes(`${n}:in_sync`),
        ),
      'every node restarted and in sync again',
      120_000,
    );
    const samples = await sampleUntil(() => liveWith(chain), allDone);
    await allDone;

    assertFloor(samples, 2);
    const order = assertNodeByNode(steps, 3);
    assert.deepEqual([...order].sort(), GROUP_NODES, steps.join(' '));
    for (const n of GROUP_NODES) {
      const env = environOf(d.pid(n)!);
      assert.ok(env.includes('NW_MARK=two'), `${n} runs the new config`);
    }
  });

  test('a second restart all during a rollout answers its nodes as in a rollout', async () => {
    // minHealthy 3 of 3: the first node's restart waits for its group (bounded by a long gate),
    // so the first rollout holds every node while the second one asks.
    t = await startTestDaemon({
      manager: { rollout: { gateMs: 600_000 } },
      template: { ...TEMPLATE, sync: { ...TEMPLATE.sync, minHealthy: 3 } },
      nodes: Object.fromEntries(GROUP_NODES.map((n) => [n, {}])),
    });
    const d = t;
    const pids = await d.waitRunning();
    const first = await d.cli(['restart', 'all']);
    assert.equal(first.code, 0, first.stdout + first.stderr);
    assert.equal(
      first.stdout,
      'n1: queued (rolling restart)\nn2: queued (rolling restart)\nn3: queued (rolling restart)\n',
    );
    const second = await d.cli(['restart', 'all']);
    assert.notEqual(second.code, 0, second.stdout + second.stderr);
    assert.equal(
      second.stdout,
      'n1: ERROR (in a rollout)\nn2: ERROR (in a rollout)\nn3: ERROR (in a rollout)\n',
      second.stderr,
    );
    for (const n of GROUP_NODES) assert.equal(d.pid(n), pids[n], `${n} was not restarted`);
  });

  test('nodes a reload rollout could not restart in time are restarted once their group allows', async () => {
    // n3 stopped: n1's restart would leave its group below minHealthy 2, so the rollout gives up after its gate bound.
    t = await startTestDaemon({
      manager: { rollout: { gateMs: 300 } },
      template: { ...GROUP_TEMPLATE, env: { NW_MARK: 'one' } },
      nodes: Object.fromEntries(GROUP_NODES.map((n) => [n, {}])),
    });
    const d = t;
    await d.waitRunning();
    const stop = await d.cli(['stop', 'n3', '--wait']);
    assert.equal(stop.code, 0, stop.stdout + stop.stderr);
    const before = { n1: d.pid('n1'), n2: d.pid('n2') };
    const file = path.join(d.configDir, 'template.json');
    const onDisk = JSON.parse(fs.readFileSync(file, 'utf8')) as Record<string, unknown>;
    fs.writeFileSync(file, JSON.stringify({ ...onDisk, env: { NW_MARK: 'two' } }, null, 2) + '\n');
    const r = await d.cli(['reload']);
    assert.equal(r.code, 0, r.stdout + r.stderr);
    await waitUntil(
      () => !d.daemon.rollouts.inRollout('n1') && !d.daemon.rollouts.inRollout('n2'),
      'the reload rollout to give up',
      30_000,
    );
    assert.equal(d.pid('n1'), before.n1, 'n1 kept its process while its group was short');
    const start = await d.cli(['start', 'n3', '--wait']);
    assert.equal(start.code, 0, start.stdout + start.stderr);
    await waitUntil(
      () =>
        ['n1', 'n2'].every((n) => {
          const pid = d.pid(n);
          return (
            pid !== null &&
            pid !== before[n as 'n1' | 'n2'] &&
            d.daemon.supervisor.runner(n)?.snapshot().state === 'running' &&
            environOf(pid).includes('NW_MARK=two')
          );
        }),
      'n1 and n2 restarted on the new config',
      60_000,
    );
    assert.ok(environOf(d.pid('n3')!).includes('NW_MARK=two'));
  });
});
