import { after, describe, test } from 'node:test';
import assert from 'node:assert/strict';
import * as fs from 'node:fs';
import * as os from 'node:os';
import * as path from 'node:path';
import { getJson, killAll, request, rpc, startSim, waitUntil } from './harness.js';

const tmp = fs.mkdtempSync(path.join(os.tmpdir(), 'nw-'));
after(async () => {
  await killAll();
  fs.rmSync(tmp, { recursive: true, force: true });
});

/** Parses Prometheus text format into `name{labels}` → value, checking every line's syntax. */
function parseMetrics(text: string): Map<string, number> {
  const out = new Map<string, number>();
  for (const line of text.split('\n')) {
    if (line === '' || line.startsWith('#')) {
      if (line.startsWith('#')) assert.match(line, /^# (HELP|TYPE) [a-zA-Z_:][a-zA-Z0-9_:]* .+$/);
      continue;
    }
    const m = /^([a-zA-Z_:][a-zA-Z0-9_:]*)(\{(?:[a-zA-Z_][a-zA-Z0-9_]*="[^"]*",?)*\})? (\S+)$/.exec(line);
    assert.ok(m, `not a valid sample line: ${line}`);
    const value = Number(m[3]);
    assert.ok(Number.isFinite(value), `bad value in ${line}`);
    out.set(m[1]! + (m[2] ?? ''), value);
  }
  return out;
}

describe('sim node API', () => {
  test('announces READY with its pid and port, writes --port-file, answers /height and /status', async () => {
    const portFile = path.join(tmp, 'a.port');
    const sim = await startSim(['--name', 'alpha', '--port-file', portFile, '--peers', '5']);
    assert.ok(sim.port > 0);
    assert.equal(fs.readFileSync(portFile, 'utf8').trim(), String(sim.port));
    const h = await getJson(sim.port, '/height');
    assert.equal(typeof h.height, 'number');
    assert.match(String(h.hash), /^0x[0-9a-f]{64}$/);
    assert.equal(h.peers, 5);
    assert.equal(h.version, 'sim/1.0.0');
    assert.match(String(h.peerId), /^sim-[0-9a-f]{16}$/);
    const s = await getJson(sim.port, '/status');
    assert.equal(s.peerId, h.peerId, 'peer id is stable');
    assert.equal((await request(sim.port, 'GET', '/nope')).status, 404);
  });

  test('peer id comes from --id, else from the name, the same across restarts', async () => {
    const a = await startSim(['--name', 'beta']);
    const b = await startSim(['--name', 'beta']);
    const c = await startSim(['--name', 'gamma', '--id', '12D3KooWsim']);
    assert.equal((await getJson(a.port, '/height')).peerId, (await getJson(b.port, '/height')).peerId);
    assert.equal((await getJson(c.port, '/height')).peerId, '12D3KooWsim');
  });

  test('takes its port from $SIM_PORT when --port is not given', async () => {
    const probe = await startSim([]);
    const port = probe.port; // a port that was free a moment ago
    process.kill(probe.pid, 'SIGTERM');
    await probe.exited;
    const sim = await startSim([], { SIM_PORT: String(port) });
    assert.equal(sim.port, port);
  });

  test('height grows by one per --block-ms from --start-height', async () => {
    const sim = await startSim(['--block-ms', '40', '--start-height', '100']);
    const first = (await getJson(sim.port, '/height')).height as number;
    assert.ok(first >= 100);
    await waitUntil(
      async () => ((await getJson(sim.port, '/height')).height as number) >= first + 3,
      'height grew by 3',
    );
  });

  test('JSON-RPC answers the height as a number, a hex string and a decimal string', async () => {
    const sim = await startSim(['--start-height', '4660', '--block-ms', '600000']);
    assert.deepEqual(await rpc(sim.port, 'getblockcount'), { jsonrpc: '2.0', id: 1, result: 4660 });
    assert.deepEqual(await rpc(sim.port, 'getblockcount_hex'), { jsonrpc: '2.0', id: 1, result: '0x1234' });
    assert.deepEqual(await rpc(sim.port, 'getblockcount_str'), { jsonrpc: '2.0', id: 1, result: '4660' });
    const info = (await rpc(sim.port, 'getinfo')).result as Record<string, unknown>;
    assert.equal(info.blocks, 4660);
    assert.equal(info.version, 'sim/1.0.0');
    assert.equal(info.connections, 8);
  });

  test('JSON-RPC reports unknown methods, bad JSON and batches per the spec', async () => {
    const sim = await startSim([]);
    const unknown = await rpc(sim.port, 'nope');
    assert.equal((unknown.error as { code: number }).code, -32601);
    const bad = JSON.parse((await request(sim.port, 'POST', '/rpc', '{not json')).body);
    assert.equal(bad.error.code, -32700);
    const batch = JSON.parse(
      (
        await request(
          sim.port,
          'POST',
          '/rpc',
          JSON.stringify([
            { jsonrpc: '2.0', id: 'a', method: 'getblockcount' },
            { jsonrpc: '2.0', id: 'b', method: 'getblockcount_str' },
          ]),
        )
      ).body,
    );
    assert.deepEqual(
      batch.map((r: { id: string }) => r.id),
      ['a', 'b'],
    );
  });

  test('/metrics is valid Prometheus text with height, peers and build info', async () => {
    const sim = await startSim(['--start-height', '77', '--block-ms', '600000', '--peers', '3']);
    const res = await request(sim.port, 'GET', '/metrics');
    assert.equal(res.status, 200);
    const m = parseMetrics(res.body);
    assert.equal(m.get('sim_block_height'), 77);
    assert.equal(m.get('sim_peers'), 3);
    assert.equal(m.get('sim_build_info{version="1.0.0"}'), 1);
  });
});
