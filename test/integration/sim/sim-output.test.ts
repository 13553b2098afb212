import { after, describe, test } from 'node:test';
import assert from 'node:assert/strict';
import * as fs from 'node:fs';
import { getJson, killAll, startSim, waitUntil } from './harness.js';

after(killAll);

const SPEW = /^(\d{10}) spew/;

/** CPU time (user + system, in clock ticks) of a pid, from /proc. */
function cpuTicks(pid: number): number {
  const stat = fs.readFileSync(`/proc/${pid}/stat`, 'utf8');
  const f = stat.slice(stat.lastIndexOf(')') + 2).split(' ');
  return Number(f[11]) + Number(f[12]);
}

function rssKb(pid: number): number {
  const m = /VmRSS:\s+(\d+) kB/.exec(fs.readFileSync(`/proc/${pid}/status`, 'utf8'));
  return Number(m![1]);
}

describe('sim node output and resource behaviours', () => {
  test('--spew --spew-lines N writes N numbered, contiguous 100-byte lines', async () => {
    const sim = await startSim(['--spew', '--spew-lines', '20000']);
    await sim.waitLine(/^SPEW DONE lines=20000$/);
    const spew = sim.lines.filter((l) => SPEW.test(l));
    assert.equal(spew.length, 20000);
    spew.forEach((l, i) => {
      assert.equal(Number(SPEW.exec(l)![1]), i + 1);
      assert.equal(Buffer.byteLength(l) + 1, 100);
    });
  });

  test('--spew respects backpressure: a paused reader loses nothing and the API still answers', async () => {
    const sim = await startSim(['--spew', '--spew-lines', '5000', '--block-ms', '600000']);
    sim.child.stdout!.pause();
    // With stdout full the sim waits for drain, yet its event loop stays free.
    assert.equal((await getJson(sim.port, '/height')).height, 0);
    sim.child.stdout!.resume();
    await sim.waitLine(/^SPEW DONE lines=5000$/);
    const nums = sim.lines.filter((l) => SPEW.test(l)).map((l) => Number(SPEW.exec(l)![1]));
    assert.deepEqual(
      nums,
      Array.from({ length: 5000 }, (_, i) => i + 1),
    );
  });

  test('--log-every MS prints a normal log line periodically', async () => {
    const sim = await startSim(['--log-every', '50', '--name', 'logger', '--start-height', '9']);
    const line = /^\d{4}-\d\d-\d\dT\S+Z INFO sim\[logger\] height=\d+ tip=\d+ peers=8$/;
    const first = await sim.waitLine(line);
    await sim.waitLine(line, { from: sim.lines.indexOf(first.input!) + 1 });
  });

  test('--leak-mb-per-s N grows the resident memory', async () => {
    const sim = await startSim(['--leak-mb-per-s', '100', '--leak-max-mb', '200']);
    const base = rssKb(sim.pid);
    await waitUntil(() => rssKb(sim.pid) >= base + 60 * 1024, 'RSS grew by 60 MB');
  });

  test('--burn-cpu PERCENT consumes CPU time while the API keeps answering', async () => {
    const sim = await startSim(['--burn-cpu', '50']);
    const base = cpuTicks(sim.pid);
    // 20 ticks = 200 ms of CPU; an idle sim uses next to none.
    await waitUntil(() => cpuTicks(sim.pid) >= base + 20, 'CPU time grew by 20 ticks');
    assert.equal(typeof (await getJson(sim.port, '/height')).height, 'number');
  });
});
