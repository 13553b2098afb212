/**
 * Every fault a chaos run injects, each recorded in the journal as it happens.
 * Instant faults (kill -9, verbs, reloads, manager restarts) are followed by a
 * wait for the fleet to settle; lasting ones (SIGSTOP, SMTP down, log dir
 * unwritable, database read-only, a stalled height, host pressure, a broken
 * node file) become active effects, ended after a seeded random time.
 *
 * Root ignores file permissions, so "unwritable" and "read-only" use the
 * immutable attribute (`chattr +i`): on the directory no entry can be created
 * or renamed, on a file every write fails with EPERM, also through a file
 * descriptor opened before, which chmod or a read-only bind mount would not do.
 */
import fs from 'node:fs';
import path from 'node:path';
import { expectation, meminfo, nodeBody, nodeName, writeNodeFile } from './fleet.js';
import type { FaultRecord, NodeExpectation, Violation } from './journal.js';
import { runProcesses } from './procs.js';
import { chattr, sleep, type ChaosRun } from './run.js';

export type FaultKind =
  | 'kill9-node'
  | 'stop-node'
  | 'kill9-grandchild'
  | 'stop-grandchild'
  | 'kill9-manager'
  | 'shutdown-keep-nodes'
  | 'reload-changed'
  | 'reload-added'
  | 'reload-removed'
  | 'reload-broken'
  | 'verb-start'
  | 'verb-stop'
  | 'verb-restart'
  | 'verb-hold'
  | 'verb-release'
  | 'verbs-concurrent'
  | 'smtp-down'
  | 'logdir-unwritable'
  | 'db-readonly'
  | 'stall-height'
  | 'host-pressure';

/** A lasting fault still in effect. */
export interface ActiveEffect {
  kind: FaultKind;
  fault: FaultRecord;
  endAt: number;
  end: () => Promise<void>;
}

const WEIGHTS: ReadonlyArray<readonly [FaultKind, number]> = [
  ['kill9-node', 4],
  ['stop-node', 2],
  ['kill9-grandchild', 2],
  ['stop-grandchild', 1],
  ['kill9-manager', 1.5],
  ['shutdown-keep-nodes', 1.5],
  ['reload-changed', 1],
  ['reload-added', 1],
  ['reload-removed', 1],
  ['reload-broken', 1],
  ['verb-start', 1],
  ['verb-stop', 1],
  ['verb-restart', 1],
  ['verb-hold', 1],
  ['verb-release', 1],
  ['verbs-concurrent', 1.5],
  ['smtp-down', 1],
  ['logdir-unwritable', 1],
  ['db-readonly', 1],
  ['stall-height', 1],
  ['host-pressure', 1],
];

/** Lasting faults that stop a new manager from starting or a reload from applying while on. */
const BLOCKS_MANAGER: readonly FaultKind[] = ['reload-broken', 'db-readonly', 'logdir-unwritable'];
const MANAGER_KINDS: readonly FaultKind[] = ['kill9-manager', 'shutdown-keep-nodes'];
const RELOAD_KINDS: readonly FaultKind[] = [
  'reload-changed',
  'reload-added',
  'reload-removed',
  'reload-broken',
];

type Verb = 'start' | 'stop' | 'restart' | 'hold' | 'release';

export interface Faults {
  /** Picks and injects one fault, then checks; returns the violations. */
  injectOne(): Promise<Violation[]>;
  /** Ends the lasting effects whose time has come (all of them with `all`), checking after each. */
  endDue(all: boolean): Promise<Violation[]>;
  /** Leaves the fleet clean for the final check: every held node released. */
  tidy(): Promise<Violation[]>;
}

export function makeFaults(run: ChaosRun): Faults {
  const { prng } = run;
  const j = (): ChaosRun['journal'] => run.journal;
  const active = (kind: FaultKind): boolean => run.effects.some((e) => e.kind === kind);

  const nodes = (pred: (n: NodeExpectation) => boolean): NodeExpectation[] =>
    Object.values(j().nodes).filter(pred);
  const runningNodes = (): NodeExpectation[] => nodes((n) => n.desired === 'running' && !n.held);

  const setWish = (
    n: NodeExpectation,
    by: string,
    change: Partial<Pick<NodeExpectation, 'desired' | 'held'>>,
  ): void => {
    Object.assign(n, change);
    n.history.push({ at: Date.now(), desired: n.desired, held: n.held, by });
  };

  const mainPid = (name: string): number | null =>
    runProcesses(j().run.runId).find((p) => p.node === name && p.main)?.pid ?? null;
  const descendantPid = (name: string): number | null =>
    runProcesses(j().run.runId).find((p) => p.node === name && p.descendant)?.pid ?? null;

  const signal = (pid: number, sig: NodeJS.Signals): boolean => {
    try {
      process.kill(pid, sig);
      return true;
    } catch {
      return false;
    }
  };

  const addEffect = (
    kind: FaultKind,
    fault: FaultRecord,
    minMs: number,
    maxMs: number,
    end: () => Promise<void>,
  ): void => {
    run.effects.push({ kind, fault, endAt: Date.now() + prng.int(minMs, maxMs), end });
  };

  /** Runs one operator verb through the CLI and keeps the journal's wishes in step. */
  const verb = async (v: Verb, n: NodeExpectation): Promise<string> => {
    const before = { desired: n.desired, held: n.held };
    if (v === 'start' || v === 'restart') setWish(n, `verb-${v}`, { desired: 'running' });
    if (v === 'stop') setWish(n, 'verb-stop', { desired: 'stopped' });
    if (v === 'hold') setWish(n, 'verb-hold', { held: true });
    if (v === 'release') setWish(n, 'verb-release', { held: false });
    const r = await run.cli([v, n.name]);
    if (r.code !== 0) {
      // Not applied: the wish goes back to what it was.
      setWish(n, `verb-${v}-refused`, before);
      return `${v} ${n.name}: exit ${r.code} ${r.stderr.trim().split('\n')[0] ?? ''}`;
    }
    return `${v} ${n.name}: ok`;
  };

  /** A target for a verb, or null when none fits now. */
  const verbTarget = (v: Verb, taken: Set<string>): NodeExpectation | null => {
    const free = (n: NodeExpectation): boolean => !taken.has(n.name) && n.desired !== 'removed';
    const all = Object.values(j().nodes).filter((n) => n.desired !== 'removed');
    let pool: NodeExpectation[];
    if (v === 'start') pool = nodes((n) => free(n) && !n.held && n.desired === 'stopped');
    else if (v === 'stop')
      pool =
        nodes((n) => n.desired === 'stopped').length >= Math.max(1, Math.floor(all.length / 5))
          ? []
          : nodes((n) => free(n) && !n.held && n.desired === 'running');
    else if (v === 'restart') pool = nodes((n) => free(n) && !n.held && n.desired === 'running');
    else if (v === 'hold')
      pool =
        nodes((n) => n.held).length >= 2 ? [] : nodes((n) => free(n) && !n.held && n.desired === 'running');
    else pool = nodes((n) => free(n) && n.held);
    return pool.length === 0 ? null : prng.pick(pool);
  };

  const reload = async (): Promise<string> => {
    const r = await run.cli(['reload']);
    return `reload exit ${r.code}${r.code === 0 ? '' : `: ${r.stderr.trim().split('\n')[0] ?? ''}`}`;
  };

  const nodeIndex = (name: string): number => Number(name.slice(1));

  /** Injects a fault of `kind`; null when it does not apply now (no target, already on). */
  const inject = async (kind: FaultKind): Promise<{ fault: FaultRecord; instant: boolean } | null> => {
    const blocked = BLOCKS_MANAGER.some(active);
    if (blocked && (MANAGER_KINDS.includes(kind) || RELOAD_KINDS.includes(kind))) return null;
    switch (kind) {
      case 'kill9-node':
      case 'stop-node': {
        const pool = runningNodes();
        if (pool.length === 0) return null;
        const n = prng.pick(pool);
        const pid = mainPid(n.name);
        if (pid === null) return null;
        if (kind === 'kill9-node') {
          signal(pid, 'SIGKILL');
          return { fault: run.record(kind, n.name, `pid ${pid}`), instant: true };
        }
        signal(pid, 'SIGSTOP');
        const f = run.record(kind, n.name, `SIGSTOP pid ${pid}`);
        addEffect(kind, f, 1000, 5000, async () => {
          signal(pid, 'SIGCONT');
        });
        return { fault: f, instant: false };
      }
      case 'kill9-grandchild':
      case 'stop-grandchild': {
        const withKids = runningNodes().filter((n) => n.withChildren);
        const found = withKids.map((n) => [n, descendantPid(n.name)] as const).filter(([, p]) => p !== null);
        if (found.length === 0) return null;
        const [n, pid] = prng.pick(found);
        if (kind === 'kill9-grandchild') {
          signal(pid!, 'SIGKILL');
          return { fault: run.record(kind, n.name, `grandchild pid ${pid}`), instant: true };
        }
        signal(pid!, 'SIGSTOP');
        const f = run.record(kind, n.name, `SIGSTOP grandchild pid ${pid}`);
        addEffect(kind, f, 1000, 5000, async () => {
          signal(pid!, 'SIGCONT');
        });
        return { fault: f, instant: false };
      }
      case 'kill9-manager':
      case 'shutdown-keep-nodes': {
        const old = run.manager?.pid ?? 0;
        const f = run.record(kind, `manager pid ${old}`, '');
        await run.endManager(kind === 'kill9-manager' ? 'kill9' : 'shutdown-keep-nodes');
        // Nodes run unmanaged for a moment, their lines held in the FIFOs.
        await sleep(prng.int(0, 2000));
        await run.startManager();
        f.detail = `new manager pid ${run.manager?.pid}`;
        return { fault: f, instant: true };
      }
      case 'reload-changed': {
        const pool = nodes((n) => n.desired !== 'removed' && !n.held);
        if (pool.length === 0) return null;
        const n = prng.pick(pool);
        const peers = prng.int(9, 40); // the fleet starts at 8: always a change
        writeNodeFile(run.fleet, n.name, nodeBody(run.fleet, nodeIndex(n.name), peers));
        const f = run.record(kind, n.name, `--peers ${peers}`);
        f.detail += `; ${await reload()}`;
        return { fault: f, instant: true };
      }
      case 'reload-added': {
        const index = run.fleet.nextIndex++;
        const name = nodeName(index);
        writeNodeFile(run.fleet, name, nodeBody(run.fleet, index));
        j().nodes[name] = expectation(index, Date.now());
        j().nodes[name]!.history[0]!.by = 'reload-added';
        const f = run.record(kind, name, '');
        f.detail = await reload();
        return { fault: f, instant: true };
      }
      case 'reload-removed': {
        const live = nodes((n) => n.desired !== 'removed');
        if (live.length <= Math.ceil(run.opts.nodes * 0.8)) return null;
        const pool = live.filter((n) => !n.held);
        if (pool.length === 0) return null;
        const n = prng.pick(pool);
        fs.rmSync(path.join(j().run.configDir, 'nodes', `${n.name}.json`));
        setWish(n, 'reload-removed', { desired: 'removed' });
        const f = run.record(kind, n.name, '');
        f.detail = await reload();
        return { fault: f, instant: true };
      }
      case 'reload-broken': {
        const pool = nodes((n) => n.desired !== 'removed');
        const n = prng.pick(pool);
        const file = path.join(j().run.configDir, 'nodes', `${n.name}.json`);
        const good = fs.readFileSync(file, 'utf8');
        fs.writeFileSync(file, good.slice(0, Math.floor(good.length / 2)));
        const f = run.record(kind, `nodes/${n.name}.json`, 'truncated');
        f.detail += `; ${await reload()}`;
        addEffect(kind, f, 1000, 4000, async () => {
          fs.writeFileSync(file, good);
          f.detail += `; repaired, ${await reload()}`;
        });
        return { fault: f, instant: true };
      }
      case 'verb-start':
      case 'verb-stop':
      case 'verb-restart':
      case 'verb-hold':
      case 'verb-release': {
        const v = kind.slice(5) as Verb;
        const n = verbTarget(v, new Set());
        if (n === null) return null;
        const f = run.record(kind, n.name, '');
        f.detail = await verb(v, n);
        return { fault: f, instant: true };
      }
      case 'verbs-concurrent': {
        const taken = new Set<string>();
        const picks: Array<[Verb, NodeExpectation]> = [];
        const count = prng.int(2, 4);
        for (let i = 0; i < count * 3 && picks.length < count; i++) {
          const v = prng.pick<Verb>(['start', 'stop', 'restart', 'hold', 'release']);
          const n = verbTarget(v, taken);
          if (n === null) continue;
          taken.add(n.name);
          picks.push([v, n]);
        }
        if (picks.length < 2) return null;
        const f = run.record(
          kind,
          picks.map(([, n]) => n.name).join(','),
          picks.map(([v, n]) => `${v} ${n.name}`).join(', '),
        );
        const results = await Promise.all(picks.map(([v, n]) => verb(v, n)));
        f.detail = results.join('; ');
        return { fault: f, instant: true };
      }
      case 'smtp-down': {
        if (active(kind)) return null;
        await run.sink.stop();
        const f = run.record(kind, `127.0.0.1:${run.sink.port}`, '');
        const w = { from: f.at } as { from: number; to?: number };
        j().smtpDown.push(w);
        addEffect(kind, f, 2000, 10_000, async () => {
          await run.sink.start();
          w.to = Date.now();
        });
        return { fault: f, instant: false };
      }
      case 'logdir-unwritable': {
        if (active(kind)) return null;
        const dir = j().run.logDir;
        const files = fs.readdirSync(dir).map((e) => path.join(dir, e));
        const w = { from: Date.now() } as { from: number; to?: number };
        j().logDirUnwritable.push(w);
        const r = await chattr('+i', [dir, ...files]);
        const f = run.record(
          kind,
          dir,
          r.ok ? `chattr +i on it and ${files.length} files` : `chattr: ${r.stderr.trim()}`,
        );
        addEffect(kind, f, 1000, 4000, async () => {
          await chattr('-i', [dir]);
          await chattr(
            '-i',
            fs.readdirSync(dir).map((e) => path.join(dir, e)),
          );
          w.to = Date.now();
        });
        return { fault: f, instant: false };
      }
      case 'db-readonly': {
        if (active(kind)) return null;
        const db = j().run.dbPath;
        const files = [db, `${db}-wal`, `${db}-shm`].filter((x) => fs.existsSync(x));
        const w = { from: Date.now() } as { from: number; to?: number };
        j().dbReadOnly.push(w);
        const r = await chattr('+i', files);
        const f = run.record(
          kind,
          db,
          r.ok ? `chattr +i on ${files.length} files` : `chattr: ${r.stderr.trim()}`,
        );
        addEffect(kind, f, 1000, 4000, async () => {
          await chattr('-i', files);
          w.to = Date.now();
        });
        return { fault: f, instant: false };
      }
      case 'stall-height': {
        const pool = runningNodes().filter((n) => !fs.existsSync(path.join(run.fleet.stallDir, n.name)));
        if (pool.length === 0) return null;
        const n = prng.pick(pool);
        const file = path.join(run.fleet.stallDir, n.name);
        fs.writeFileSync(file, '');
        const f = run.record(kind, n.name, '');
        addEffect(kind, f, 3000, 15_000, async () => {
          fs.rmSync(file, { force: true });
        });
        return { fault: f, instant: false };
      }
      case 'host-pressure': {
        if (active(kind)) return null;
        fs.writeFileSync(run.fleet.meminfoFile, meminfo(4));
        const f = run.record(kind, 'memory', '96% used (mark 90%)');
        addEffect(kind, f, 3000, 8000, async () => {
          fs.writeFileSync(run.fleet.meminfoFile, meminfo(60));
        });
        return { fault: f, instant: false };
      }
    }
  };

  return {
    async injectOne() {
      for (let attempt = 0; attempt < 10; attempt++) {
        const kind = prng.weighted(WEIGHTS);
        const done = await inject(kind);
        if (done === null) continue;
        return run.afterFault(done.fault, done.instant);
      }
      return [];
    },
    async endDue(all) {
      const now = Date.now();
      const due = run.effects.filter((e) => all || e.endAt <= now);
      for (const e of due) {
        run.effects.splice(run.effects.indexOf(e), 1);
        await e.end();
        e.fault.endedAt = Date.now();
        run.log(`chaos: #${e.fault.seq} ${e.kind} ended`);
        const v = await run.afterFault(e.fault, true);
        if (v.length > 0) return v;
      }
      return [];
    },
    async tidy() {
      for (const n of nodes((x) => x.held && x.desired !== 'removed')) {
        const f = run.record('verb-release', n.name, '');
        f.detail = await verb('release', n);
        const v = await run.afterFault(f, true);
        if (v.length > 0) return v;
      }
      return [];
    },
  };
}
