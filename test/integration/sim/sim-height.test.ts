import { after, describe, test } from 'node:test';
import assert from 'node:assert/strict';
import * as fs from 'node:fs';
import * as os from 'node:os';
import * as path from 'node:path';
import { getJson, killAll, spawnSim, startSim, waitUntil } from './harness.js';

const tmp = fs.mkdtempSync(path.join(os.tmpdir(), 'nw-'));
after(async () => {
  await killAll();
  fs.rmSync(tmp, { recursive: true, force: true });
});

interface Reading {
  height: number;
  tip: number;
}
const read = async (port: number): Promise<Reading> => (await getJson(port, '/height')) as unknown as Reading;

describe('sim node height behaviours', () => {
  test('--stall-at H: the height stops at H while the tip moves on and the API keeps answering', async () => {
    const sim = await startSim(['--block-ms', '30', '--stall-at', '3']);
    const r = await waitUntil(async () => {
      const x = await read(sim.port);
      return x.tip >= 10 ? x : null;
    }, 'tip reached 10');
    assert.equal(r.height, 3);
  });

  test('--stall-after MS: the height freezes at its value at that moment', async () => {
    // Height is a function of time since start: after 100 ms at 30 ms per block it is 3.
    const sim = await startSim(['--block-ms', '30', '--stall-after', '100']);
    const r = await waitUntil(async () => {
      const x = await read(sim.port);
      return x.tip >= 10 ? x : null;
    }, 'tip reached 10');
    assert.equal(r.height, 3);
  });

  test('--lag N: stays exactly N blocks behind the tip', async () => {
    const sim = await startSim(['--block-ms', '30', '--start-height', '100', '--lag', '7']);
    for (let i = 0; i < 3; i++) {
      const r = await read(sim.port);
      assert.equal(r.tip - r.height, 7);
    }
  });

  test('--catch-up-from/--catch-up-rate: starts behind and closes the gap until at the tip', async () => {
    const sim = await startSim([
      '--block-ms',
      '25',
      '--start-height',
      '1000',
      '--catch-up-from',
      '0',
      '--catch-up-rate',
      '11',
    ]);
    const first = await read(sim.port);
    assert.ok(first.tip - first.height > 500, `starts far behind: ${JSON.stringify(first)}`);
    let lastGap = first.tip - first.height;
    await waitUntil(
      async () => {
        const r = await read(sim.port);
        const gap = r.tip - r.height;
        assert.ok(gap <= lastGap, `gap never grows (${lastGap} -> ${gap})`);
        lastGap = gap;
        return gap === 0;
      },
      'caught up with the tip',
      15_000,
    );
  });

  test('--chain-file: sims sharing a chain agree on the tip', async () => {
    const file = path.join(tmp, 'chain.json');
    // The middle of block 100 of a 60 s chain: no block boundary during the test.
    fs.writeFileSync(
      file,
      JSON.stringify({ genesisMs: Date.now() - 100 * 60_000 - 30_000, blockMs: 60_000 }),
    );
    const a = await startSim(['--chain-file', file]);
    const b = await startSim(['--chain-file', file]);
    const lagging = await startSim(['--chain-file', file, '--lag', '5']);
    assert.equal((await read(a.port)).height, 100);
    assert.equal((await read(b.port)).height, 100);
    assert.deepEqual(await read(lagging.port).then((r) => [r.height, r.tip]), [95, 100]);
  });

  test('--chain-file: a missing chain file is created with genesis now', async () => {
    const file = path.join(tmp, 'sub', 'new-chain.json');
    const before = Date.now();
    const sims = await Promise.all(
      [1, 2, 3].map(() => startSim(['--chain-file', file, '--block-ms', '600000'])),
    );
    const c = JSON.parse(fs.readFileSync(file, 'utf8'));
    assert.equal(c.blockMs, 600000);
    assert.ok(c.genesisMs >= before - 1000 && c.genesisMs <= Date.now());
    for (const s of sims) assert.equal((await read(s.port)).height, 0);
    assert.deepEqual(fs.readdirSync(path.dirname(file)), ['new-chain.json'], 'no temp files left');
  });

  test('a malformed chain file is a usage error naming the file and the key', async () => {
    const file = path.join(tmp, 'bad-chain.json');
    fs.writeFileSync(file, JSON.stringify({ genesisMs: 'yesterday', blockMs: 1000 }));
    const run = spawnSim(['--chain-file', file]);
    const { code } = await run.exited;
    assert.equal(code, 2);
    assert.match(run.stderr(), /chain file .*bad-chain\.json: genesisMs must be a number.*"yesterday"/);
  });
});
