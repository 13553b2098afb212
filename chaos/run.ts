/**
 * The chaos driver: boots the fleet, the SMTP sink and a real `nodewarden run`,
 * then injects seeded random faults until the time is up. After each fault it
 * waits (bounded) for the fleet to settle and runs the invariants; the first
 * violation ends the run with the seed, the fault sequence and the evidence.
 */
import { execFile } from 'node:child_process';
import fs from 'node:fs';
import path from 'node:path';
import { makeFaults, type ActiveEffect, type FaultKind } from './faults.js';
import { makeFleet, type Fleet } from './fleet.js';
import type { CheckPhase, FaultRecord, Invariant, Journal, Violation } from './journal.js';
import { makeChecks } from './checks.js';
import { ManagerProcess, runCli } from './manager.js';
import type { ChaosOptions } from './options.js';
import { alive, rssBytes, runProcesses } from './procs.js';
import { Prng } from './prng.js';
import { SmtpSink } from './sink.js';

export const sleep = (ms: number): Promise<void> => new Promise((r) => setTimeout(r, ms));

/** Time to wait for the fleet to settle after an instant fault before checking anyway. */
const SETTLE_BOUND_MS = 45_000;

export interface NodeStatusRow {
  name: string;
  state: string;
  pid: number | null;
  held: boolean;
}

export interface RunOutcome {
  passed: boolean;
  text: string;
}

export class ChaosRun {
  readonly prng: Prng;
  fleet!: Fleet;
  sink!: SmtpSink;
  manager: ManagerProcess | null = null;
  readonly effects: ActiveEffect[] = [];
  private invariants: Invariant[] = [];
  readonly faultsPerKind = new Map<string, number>();
  checksMade = 0;
  checkRounds = 0;
  longestRecover = { ms: 0, fault: '' };
  peakRss = 0;
  /** A manager that exited without being told to: reported as a violation. */
  private unexpectedExit: string | null = null;
  readonly log: (line: string) => void;

  constructor(
    readonly opts: ChaosOptions,
    log: (line: string) => void,
  ) {
    this.prng = new Prng(opts.seed);
    this.log = log;
  }

  get journal(): Journal {
    return this.fleet.journal;
  }

  cli(args: string[], timeoutMs?: number): ReturnType<typeof runCli> {
    return runCli(this.journal.run.configDir, args, timeoutMs);
  }

  /** Starts a new `nodewarden run` and waits until it answers. */
  async startManager(): Promise<void> {
    const env: NodeJS.ProcessEnv = { ...process.env, NODEWARDEN_HOST_MEMINFO: this.fleet.meminfoFile };
    delete env.NODEWARDEN_CONFIG;
    const m = new ManagerProcess(this.journal.run.configDir, this.fleet.managerLog, env);
    this.manager = m;
    const record = { pid: m.pid, startedAt: Date.now() } as Journal['managers'][number];
    this.journal.managers.push(record);
    void m.done.then(() => {
      record.endedAt ??= Date.now();
      if (record.endedBy === undefined && this.unexpectedExit === null)
        this.unexpectedExit = `nodewarden run (pid ${m.pid}) exited on its own (${m.exitInfo})`;
    });
    const deadline = Date.now() + 60_000;
    while (Date.now() < deadline) {
      if (m.exited)
        throw new Error(`nodewarden run exited at start (${m.exitInfo}); see ${this.fleet.managerLog}`);
      const r = await this.cli(['status', '--json'], 15_000);
      if (r.code === 0) return;
      await sleep(200);
    }
    throw new Error(`nodewarden run (pid ${m.pid}) did not answer status within 60 s`);
  }

  /** Ends the current manager the given way (the journal says how) and waits for it. */
  async endManager(how: 'kill9' | 'shutdown-keep-nodes' | 'shutdown'): Promise<void> {
    const m = this.manager;
    if (m === null) return;
    const record = this.journal.managers.find((r) => r.pid === m.pid && r.endedAt === undefined);
    if (record) record.endedBy = how;
    if (how === 'kill9') m.kill('SIGKILL');
    else {
      const r = await this.cli(how === 'shutdown' ? ['shutdown'] : ['shutdown', '--keep-nodes'], 120_000);
      if (r.code !== 0 && !m.exited) {
        this.log(`chaos: ${how} answered ${r.code}: ${r.stderr.trim()}; ending it with SIGTERM`);
        m.kill('SIGTERM');
      }
    }
    if (!(await m.waitExit(120_000))) {
      this.log(`chaos: nodewarden run (pid ${m.pid}) still up 120 s after ${how}; killing it`);
      m.kill('SIGKILL');
      await m.waitExit(10_000);
    }
    if (record) record.endedAt = Date.now();
    this.manager = null;
  }

  async status(): Promise<NodeStatusRow[] | null> {
    const r = await this.cli(['status', '--json'], 30_000);
    if (r.code !== 0) return null;
    try {
      return JSON.parse(r.stdout) as NodeStatusRow[];
    } catch {
      return null;
    }
  }

  sampleRss(): void {
    if (this.manager === null || this.manager.exited) return;
    const rss = rssBytes(this.manager.pid);
    if (rss !== null && rss > this.peakRss) this.peakRss = rss;
  }

  /** Node names the driver wants running now (not stopped or removed, not held). */
  wantedRunning(): string[] {
    return Object.values(this.journal.nodes)
      .filter((n) => n.desired === 'running' && !n.held)
      .map((n) => n.name);
  }

  /**
   * Waits until every node that should run is `running` (paused counts while
   * host pressure is on) with one process; gives up quietly after `boundMs`
   * (invariant 2 judges that). Returns the time it took, or null.
   */
  async settle(boundMs = SETTLE_BOUND_MS): Promise<number | null> {
    const t0 = Date.now();
    while (Date.now() - t0 < boundMs) {
      this.sampleRss();
      if (this.unexpectedExit !== null) return null;
      const rows = await this.status();
      if (rows !== null) {
        const byName = new Map(rows.map((r) => [r.name, r]));
        const pressure = this.effects.some((e) => e.kind === 'host-pressure');
        const ok = this.wantedRunning().every((n) => {
          const row = byName.get(n);
          return row !== undefined && (row.state === 'running' || (pressure && row.state === 'paused'));
        });
        if (ok) {
          const procs = runProcesses(this.journal.run.runId).filter((p) => p.main);
          const counts = new Map<string, number>();
          for (const p of procs) counts.set(p.node, (counts.get(p.node) ?? 0) + 1);
          if ([...counts.values()].every((c) => c <= 1)) return Date.now() - t0;
        }
      }
      await sleep(300);
    }
    return null;
  }

  /** Dumps the journal and runs every invariant; returns the violations. */
  async check(phase: CheckPhase, fault?: FaultRecord): Promise<Violation[]> {
    fs.writeFileSync(path.join(this.journal.run.root, 'journal.json'), JSON.stringify(this.journal, null, 2));
    this.sampleRss();
    const violations: Violation[] = [];
    if (this.unexpectedExit !== null)
      violations.push({ invariant: 0, message: 'the manager must stay up', evidence: [this.unexpectedExit] });
    this.checkRounds++;
    for (const inv of this.invariants) {
      this.checksMade++;
      try {
        violations.push(...(await inv.check({ journal: this.journal, phase, fault })));
      } catch (err) {
        violations.push({
          invariant: inv.id,
          message: `invariant ${inv.id} (${inv.name}) could not be checked`,
          evidence: [String((err as Error).stack ?? err)],
        });
      }
    }
    return violations;
  }

  record(kind: FaultKind, target: string, detail: string): FaultRecord {
    const f: FaultRecord = { seq: this.journal.faults.length + 1, at: Date.now(), kind, target, detail };
    this.journal.faults.push(f);
    this.faultsPerKind.set(kind, (this.faultsPerKind.get(kind) ?? 0) + 1);
    this.log(
      `chaos: #${f.seq} +${((f.at - this.journal.run.startedAt) / 1000).toFixed(1)}s ${kind} ${target}${detail ? ` (${detail})` : ''}`,
    );
    return f;
  }

  /** Waits for the fleet after a fault, notes the recovery time, and checks. */
  async afterFault(fault: FaultRecord, instant: boolean): Promise<Violation[]> {
    if (instant) {
      const took = await this.settle();
      const ms = took === null ? SETTLE_BOUND_MS : Date.now() - fault.at;
      if (ms > this.longestRecover.ms) this.longestRecover = { ms, fault: `#${fault.seq} ${fault.kind}` };
    } else {
      await sleep(300);
    }
    return this.check('fault', fault);
  }

  async main(): Promise<RunOutcome> {
    const { opts } = this;
    this.sink = new SmtpSink('');
    // The sink needs its port before the config is written, and its file after.
    await this.sink.start();
    this.fleet = await makeFleet(opts.seed, opts.nodes, this.sink.port);
    this.sink.file = this.journal.run.sinkFile;
    this.invariants = makeChecks(this.journal);
    this.log(
      `chaos: seed=${opts.seed} nodes=${opts.nodes} duration=${opts.durationMs / 1000}s root=${this.journal.run.root}`,
    );
    const faults = makeFaults(this);
    let violations: Violation[] = [];
    let failed = false;
    try {
      await this.startManager();
      const first = await this.settle(this.journal.run.recoverBoundMs);
      this.log(`chaos: fleet up${first === null ? ' (not all running yet)' : ` in ${first} ms`}`);
      violations = await this.check('fault');
      const endAt = Date.now() + opts.durationMs;
      while (violations.length === 0 && Date.now() < endAt) {
        violations = await faults.endDue(false);
        if (violations.length > 0) break;
        violations = await faults.injectOne();
        if (violations.length > 0) break;
        await sleep(this.prng.int(100, 1500));
      }
      if (violations.length === 0) violations = await faults.endDue(true);
      if (violations.length === 0) violations = await faults.tidy();
      if (violations.length === 0) {
        this.log('chaos: faults over; waiting for the fleet to recover');
        const took = await this.settle(this.journal.run.recoverBoundMs);
        this.log(`chaos: fleet ${took === null ? 'not settled within the bound' : `settled in ${took} ms`}`);
        violations = await this.check('final');
      }
    } catch (err) {
      violations.push({
        invariant: 0,
        message: 'the chaos driver failed',
        evidence: [String((err as Error).stack ?? err)],
      });
    }
    failed = violations.length > 0;
    const text = failed ? this.failureText(violations) : this.summaryText();
    await this.cleanup(failed);
    return { passed: !failed, text };
  }

  private faultLines(): string[] {
    const t0 = this.journal.run.startedAt;
    return this.journal.faults.map(
      (f) =>
        `  #${f.seq} +${((f.at - t0) / 1000).toFixed(1)}s ${f.kind} ${f.target}${f.detail ? ` (${f.detail})` : ''}` +
        (f.endedAt !== undefined ? ` ended +${((f.endedAt - t0) / 1000).toFixed(1)}s` : ''),
    );
  }

  private replay(): string {
    const { opts } = this;
    return `npm run chaos -- --seed ${opts.seed} --nodes ${opts.nodes} --seconds ${opts.durationMs / 1000}`;
  }

  private failureText(violations: Violation[]): string {
    const lines = [`chaos: FAILED seed=${this.opts.seed} (replay: ${this.replay()})`, 'fault sequence:'];
    lines.push(...this.faultLines());
    for (const v of violations) {
      lines.push(`violation of invariant ${v.invariant}: ${v.message}`);
      for (const e of v.evidence) lines.push(`  ${e}`);
    }
    lines.push(`run directory kept: ${this.journal.run.root}`);
    return lines.join('\n');
  }

  private summaryText(): string {
    const kinds = [...this.faultsPerKind.entries()].sort(([a], [b]) => a.localeCompare(b));
    const total = kinds.reduce((a, [, n]) => a + n, 0);
    return [
      `chaos: PASSED seed=${this.opts.seed} nodes=${this.opts.nodes} duration=${this.opts.durationMs / 1000}s`,
      `faults injected: ${total}`,
      ...kinds.map(([k, n]) => `  ${k}: ${n}`),
      `invariant checks made: ${this.checksMade} (${this.checkRounds} rounds of ${this.invariants.length})`,
      `longest time to recover: ${this.longestRecover.ms} ms${this.longestRecover.fault ? ` (${this.longestRecover.fault})` : ''}`,
      `manager peak RSS: ${(this.peakRss / 1048576).toFixed(1)} MiB`,
      `managers started: ${this.journal.managers.length}`,
      `alerts received by the SMTP sink: ${this.sink.accepted}`,
    ].join('\n');
  }

  /** Ends the manager (stopping the nodes), any process of the run left, the sink; removes the root. */
  async cleanup(failed: boolean): Promise<void> {
    const root = this.fleet?.journal.run.root;
    try {
      if (root !== undefined) await unfreeze(this.journal);
      if (this.manager !== null && !this.manager.exited) await this.endManager('shutdown');
    } catch (err) {
      this.log(`chaos: cleanup: ${String(err)}`);
    }
    if (this.manager !== null) {
      this.manager.kill('SIGKILL');
      await this.manager.waitExit(10_000);
    }
    if (root !== undefined) {
      const left = runProcesses(this.journal.run.runId);
      for (const p of left) {
        try {
          process.kill(p.pid, 'SIGKILL');
        } catch {
          // gone meanwhile
        }
      }
      const deadline = Date.now() + 10_000;
      while (left.some((p) => alive(p.pid)) && Date.now() < deadline) await sleep(50);
    }
    await this.sink.stop();
    if (root !== undefined && !failed && !this.opts.keep) fs.rmSync(root, { recursive: true, force: true });
  }
}

export function chattr(flag: '+i' | '-i', files: string[]): Promise<{ ok: boolean; stderr: string }> {
  return new Promise((resolve) => {
    if (files.length === 0) return resolve({ ok: true, stderr: '' });
    execFile('chattr', [flag, ...files], (err, _out, stderr) => resolve({ ok: err === null, stderr }));
  });
}

/** Takes the immutable flag off everything a fault may have left it on (the log dir, the db files). */
export async function unfreeze(journal: Journal): Promise<void> {
  const { logDir, dbPath } = journal.run;
  await chattr('-i', [logDir]);
  const files = fs.existsSync(logDir) ? fs.readdirSync(logDir).map((f) => path.join(logDir, f)) : [];
  await chattr('-i', files);
  await chattr(
    '-i',
    [dbPath, `${dbPath}-wal`, `${dbPath}-shm`].filter((f) => fs.existsSync(f)),
  );
}
