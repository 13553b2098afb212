import { after, describe, test } from 'node:test';
import assert from 'node:assert/strict';
import * as net from 'node:net';
import { getJson, isAlive, killAll, spawnSim, startSim, track, waitUntil } from './harness.js';

after(killAll);

function connectError(port: number): Promise<string | null> {
  return new Promise((resolve) => {
    const s = net.connect({ host: '127.0.0.1', port });
    s.once('connect', () => {
      s.destroy();
      resolve(null);
    });
    s.once('error', (e: NodeJS.ErrnoException) => resolve(e.code ?? 'error'));
  });
}

describe('sim node lifecycle behaviours', () => {
  test('--crash-after MS:CODE exits with CODE after READY', async () => {
    const sim = await startSim(['--crash-after', '100:7']);
    await sim.waitLine(/^CRASH code=7$/);
    assert.deepEqual(await sim.exited, { code: 7, signal: null });
  });

  test('--crash-after MS exits with code 1 by default', async () => {
    const sim = await startSim(['--crash-after', '50']);
    assert.deepEqual(await sim.exited, { code: 1, signal: null });
  });

  test('--exit-at-start CODE exits at once, before READY', async () => {
    const run = spawnSim(['--exit-at-start', '3']);
    assert.deepEqual(await run.exited, { code: 3, signal: null });
    assert.ok(!run.lines.some((l) => l.startsWith('READY')));
  });

  test('bad flags exit 2 with a message naming the flag and the value', async () => {
    const run = spawnSim(['--crash-after', 'soon']);
    assert.equal((await run.exited).code, 2);
    assert.match(run.stderr(), /--crash-after: expected MS or MS:CODE .*"soon"/);
  });

  test('--close-port-after MS closes the HTTP server but the process keeps running', async () => {
    const sim = await startSim(['--close-port-after', '100']);
    await getJson(sim.port, '/height');
    await sim.waitLine(/^PORT CLOSED$/);
    assert.equal(await connectError(sim.port), 'ECONNREFUSED');
    assert.ok(isAlive(sim.pid));
  });

  test('SIGTERM prints stopping and exits 0 after --stop-delay, answering meanwhile', async () => {
    const sim = await startSim(['--stop-delay', '300']);
    process.kill(sim.pid, 'SIGTERM');
    const from = sim.lines.length;
    await sim.waitLine(/^stopping$/, { from });
    assert.equal(typeof (await getJson(sim.port, '/height')).height, 'number');
    assert.deepEqual(await sim.exited, { code: 0, signal: null });
  });

  test('--ignore-sigterm --spawn-child: both ignore SIGTERM; the grandchild outlives its parent', async () => {
    const run = spawnSim(['--ignore-sigterm', '--spawn-child']);
    const g = Number((await run.waitLine(/^GRANDCHILD pid=(\d+)$/))[1]);
    track(g);
    await run.waitLine(/^READY /);
    assert.notEqual(g, run.pid);
    // The whole process group gets SIGTERM, as a supervisor's polite stop sends it.
    process.kill(-run.pid, 'SIGTERM');
    await run.waitLine(/^SIGTERM ignored$/);
    await run.waitLine(/^GRANDCHILD SLEEPER SIGTERM ignored$/);
    assert.ok(isAlive(run.pid) && isAlive(g));
    process.kill(run.pid, 'SIGKILL');
    await run.exited;
    assert.ok(isAlive(g), 'the grandchild survives its parent');
    process.kill(g, 'SIGKILL');
    await waitUntil(() => !isAlive(g), 'the grandchild is gone');
  });
});
