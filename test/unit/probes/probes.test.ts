import { after, before, describe, test } from 'node:test';
import assert from 'node:assert/strict';
import fs from 'node:fs';
import http from 'node:http';
import net from 'node:net';
import os from 'node:os';
import path from 'node:path';
import type { AddressInfo } from 'node:net';
import type { ProbeSpec } from '../../../src/config/types.js';
import { runProbe, toHeight, type ProbeResult } from '../../../src/monitoring/probes/index.js';
import { isAlive, killAll, startSim, waitUntil } from '../../integration/sim/harness.js';

/**
 * Every probe type against real servers on 127.0.0.1: a sim node (JSON, JSON-RPC
 * and a text-format /metrics page), small servers of the test's own (basic auth,
 * one that never answers) and real commands.
 */

const HEIGHT = 1234;
let simPort = 0;
let tmp = '';
const servers: net.Server[] = [];

function spec(p: Partial<ProbeSpec> & Pick<ProbeSpec, 'type'>): ProbeSpec {
  return { intervalMs: 1000, timeoutMs: 3000, ...p };
}

function ok(r: ProbeResult): unknown {
  assert.equal(r.ok, true, r.ok ? '' : `probe failed: ${r.error}`);
  return (r as { value: unknown }).value;
}

function failed(r: ProbeResult): string {
  assert.equal(
    r.ok,
    false,
    `probe should have failed, read ${JSON.stringify((r as { value?: unknown }).value)}`,
  );
  return (r as { error: string }).error;
}

async function listen(server: net.Server): Promise<number> {
  servers.push(server);
  await new Promise<void>((r) => server.listen(0, '127.0.0.1', r));
  return (server.address() as AddressInfo).port;
}

before(async () => {
  tmp = fs.mkdtempSync(path.join(os.tmpdir(), 'nw-'));
  // A private chain with hour-long blocks: the height stays HEIGHT for the whole test.
  const sim = await startSim(['--start-height', String(HEIGHT), '--block-ms', '3600000']);
  simPort = sim.port;
});

after(async () => {
  await killAll();
  for (const s of servers) {
    (s as http.Server).closeAllConnections?.();
    s.close();
  }
  fs.rmSync(tmp, { recursive: true, force: true });
});

describe('http probe', () => {
  test('JSON + dot path', async () => {
    const r = await runProbe(
      spec({ type: 'http', url: `http://127.0.0.1:${simPort}/height`, path: 'height' }),
    );
    assert.equal(ok(r), HEIGHT);
    assert.ok(r.seconds >= 0 && r.seconds < 3);
  });
  test('a string field (version)', async () => {
    const r = await runProbe(
      spec({ type: 'http', url: `http://127.0.0.1:${simPort}/status`, path: 'version' }),
    );
    assert.equal(ok(r), 'sim/1.0.0');
  });
  test('without a path the whole document is the value, and it is no height', async () => {
    const v = ok(await runProbe(spec({ type: 'http', url: `http://127.0.0.1:${simPort}/height` })));
    assert.throws(() => toHeight(v), /not a height/);
  });
  test('a non-2xx status is a failure', async () => {
    const e = failed(
      await runProbe(spec({ type: 'http', url: `http://127.0.0.1:${simPort}/nope`, path: 'height' })),
    );
    assert.match(e, /^HTTP 404/);
  });
  test('a missing path is a failure naming it', async () => {
    const e = failed(
      await runProbe(
        spec({ type: 'http', url: `http://127.0.0.1:${simPort}/height`, path: 'result.height' }),
      ),
    );
    assert.match(e, /path "result.height": no key "result"/);
  });
  test('connection refused is a failure', async () => {
    const port = await closedPort();
    const e = failed(
      await runProbe(spec({ type: 'http', url: `http://127.0.0.1:${port}/height`, path: 'height' })),
    );
    assert.match(e, /ECONNREFUSED/);
  });
  test('a server that never answers times out: a failure, within the bound', async () => {
    const port = await listen(net.createServer(() => {})); // accepts, never replies
    const t0 = Date.now();
    const e = failed(
      await runProbe(spec({ type: 'http', url: `http://127.0.0.1:${port}/`, timeoutMs: 300 })),
    );
    assert.match(e, /timed out after 300 ms/);
    assert.ok(Date.now() - t0 < 2500, `took ${Date.now() - t0} ms`);
  });
});

describe('jsonrpc probe', () => {
  const url = (): string => `http://127.0.0.1:${simPort}/rpc`;
  test('getblockcount as a number', async () => {
    assert.equal(
      toHeight(ok(await runProbe(spec({ type: 'jsonrpc', url: url(), method: 'getblockcount' })))),
      HEIGHT,
    );
  });
  test('getblockcount_hex as "0x..."', async () => {
    const v = ok(await runProbe(spec({ type: 'jsonrpc', url: url(), method: 'getblockcount_hex' })));
    assert.equal(v, '0x' + HEIGHT.toString(16));
    assert.equal(toHeight(v), HEIGHT);
  });
  test('getblockcount_str as a decimal string', async () => {
    const v = ok(await runProbe(spec({ type: 'jsonrpc', url: url(), method: 'getblockcount_str' })));
    assert.equal(v, String(HEIGHT));
    assert.equal(toHeight(v), HEIGHT);
  });
  test('result + path', async () => {
    const v = ok(await runProbe(spec({ type: 'jsonrpc', url: url(), method: 'getinfo', path: 'blocks' })));
    assert.equal(v, HEIGHT);
  });
  test('a JSON-RPC error is a failure', async () => {
    const e = failed(await runProbe(spec({ type: 'jsonrpc', url: url(), method: 'nosuch' })));
    assert.match(e, /JSON-RPC error -32601: Method not found: nosuch/);
  });
  test('basic auth and params are sent', async () => {
    let seen: { auth?: string; body?: unknown } = {};
    const port = await listen(
      http.createServer((req, res) => {
        let body = '';
        req.on('data', (d: Buffer) => (body += d));
        req.on('end', () => {
          seen = { auth: req.headers.authorization, body: JSON.parse(body) };
          const ok = req.headers.authorization === 'Basic ' + Buffer.from('rpc:s3cret').toString('base64');
          res.writeHead(ok ? 200 : 401, { 'content-type': 'application/json' });
          res.end(JSON.stringify({ jsonrpc: '2.0', id: 1, result: { tip: ['0x10'] } }));
        });
      }),
    );
    const base = {
      type: 'jsonrpc' as const,
      url: `http://127.0.0.1:${port}/`,
      method: 'tip',
      params: { verbose: true },
    };
    const v = ok(await runProbe(spec({ ...base, auth: { user: 'rpc', pass: 's3cret' }, path: 'tip.0' })));
    assert.equal(toHeight(v), 16);
    assert.deepEqual((seen.body as { params: unknown }).params, { verbose: true });
    assert.equal((seen.body as { jsonrpc: string }).jsonrpc, '2.0');
    assert.match(
      failed(await runProbe(spec({ ...base, auth: { user: 'rpc', pass: 'wrong' } }))),
      /^HTTP 401/,
    );
  });
});

describe('prometheus probe (the sim serves a real text-format page)', () => {
  const url = (): string => `http://127.0.0.1:${simPort}/metrics`;
  test('one sample by metric', async () => {
    assert.equal(
      ok(await runProbe(spec({ type: 'prometheus', url: url(), metric: 'sim_block_height' }))),
      HEIGHT,
    );
  });
  test('a label value: the version', async () => {
    const v = ok(
      await runProbe(spec({ type: 'prometheus', url: url(), metric: 'sim_build_info', label: 'version' })),
    );
    assert.equal(v, '1.0.0');
  });
  test('metric + labels', async () => {
    const v = ok(
      await runProbe(
        spec({ type: 'prometheus', url: url(), metric: 'sim_build_info', labels: { version: '1.0.0' } }),
      ),
    );
    assert.equal(v, 1);
  });
  test('a missing metric is a failure', async () => {
    assert.match(
      failed(await runProbe(spec({ type: 'prometheus', url: url(), metric: 'nope' }))),
      /no metric nope/,
    );
  });
});

describe('command probe', () => {
  const node = (code: string): string[] => [process.execPath, '-e', code];
  test('stdout is a number', async () => {
    assert.equal(
      toHeight(ok(await runProbe(spec({ type: 'command', command: node('console.log(42)') })))),
      42,
    );
  });
  test('stdout JSON + path', async () => {
    const v = ok(
      await runProbe(
        spec({ type: 'command', command: node('console.log(JSON.stringify({a:{b:"0x10"}}))'), path: 'a.b' }),
      ),
    );
    assert.equal(toHeight(v), 16);
  });
  test('arguments are never interpreted by a shell', async () => {
    const v = ok(
      await runProbe(
        spec({
          type: 'command',
          command: [process.execPath, '-e', 'console.log(process.argv[1])', '$HOME;echo'],
        }),
      ),
    );
    assert.equal(v, '$HOME;echo');
  });
  test('a non-zero exit is a failure with its stderr', async () => {
    const e = failed(
      await runProbe(
        spec({ type: 'command', command: node('console.error("boom"); console.log(5); process.exit(3)') }),
      ),
    );
    assert.match(e, /exited with code 3: boom/);
  });
  test('a missing binary is a failure', async () => {
    const e = failed(await runProbe(spec({ type: 'command', command: [path.join(tmp, 'no-such-binary')] })));
    assert.match(e, /cannot run .*no-such-binary.*ENOENT/);
  });
  test('a hung command times out and its process is killed', async () => {
    const pidFile = path.join(tmp, 'hung.pid');
    const code = `require('fs').writeFileSync(${JSON.stringify(pidFile)}, String(process.pid)); setInterval(() => {}, 1000)`;
    const t0 = Date.now();
    const e = failed(await runProbe(spec({ type: 'command', command: node(code), timeoutMs: 1500 })));
    assert.match(e, /timed out after 1500 ms/);
    assert.ok(Date.now() - t0 < 5000);
    const pid = Number(fs.readFileSync(pidFile, 'utf8'));
    await waitUntil(() => !isAlive(pid), `hung probe command ${pid} is gone`, 5000);
  });
});

describe('tcp probe', () => {
  test('an open port is up; the value is the connect latency in ms', async () => {
    const v = ok(await runProbe(spec({ type: 'tcp', host: '127.0.0.1', port: simPort })));
    assert.equal(typeof v, 'number');
    assert.ok((v as number) >= 0 && (v as number) < 3000);
  });
  test('a closed port is a failure', async () => {
    const port = await closedPort();
    assert.match(
      failed(await runProbe(spec({ type: 'tcp', host: '127.0.0.1', port }))),
      /ECONNREFUSED 127.0.0.1:/,
    );
  });
});

describe('cancellation', () => {
  test('an outer abort ends a probe as a failure', async () => {
    const port = await listen(net.createServer(() => {}));
    const ac = new AbortController();
    const p = runProbe(spec({ type: 'http', url: `http://127.0.0.1:${port}/`, timeoutMs: 60_000 }), {
      signal: ac.signal,
    });
    ac.abort();
    assert.match(failed(await p), /cancelled/);
  });
});

async function closedPort(): Promise<number> {
  const s = net.createServer();
  await new Promise<void>((r) => s.listen(0, '127.0.0.1', r));
  const port = (s.address() as AddressInfo).port;
  await new Promise<void>((r) => s.close(() => r()));
  return port;
}
