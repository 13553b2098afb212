import fs from 'node:fs';
import http from 'node:http';
import path from 'node:path';
import { countStamps, readSpewCount } from '../child.js';
import type { Launched, Manager, Workload } from '../managers/types.js';
import { summarize, type Summary } from '../stats.js';
import { nowNs, nsToMs, sleep, waitFor } from '../time.js';

/** Scenario 5b. */
export interface StatusResult {
  /** Why there is no measurement (e.g. "n/a (no control API)"). */
  na?: string;
  latency?: Summary;
  /** Requests answered while the writer was still writing. */
  underLoad?: number;
  nodes?: number;
  errors: string[];
}

/**
 * `GET /api/status` over the control socket (`<stateDir>/nodewarden.sock`),
 * one fresh connection per request as the CLI makes them, while N nodes run
 * and one of them writes log lines flat out.
 */
export async function runStatusApi(
  mgr: Manager,
  w: Workload,
  requests: number,
  log: (msg: string) => void,
): Promise<StatusResult> {
  const res: StatusResult = { errors: [] };
  const sock = path.join(w.dir, 'state', 'nodewarden.sock');
  let launched: Launched | null = null;
  try {
    launched = await mgr.launch(w);
    const l = launched;
    await waitFor(`${w.sleepers} nodes started`, () => (l.assertRunning(), countStamps(w.stampDir, 'start') >= w.sleepers), {
      timeoutMs: 120_000,
    });
    const appeared = await waitFor('the control socket', () => fs.existsSync(sock), { timeoutMs: 5000 }).catch(
      () => false,
    );
    const first = appeared ? await get(sock).catch((err: Error) => err) : new Error('no socket');
    if (first instanceof Error || first.status !== 200) {
      res.na = 'n/a (no control API)';
      const why = first instanceof Error ? first.message : `HTTP ${first.status}`;
      log(`  status API: ${res.na}: ${sock}: ${why}`);
      return res;
    }
    // Let the writer get going, then measure while it writes.
    await sleep(1000);
    const lat: number[] = [];
    let underLoad = 0;
    for (let i = 0; i < requests; i++) {
      const t = nowNs();
      const r = await get(sock);
      lat.push(nsToMs(nowNs() - t));
      if (r.status !== 200) throw new Error(`GET /api/status answered HTTP ${r.status}: ${r.body.slice(0, 200)}`);
      if (i === 0) res.nodes = countNodes(r.body);
      if (!readSpewCount(w.spew!.countFile)) underLoad++;
    }
    res.latency = summarize(lat);
    res.underLoad = underLoad;
    log(
      `  status API: p50 ${res.latency.p50.toFixed(2)} ms, p99 ${res.latency.p99.toFixed(2)} ms ` +
        `over ${requests} requests (${underLoad} under log load, ${res.nodes ?? '?'} nodes in the answer)`,
    );
  } catch (err) {
    res.errors.push(err instanceof Error ? err.message : String(err));
    log(`  status API FAILED: ${String(err).split('\n')[0]}`);
  } finally {
    await launched?.dispose();
  }
  return res;
}

function get(socketPath: string): Promise<{ status: number; body: string }> {
  return new Promise((resolve, reject) => {
    const req = http.request({ socketPath, path: '/api/status', method: 'GET', agent: false, timeout: 10_000 }, (res) => {
      const chunks: Buffer[] = [];
      res.on('data', (c: Buffer) => chunks.push(c));
      res.on('end', () => resolve({ status: res.statusCode ?? 0, body: Buffer.concat(chunks).toString('utf8') }));
      res.on('error', reject);
    });
    req.on('timeout', () => req.destroy(new Error('timed out after 10 s')));
    req.on('error', reject);
    req.end();
  });
}

/** Nodes in a status answer: an array, or an object holding one. */
function countNodes(body: string): number | undefined {
  try {
    const v = JSON.parse(body) as unknown;
    if (Array.isArray(v)) return v.length;
    if (v && typeof v === 'object') {
      for (const x of Object.values(v)) if (Array.isArray(x)) return x.length;
    }
  } catch {
    // not JSON: leave it unknown
  }
  return undefined;
}
