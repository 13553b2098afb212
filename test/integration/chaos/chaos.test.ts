/**
 * The chaos run as part of the suite: the real `chaos` command (dist/chaos)
 * for 60 s with a fixed seed and a small fleet, against a real daemon, real
 * sim nodes and a real SMTP sink. It must pass, report what it did, and leave
 * no process of its run behind.
 */
import { spawn } from 'node:child_process';
import { describe, test } from 'node:test';
import assert from 'node:assert/strict';
import fs from 'node:fs';
import { fileURLToPath } from 'node:url';

const CHAOS = fileURLToPath(new URL('../../../chaos/index.js', import.meta.url));

interface Ran {
  code: number | null;
  out: string;
}

/** Runs the chaos command; past `boundMs` (a failure bound only) it is told to stop, then killed, by pid. */
function runChaos(args: string[], boundMs: number): Promise<Ran> {
  const child = spawn(process.execPath, [CHAOS, ...args], { stdio: ['ignore', 'pipe', 'pipe'] });
  let out = '';
  child.stdout.setEncoding('utf8').on('data', (d: string) => (out += d));
  child.stderr.setEncoding('utf8').on('data', (d: string) => (out += d));
  return new Promise((resolve) => {
    const soft = setTimeout(() => child.kill('SIGTERM'), boundMs);
    const hard = setTimeout(() => child.kill('SIGKILL'), boundMs + 120_000);
    child.on('close', (code) => {
      clearTimeout(soft);
      clearTimeout(hard);
      resolve({ code, out });
    });
  });
}

/** Pids whose environment carries the run's id. */
function processesOfRun(runId: string): number[] {
  const found: number[] = [];
  for (const e of fs.readdirSync('/proc')) {
    if (!/^\d+$/.test(e)) continue;
    try {
      if (
        fs.readFileSync(`/proc/${e}/environ`, 'latin1').split('\0').includes(`NODEWARDEN_CHAOS_RUN=${runId}`)
      )
        found.push(Number(e));
    } catch {
      // gone meanwhile
    }
  }
  return found;
}

describe('chaos run', () => {
  test('bad flags: exit 2 with the usage', async () => {
    const r = await runChaos(['--nodes', 'many'], 60_000);
    assert.equal(r.code, 2, r.out);
    assert.match(r.out, /--nodes: expected a positive integer, got "many"/);
    assert.match(r.out, /usage: npm run chaos/);
  });

  test('60 s with seed 1 and 8 nodes passes, reports its figures and leaves nothing running', async () => {
    const r = await runChaos(['--seconds', '60', '--seed', '1', '--nodes', '8'], 20 * 60_000);
    assert.equal(r.code, 0, r.out);
    assert.match(r.out, /^chaos: PASSED seed=1 nodes=8 duration=60s$/m, r.out);
    const faults = Number(/^faults injected: (\d+)$/m.exec(r.out)?.[1]);
    assert.ok(faults > 0, `faults injected: ${r.out}`);
    const checks = /^invariant checks made: (\d+) \((\d+) rounds of (\d+)\)$/m.exec(r.out);
    assert.ok(checks, r.out);
    assert.ok(Number(checks[2]) > faults, 'a round of checks after every fault and at the end');
    assert.equal(Number(checks[1]), Number(checks[2]) * Number(checks[3]));
    assert.match(r.out, /^longest time to recover: \d+ ms/m);
    const rss = Number(/^manager peak RSS: ([\d.]+) MiB$/m.exec(r.out)?.[1]);
    assert.ok(rss > 0, r.out);
    const runId = /^chaos: seed=1 .* run=(\S+) root=/m.exec(r.out)?.[1];
    assert.ok(runId, r.out);
    assert.deepEqual(processesOfRun(runId), [], 'no process of the run is left');
    const root = /root=(\S+)$/m.exec(r.out)![1]!;
    assert.equal(fs.existsSync(root), false, 'the run directory is removed');
  });
});
