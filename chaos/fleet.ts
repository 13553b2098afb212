/**
 * The fleet of a chaos run: a temp root holding the config dir (manager file,
 * template, one file per node), the nodes' data, logs, state, seq files, stall
 * files, the fake meminfo the host-pressure faults write, and the journal.
 * Nodes come in variants: plain sim, sim with a child and grandchild
 * (`--spawn-child`), and sim started through a shell script that execs it.
 */
import fs from 'node:fs';
import net from 'node:net';
import os from 'node:os';
import path from 'node:path';
import { fileURLToPath } from 'node:url';
import type { Journal, NodeExpectation } from './journal.js';

export const SIM = fileURLToPath(new URL('../src/sim/sim-node.js', import.meta.url));
export const CLI = fileURLToPath(new URL('../src/cli/index.js', import.meta.url));

/** Nodes per sync group. */
const GROUP_SIZE = 5;
/** Ports reserved beyond the fleet, for nodes added by reloads. */
const SPARE_PORTS = 200;
export const STOP_GRACE_MS = 3000;

export interface Fleet {
  journal: Journal;
  chainFile: string;
  stallDir: string;
  meminfoFile: string;
  wrapScript: string;
  managerLog: string;
  basePort: number;
  /** Next free index for an added node. */
  nextIndex: number;
}

function canListen(port: number): Promise<boolean> {
  return new Promise((resolve) => {
    const s = net.createServer();
    s.once('error', () => resolve(false));
    s.listen(port, '127.0.0.1', () => s.close(() => resolve(true)));
  });
}

/** A base port whose next `count` ports are free now (checked by binding each). */
async function findPortRange(count: number, seed: number): Promise<number> {
  for (let attempt = 0; attempt < 50; attempt++) {
    const base = 20000 + ((seed + attempt * 7919) % 30000);
    let ok = true;
    for (let p = base; p < base + count && ok; p++) ok = await canListen(p);
    if (ok) return base;
  }
  throw new Error(`no range of ${count} free loopback ports found`);
}

export function nodeName(index: number): string {
  return `n${String(index).padStart(3, '0')}`;
}

export function groupOf(index: number): string {
  return `g${Math.floor((index - 1) / GROUP_SIZE) + 1}`;
}

/** Meminfo text with the given share of memory available. */
export function meminfo(availablePercent: number): string {
  const total = 16 * 1024 * 1024; // kB
  const available = Math.round((total * availablePercent) / 100);
  return `MemTotal:       ${total} kB\nMemFree:        ${available} kB\nMemAvailable:   ${available} kB\n`;
}

/** The variant of node `index`: every third has children, every third (others) runs through a shell. */
export function variantOf(index: number): { withChildren: boolean; viaShell: boolean } {
  return { withChildren: index % 3 === 1, viaShell: index % 3 === 2 || index % 6 === 4 };
}

/** A node file's body; `peers` is what a "changed node" reload alters. */
export function nodeBody(fleet: Fleet, index: number, peers = 8): Record<string, unknown> {
  const { withChildren, viaShell } = variantOf(index);
  const port = fleet.basePort + index;
  const simArgs = [
    SIM,
    '--name',
    '{{name}}',
    ...simCommon(fleet),
    '--peers',
    String(peers),
    ...(withChildren ? ['--spawn-child'] : []),
  ];
  const group = groupOf(index);
  return {
    ...(viaShell ? { binary: '/bin/sh' } : {}),
    args: viaShell ? [fleet.wrapScript, process.execPath, ...simArgs] : simArgs,
    env: { SIM_PORT: String(port) },
    shed: index % 4 === 0,
    priority: 100 + (index % 10),
    probes: {
      height: {
        type: 'http',
        url: `http://127.0.0.1:${port}/height`,
        path: 'height',
        intervalMs: 1000,
        timeoutMs: 3000,
      },
    },
    sync: { group, minHealthy: fleet.journal.run.minHealthy[group] ?? 1 },
  };
}

export function writeNodeFile(fleet: Fleet, name: string, body: unknown): void {
  const file = path.join(fleet.journal.run.configDir, 'nodes', `${name}.json`);
  fs.writeFileSync(`${file}.tmp`, JSON.stringify(body, null, 2) + '\n');
  fs.renameSync(`${file}.tmp`, file);
}

export function expectation(index: number, at: number): NodeExpectation {
  const { withChildren, viaShell } = variantOf(index);
  return {
    name: nodeName(index),
    group: groupOf(index),
    withChildren,
    viaShell,
    desired: 'running',
    held: false,
    history: [{ at, desired: 'running', held: false, by: 'fleet' }],
  };
}

export async function makeFleet(
  seed: number,
  nodes: number,
  smtpPort: number,
  root?: string,
): Promise<Fleet> {
  const base = root ?? fs.mkdtempSync(path.join(os.tmpdir(), 'nw-chaos-'));
  const dir = (...p: string[]): string => {
    const d = path.join(base, ...p);
    fs.mkdirSync(d, { recursive: true });
    return d;
  };
  const configDir = dir('configs');
  dir('configs', 'nodes');
  const stateDir = dir('state');
  const now = Date.now();
  const runId = `chaos-${seed}-${now.toString(36)}-${process.pid}`;
  const groups = Math.ceil(nodes / GROUP_SIZE);
  const minHealthy: Record<string, number> = {};
  for (let g = 1; g <= groups; g++) minHealthy[`g${g}`] = 2;
  const fleet: Fleet = {
    journal: {
      run: {
        seed,
        runId,
        nodes,
        startedAt: now,
        root: base,
        configDir,
        logDir: dir('logs'),
        stateDir,
        dbPath: path.join(stateDir, 'nodewarden.db'),
        seqDir: dir('seq'),
        smtpPort,
        sinkFile: path.join(base, 'sink.jsonl'),
        minHealthy,
        graceMs: STOP_GRACE_MS + 7000,
        recoverBoundMs: 60_000 + nodes * 1000,
      },
      faults: [],
      managers: [],
      nodes: {},
      logDirUnwritable: [],
      dbReadOnly: [],
      smtpDown: [],
    },
    chainFile: path.join(base, 'chain.json'),
    stallDir: dir('stall'),
    meminfoFile: path.join(base, 'meminfo'),
    wrapScript: path.join(base, 'wrap.sh'),
    managerLog: path.join(base, 'manager.out'),
    basePort: await findPortRange(nodes + SPARE_PORTS, seed),
    nextIndex: nodes + 1,
  };
  dir('data');
  fs.writeFileSync(fleet.journal.run.sinkFile, '');
  fs.writeFileSync(fleet.meminfoFile, meminfo(60));
  // The wrapper a shell-started node runs: it execs the sim, so the node keeps one pid.
  fs.writeFileSync(
    fleet.wrapScript,
    '#!/bin/sh\n# started by nodewarden, replaced by the sim node\nexec "$@"\n',
    {
      mode: 0o755,
    },
  );
  const run = fleet.journal.run;
  const manager = {
    stateDir,
    logDir: run.logDir,
    templatesDir: path.join(base, 'templates'),
    sampling: { intervalMs: 1000 },
    startup: { concurrency: 8, intervalMs: 20 },
    pressure: {
      enabled: true,
      memoryHighPercent: 90,
      memoryLowPercent: 80,
      // Real CPU load on a busy machine must not shed nodes: only the memory marks are in reach.
      cpuHighPercent: 100,
      cpuLowPercent: 99,
      psiCpuHighPercent: 100,
      psiCpuLowPercent: 99,
      psiMemoryHighPercent: 100,
      psiMemoryLowPercent: 99,
      samples: 2,
    },
    alerts: {
      on: ['crashed', 'fatal', 'config_error', 'orphan_reaped', 'out_of_sync'],
      throttleSeconds: 0,
      email: {
        from: 'nodewarden@localhost',
        to: ['operator@localhost'],
        smtp: { host: '127.0.0.1', port: smtpPort },
      },
    },
  };
  const template = {
    binary: process.execPath,
    env: { NODEWARDEN_CHAOS_RUN: runId, NODEWARDEN_CHAOS_NODE: '{{name}}' },
    dataDir: path.join(base, 'data', '{{name}}'),
    restart: {
      startSeconds: 1,
      maxRetries: 1000,
      fatalRetryMs: 5000,
      backoffMs: 200,
      backoffMaxMs: 2000,
      stableSeconds: 5,
    },
    stop: { graceMs: STOP_GRACE_MS },
    logs: { maxBytes: 16384, backups: 40 },
    sync: { maxLag: 20, windowMs: 8000, stallMs: 8000, startupGraceMs: 8000 },
  };
  fs.writeFileSync(path.join(configDir, 'nodewarden.json'), JSON.stringify(manager, null, 2) + '\n');
  fs.writeFileSync(path.join(configDir, 'template.json'), JSON.stringify(template, null, 2) + '\n');
  for (let i = 1; i <= nodes; i++) {
    writeNodeFile(fleet, nodeName(i), nodeBody(fleet, i));
    fleet.journal.nodes[nodeName(i)] = expectation(i, now);
  }
  return fleet;
}

/** The sim flags every node shares. */
export function simCommon(fleet: Fleet): string[] {
  return [
    '--chain-file',
    fleet.chainFile,
    '--block-ms',
    '500',
    '--chaos-lines',
    '200',
    '--seq-dir',
    fleet.journal.run.seqDir,
    '--stall-file',
    path.join(fleet.stallDir, '{{name}}'),
    '--stop-delay',
    '100',
  ];
}
