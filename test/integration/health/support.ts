/**
 * Shared pieces of the health integration tests: simulated nodes of one sync
 * group on a shared chain file with 200 ms blocks, probed every 200 ms, with
 * windows of 1–2 s, booted in a real daemon (test/helpers/daemon.ts).
 */
import fs from 'node:fs';
import net from 'node:net';
import path from 'node:path';
import assert from 'node:assert/strict';
import type { AddressInfo } from 'node:net';
import type { NodewardenEvent } from '../../../src/events/types.js';
import type { Daemon } from '../../../src/daemon.js';
import { simArgs, startTestDaemon, waitUntil, type TestDaemon } from '../../helpers/daemon.js';

export const BLOCK_MS = 200;
export const PROBE_MS = 200;

/** Sync settings shared by every node of these tests (template.json). */
export const FAST_SYNC = {
  group: 'chain',
  maxLag: 5,
  windowMs: 1500,
  stallMs: 1500,
  startupGraceMs: 1000,
};

/** A free loopback port (bound once and released: the sim binds it next). */
export async function freePort(): Promise<number> {
  const s = net.createServer();
  await new Promise<void>((r) => s.listen(0, '127.0.0.1', r));
  const port = (s.address() as AddressInfo).port;
  await new Promise<void>((r) => s.close(() => r()));
  return port;
}

/** `count` free loopback ports, as freePort. */
export function freePorts(count: number): Promise<number[]> {
  return Promise.all(Array.from({ length: count }, () => freePort()));
}

/** Creates the shared chain file with its genesis `agoMs` in the past (tip = agoMs / BLOCK_MS). */
export function writeChainFile(dir: string, agoMs: number): string {
  const file = path.join(dir, 'chain.json');
  fs.writeFileSync(file, JSON.stringify({ genesisMs: Date.now() - agoMs, blockMs: BLOCK_MS }) + '\n');
  return file;
}

type ProbeKind = 'http' | 'jsonrpc' | 'prometheus';

/** The height probe of a sim on `port`, in one of three shapes (number, decimal string, metric). */
export function heightProbe(port: number, kind: ProbeKind): Record<string, unknown> {
  const base = { intervalMs: PROBE_MS, timeoutMs: 500 };
  switch (kind) {
    case 'http':
      return { ...base, type: 'http', url: `http://127.0.0.1:${port}/height`, path: 'height' };
    case 'jsonrpc':
      return { ...base, type: 'jsonrpc', url: `http://127.0.0.1:${port}/rpc`, method: 'getblockcount_str' };
    case 'prometheus':
      return {
        ...base,
        type: 'prometheus',
        url: `http://127.0.0.1:${port}/metrics`,
        metric: 'sim_block_height',
      };
  }
}

/** A node file for a sim on `port`: its args (plus `extra` flags) and its probes. */
export function simNode(
  chainFile: string,
  port: number,
  kind: ProbeKind,
  extra: string[] = [],
): Record<string, unknown> {
  return {
    args: nodeArgs(chainFile, port, extra),
    probes: {
      height: heightProbe(port, kind),
      version: {
        type: 'prometheus',
        url: `http://127.0.0.1:${port}/metrics`,
        metric: 'sim_build_info',
        label: 'version',
        intervalMs: 1000,
        timeoutMs: 500,
      },
    },
  };
}

export function nodeArgs(chainFile: string, port: number, extra: string[] = []): string[] {
  return simArgs('--chain-file', chainFile, '--block-ms', String(BLOCK_MS), '--port', String(port), ...extra);
}

/** Template keys of these tests. */
export const TEMPLATE = {
  sync: FAST_SYNC,
  limits: { forSamples: 3 },
  restart: { startSeconds: 1, backoffMs: 100, backoffMaxMs: 1000 },
  stop: { graceMs: 2000 },
};

/** Records every contract event from now on. */
export function recordEvents(daemon: Daemon): NodewardenEvent[] {
  const events: NodewardenEvent[] = [];
  daemon.bus.on('event', (e) => events.push(e));
  return events;
}

/** `node:type(reason)` lines of the events about `nodes`, for failure messages. */
export function describeEvents(events: readonly NodewardenEvent[]): string {
  return events.map((e) => `${e.node ?? '-'}:${e.type}${e.reason ? `(${e.reason})` : ''}`).join(' ');
}

/**
 * The end of a health test: its events printed when NW_DEBUG is set, the
 * daemon (if it started) closed, the chain directory (if made) removed.
 */
export async function endHealthTest(
  t: TestDaemon | undefined,
  events: readonly NodewardenEvent[],
  chainDir: string | undefined,
): Promise<void> {
  if (process.env.NW_DEBUG) console.log(describeEvents(events));
  await t?.close();
  if (chainDir) fs.rmSync(chainDir, { recursive: true, force: true });
}

/** Live (not zombie) processes whose argv holds `marker`, read from /proc (not from the manager). */
export function liveWith(marker: string): number {
  let n = 0;
  for (const entry of fs.readdirSync('/proc')) {
    if (!/^\d+$/.test(entry)) continue;
    try {
      if (!fs.readFileSync(`/proc/${entry}/cmdline`, 'utf8').includes(marker)) continue;
      const stat = fs.readFileSync(`/proc/${entry}/stat`, 'utf8');
      const state = stat.slice(stat.lastIndexOf(')') + 2, stat.lastIndexOf(')') + 3);
      if (state !== 'Z' && state !== 'X') n++;
    } catch {
      // gone while being read
    }
  }
  return n;
}

/** Samples `count()` until `stop` resolves, and once more after; returns every sample. */
export async function sampleUntil(count: () => number, stop: Promise<unknown>): Promise<number[]> {
  const samples: number[] = [];
  let done = false;
  void stop.finally(() => (done = true));
  while (!done) {
    samples.push(count());
    // Yield to the daemon (in this process) between two samples; the cadence is not part of any assertion.
    await new Promise<void>((r) => setImmediate(r));
  }
  samples.push(count());
  return samples;
}

/** `node:stopping`, `node:running` and `node:in_sync` in the order the daemon told them. */
export function recordSteps(d: TestDaemon): string[] {
  const steps: string[] = [];
  d.daemon.bus.on('state', (s) => {
    if (s.to === 'stopping' || s.to === 'running') steps.push(`${s.node}:${s.to}`);
  });
  d.daemon.observations.onHealth((n) => {
    if (d.daemon.observe(n)?.health === 'in_sync') steps.push(`${n}:in_sync`);
  });
  return steps;
}

/** The /proc samples of a rollout: many, never below `floor`, and at `floor` at some sample. */
export function assertFloor(samples: number[], floor: number): void {
  assert.ok(samples.length > 10, `sampled /proc ${samples.length} times`);
  assert.ok(Math.min(...samples) >= floor, `live processes over the rollout: ${samples.join(',')}`);
  assert.ok(samples.includes(floor), 'a node was down at some sample');
}

/**
 * Node by node: each next node stops only after the previous one ran again
 * and (with `inSync`) was in sync again. Returns the order of the stops.
 */
export function assertNodeByNode(steps: string[], count: number, inSync = true): string[] {
  const order = steps.filter((s) => s.endsWith(':stopping')).map((s) => s.split(':')[0]!);
  assert.equal(order.length, count, steps.join(' '));
  for (let i = 1; i < order.length; i++) {
    const prev = order[i - 1]!;
    const stopAt = steps.indexOf(`${order[i]}:stopping`);
    const prevStop = steps.indexOf(`${prev}:stopping`);
    const ranAt = steps.indexOf(`${prev}:running`, prevStop);
    assert.ok(
      ranAt > prevStop && ranAt < stopAt,
      `${prev} ran before ${order[i]} stopped: ${steps.join(' ')}`,
    );
    if (!inSync) continue;
    const syncAt = steps.indexOf(`${prev}:in_sync`, prevStop);
    assert.ok(
      syncAt > ranAt && syncAt < stopAt,
      `${prev} in sync before ${order[i]} stopped: ${steps.join(' ')}`,
    );
  }
  return order;
}

/**
 * A daemon sampling every 100 ms two sims on a chain file written in
 * `chainDir`: `steady`, and `crashy` that crashes 1.5 s after each start
 * (a run counts as stable after 1 s). Resolves once crashy crashed twice;
 * closes the daemon if that does not happen.
 */
export async function startSteadyAndCrashy(chainDir: string): Promise<TestDaemon> {
  const chain = writeChainFile(chainDir, 10_000);
  const [p1, p2] = await freePorts(2);
  const t = await startTestDaemon({
    manager: { sampling: { intervalMs: 100 } },
    template: { ...TEMPLATE, restart: { ...TEMPLATE.restart, stableSeconds: 1 } },
    nodes: {
      steady: simNode(chain, p1!, 'http'),
      crashy: simNode(chain, p2!, 'http', ['--crash-after', '1500']),
    },
  });
  try {
    await waitUntil(
      () => t.daemon.store.queryEvents({ node: 'crashy', type: 'crashed' }).length >= 2,
      'two crashes of crashy',
      30_000,
    );
  } catch (err) {
    await t.close();
    throw err;
  }
  return t;
}

/** The nodes of the rollout tests: three sims of group `chain`. */
export const GROUP_NODES = ['n1', 'n2', 'n3'];

/** TEMPLATE with `minHealthy: 2`: the group may have one of GROUP_NODES down at a time. */
export const GROUP_TEMPLATE = { ...TEMPLATE, sync: { ...TEMPLATE.sync, minHealthy: 2 } };

/** A chain file in `dir` (genesis 10 s ago) and a free port for each of GROUP_NODES, in order. */
export async function groupChain(dir: string): Promise<{ chain: string; ports: number[] }> {
  const chain = writeChainFile(dir, 10_000);
  const ports = await freePorts(GROUP_NODES.length);
  return { chain, ports };
}

/** Resolves once every one of GROUP_NODES is in sync. */
export async function waitGroupInSync(t: TestDaemon): Promise<void> {
  await waitUntil(
    () => GROUP_NODES.every((n) => t.daemon.observe(n)?.health === 'in_sync'),
    'every node in sync',
    30_000,
  );
}
