import { after, describe, test } from 'node:test';
import assert from 'node:assert/strict';
import * as fs from 'node:fs';
import * as os from 'node:os';
import * as path from 'node:path';
import { parseSimArgs, SimUsageError } from '../../../src/sim/args.js';
import { getJson, killAll, startSim, waitUntil } from './harness.js';

const dirs: string[] = [];
after(async () => {
  await killAll();
  dirs.forEach((d) => fs.rmSync(d, { recursive: true, force: true }));
});

function tmp(): string {
  const d = fs.mkdtempSync(path.join(os.tmpdir(), 'nw-simchaos-'));
  dirs.push(d);
  return d;
}

const readSeq = (file: string): number | null => {
  try {
    return Number(fs.readFileSync(file, 'utf8').trim());
  } catch {
    return null;
  }
};

describe('sim node chaos flags', () => {
  test('--seq-dir needs --chaos-lines; the flags parse', () => {
    assert.throws(() => parseSimArgs(['--seq-dir', '/tmp/x']), SimUsageError);
    const o = parseSimArgs(['--chaos-lines', '50', '--seq-dir', '/tmp/x', '--stall-file', '/tmp/s']);
    assert.equal(o.chaosLinesMs, 50);
    assert.equal(o.seqDir, '/tmp/x');
    assert.equal(o.stallFile, '/tmp/s');
    assert.equal(parseSimArgs([]).chaosLinesMs, null);
  });

  test('--chaos-lines writes "<name> <pid> <seq>" gap-free; the seq file keeps up and is exact after SIGTERM', async () => {
    const dir = tmp();
    const sim = await startSim(['--name', 'cl', '--chaos-lines', '10', '--seq-dir', dir]);
    const seqFile = path.join(dir, `cl.${sim.pid}`);
    await waitUntil(() => (readSeq(seqFile) ?? 0) >= 8, 'the seq file reached 8');
    process.kill(sim.pid, 'SIGTERM');
    await sim.exited;
    const re = new RegExp(`^cl ${sim.pid} (\\d+)$`);
    const seqs = sim.lines.filter((l) => re.test(l)).map((l) => Number(re.exec(l)![1]));
    assert.ok(seqs.length >= 8);
    assert.deepEqual(
      seqs,
      Array.from({ length: seqs.length }, (_, i) => i + 1),
    );
    assert.equal(readSeq(seqFile), seqs.length, 'the seq file holds the last line written');
  });

  test('--stall-file freezes the height while the file exists, then the node is back on the chain', async () => {
    const dir = tmp();
    const stall = path.join(dir, 'stall');
    const sim = await startSim(['--block-ms', '20', '--stall-file', stall]);
    const h = async (): Promise<{ height: number; tip: number }> =>
      (await getJson(sim.port, '/height')) as { height: number; tip: number };
    fs.writeFileSync(stall, '');
    const frozen = (await h()).height;
    await waitUntil(async () => (await h()).tip >= frozen + 5, 'the tip moved on');
    assert.equal((await h()).height, frozen, 'height stands still while stalled');
    fs.rmSync(stall);
    await waitUntil(async () => (await h()).height >= frozen + 5, 'the height moves again');
  });
});
