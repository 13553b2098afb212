/**
 * What the invariant tests share: a journal over a temp run root, real sim
 * processes tagged with a run's environment (ended by pid after each test),
 * and a real store file made by nodewarden's own migrations.
 */
import { spawn, spawnSync, type ChildProcess } from 'node:child_process';
import fs from 'node:fs';
import path from 'node:path';
import { fileURLToPath } from 'node:url';
import Database from 'better-sqlite3';
import type { Journal, NodeExpectation } from '../../chaos/journal.js';
import { applyMigrations } from '../../src/store/migrations.js';
import { isAlive } from '../../src/supervisor/proc.js';
import { SIM, tmpDir } from '../helpers/daemon.js';
import { waitUntil } from '../helpers/wait.js';

export const SLEEPER = fileURLToPath(new URL('../../src/sim/sleeper.js', import.meta.url));

/** A journal of a run rooted in a fresh temp dir, with one manager (this test process) running since a minute ago. */
export function makeJournal(over: Partial<Journal['run']> = {}): Journal {
  const root = tmpDir();
  const now = Date.now();
  const run: Journal['run'] = {
    seed: 1,
    runId: `test-${process.pid}-${Math.random().toString(36).slice(2)}`,
    nodes: 0,
    startedAt: now - 60_000,
    root,
    configDir: path.join(root, 'configs'),
    logDir: path.join(root, 'logs'),
    stateDir: path.join(root, 'state'),
    dbPath: path.join(root, 'state', 'nodewarden.db'),
    seqDir: path.join(root, 'seq'),
    smtpPort: 0,
    sinkFile: path.join(root, 'sink.jsonl'),
    minHealthy: {},
    graceMs: 1_000,
    recoverBoundMs: 300,
    ...over,
  };
  for (const d of [run.logDir, run.stateDir, run.seqDir]) fs.mkdirSync(d, { recursive: true });
  return {
    run,
    faults: [],
    managers: [{ pid: process.pid, startedAt: now - 60_000 }],
    nodes: {},
    logDirUnwritable: [],
    dbReadOnly: [],
    smtpDown: [],
  };
}

/** Adds node `name` to the journal with a history of (at, desired, held) entries. */
export function addNode(
  j: Journal,
  name: string,
  history: Array<[number, NodeExpectation['desired'], boolean]>,
  group: string | null = null,
): NodeExpectation {
  const last = history[history.length - 1]!;
  const n: NodeExpectation = {
    name,
    group,
    withChildren: false,
    viaShell: false,
    desired: last[1],
    held: last[2],
    history: history.map(([at, desired, held]) => ({ at, desired, held, by: 'test' })),
  };
  j.nodes[name] = n;
  return n;
}

/** Processes a test started; `endAll` kills what is still alive, by pid. */
export class Procs {
  private readonly pids = new Set<number>();

  private env(j: Journal, node: string): NodeJS.ProcessEnv {
    return { ...process.env, NODEWARDEN_CHAOS_RUN: j.run.runId, NODEWARDEN_CHAOS_NODE: node };
  }

  /**
   * Spawns node with `args`, tagged as `node`'s, and resolves once its stdout
   * holds `ready`, with what it printed so far.
   */
  private async spawnTagged(
    j: Journal,
    node: string,
    args: string[],
    ready: string,
    what: string,
  ): Promise<{ child: ChildProcess; out: string }> {
    const child = spawn(process.execPath, args, {
      env: this.env(j, node),
      stdio: ['ignore', 'pipe', 'ignore'],
    });
    this.pids.add(child.pid!);
    let out = '';
    child.stdout!.setEncoding('utf8');
    child.stdout!.on('data', (d: string) => (out += d));
    await waitUntil(() => out.includes(ready), what, 20_000);
    return { child, out };
  }

  /** A sim node of `node` (a main process); resolves with its pid and grandchild pid once it is READY. */
  async sim(
    j: Journal,
    node: string,
    extra: string[] = [],
  ): Promise<{ pid: number; child: ChildProcess; grandchild: number | null }> {
    const { child, out } = await this.spawnTagged(
      j,
      node,
      [SIM, '--name', node, '--port', '0', ...extra],
      'READY pid=',
      `${node} sim READY`,
    );
    const g = /GRANDCHILD pid=(\d+)/.exec(out);
    if (g) this.pids.add(Number(g[1]));
    return { pid: child.pid!, child, grandchild: g ? Number(g[1]) : null };
  }

  /** A lone sleeper tagged as `node`'s, outside any main's tree. */
  async sleeper(j: Journal, node: string): Promise<number> {
    const { child } = await this.spawnTagged(j, node, [SLEEPER], 'SLEEPER READY', 'sleeper READY');
    return child.pid!;
  }

  async kill(pid: number): Promise<void> {
    try {
      process.kill(pid, 'SIGKILL');
    } catch {
      // already gone
    }
    await waitUntil(() => !isAlive(pid), `pid ${pid} gone`, 20_000);
  }

  async endAll(): Promise<void> {
    for (const pid of this.pids) await this.kill(pid);
    this.pids.clear();
  }
}

/** The pid of a process that has already ended. */
export function deadPid(): number {
  const r = spawnSync(process.execPath, ['-e', '0']);
  return r.pid;
}

/** A store file at the journal's dbPath, made by nodewarden's migrations; the caller fills it. */
export function makeStore(j: Journal): Database.Database {
  const db = new Database(j.run.dbPath);
  db.pragma('journal_mode = WAL');
  applyMigrations(db);
  return db;
}

export function insertEvent(
  db: Database.Database,
  e: {
    ts: number;
    node: string | null;
    type: string;
    reason?: string | null;
    details?: Record<string, unknown>;
  },
): void {
  db.prepare('INSERT INTO events (ts, node, type, severity, reason, details) VALUES (?, ?, ?, ?, ?, ?)').run(
    e.ts,
    e.node,
    e.type,
    'info',
    e.reason ?? null,
    JSON.stringify(e.details ?? {}),
  );
}

export function insertInterval(
  db: Database.Database,
  iv: { node: string; state: string; pid?: number | null; start: number; end: number | null },
): void {
  db.prepare(
    'INSERT INTO state_intervals (node, state, pid, start_ts, end_ts, end_reason) VALUES (?, ?, ?, ?, ?, ?)',
  ).run(iv.node, iv.state, iv.pid ?? null, iv.start, iv.end, iv.end === null ? null : 'transition');
}

export function insertOutbox(
  db: Database.Database,
  r: { createdTs: number; status: 'pending' | 'sent' | 'failed'; messageId: string; subject: string },
): void {
  db.prepare(
    `INSERT INTO outbox (created_ts, channel, key, payload, attempts, next_attempt_ts, status, sent_ts)
     VALUES (?, 'email', ?, ?, 1, ?, ?, ?)`,
  ).run(
    r.createdTs,
    `k-${r.messageId}`,
    JSON.stringify({ messageId: r.messageId, subject: r.subject, text: 'x', to: ['ops@example.org'] }),
    r.createdTs,
    r.status,
    r.status === 'sent' ? r.createdTs + 10 : null,
  );
}

/** Options that keep the invariants' waits short in tests (bounds stay failure bounds). */
export const FAST = { pollMs: 20, logSettleMs: 0, alertDrainMs: 200, bootSlackMs: 0 };
