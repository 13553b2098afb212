import { NodewardenError } from '../../src/errors.js';
import type {
  ExitInfo,
  ProcessDriver,
  ProcessIdentity,
  SpawnedProcess,
  SpawnOptions,
} from '../../src/supervisor/driver.js';

/** A process the fake driver pretends to run. */
export interface FakeProcess {
  readonly identity: ProcessIdentity;
  /** The spawn options (null for a watched survivor). */
  readonly opts: SpawnOptions | null;
  /** The test clock's time when it was spawned or watched. */
  readonly at: number;
  /** How it ended, or null while "alive". */
  exit: ExitInfo | null;
  readonly resolve: (exit: ExitInfo) => void;
}

/** Let pending promise callbacks (spawn results, exit reports) run. */
export function flush(): Promise<void> {
  return new Promise((resolve) => setImmediate(resolve));
}

/**
 * A ProcessDriver that forks nothing: it records spawn / signalGroup / killTree
 * calls, hands out fake pids, and lets the test decide when a process exits
 * (`exit(pid, code, signal)`) or that the next spawn fails.
 */
export class FakeDriver implements ProcessDriver {
  readonly processes: FakeProcess[] = [];
  readonly signals: Array<{ pgid: number; signal: NodeJS.Signals }> = [];
  readonly kills: Array<{ pid: number; pgid: number }> = [];
  /** killTree ends the process at once with SIGKILL (default: the test calls `exit`). */
  exitOnKill = false;
  private nextPid: number;
  private readonly failures: string[] = [];
  private readonly execed = new Map<number, readonly string[]>();
  private readonly now: () => number;

  /** `now` stamps each process's `at` (pass the test clock's). */
  constructor(opts: { firstPid?: number; now?: () => number } = {}) {
    this.nextPid = opts.firstPid ?? 1000;
    this.now = opts.now ?? (() => 0);
  }

  /** Make the next spawn reject with E_SPAWN_FAILED and this message. */
  failNextSpawn(message = 'spawn /opt/node/bin/node ENOENT'): void {
    this.failures.push(message);
  }

  /** Spawned processes only (not watched survivors), in order. */
  get spawns(): FakeProcess[] {
    return this.processes.filter((p) => p.opts !== null);
  }

  /** The newest spawned process. */
  get last(): FakeProcess {
    const p = this.spawns.at(-1);
    if (!p) throw new Error('FakeDriver: nothing spawned yet');
    return p;
  }

  alive(): FakeProcess[] {
    return this.processes.filter((p) => p.exit === null);
  }

  async spawn(opts: SpawnOptions): Promise<SpawnedProcess> {
    const failure = this.failures.shift();
    if (failure !== undefined) throw new NodewardenError('E_SPAWN_FAILED', failure);
    const pid = this.nextPid++;
    const identity: ProcessIdentity = {
      pid,
      pgid: pid,
      startTime: String(pid * 7),
      argv: [opts.spec.binary, ...opts.spec.args],
    };
    return { ...identity, exited: this.track(identity, opts) };
  }

  watch(identity: ProcessIdentity): Promise<ExitInfo> {
    return this.track(identity, null);
  }

  /** What a live process is now: its argv after `exec` if the test made it exec; null once it is gone. */
  identify(identity: ProcessIdentity): ProcessIdentity | null {
    const p = this.find(identity.pid);
    if (!p || p.identity.startTime !== identity.startTime) return null;
    return { ...identity, argv: this.execed.get(identity.pid) ?? p.identity.argv };
  }

  /** A live process execs another program (same pid and start time, new argv), as a wrapper does. */
  exec(pid: number, argv: readonly string[]): void {
    if (!this.find(pid)) throw new Error(`FakeDriver: no live process with pid ${pid}`);
    this.execed.set(pid, argv);
  }

  signalGroup(pgid: number, signal: NodeJS.Signals): void {
    this.signals.push({ pgid, signal });
  }

  async killTree(pid: number, pgid: number): Promise<void> {
    this.kills.push({ pid, pgid });
    if (this.exitOnKill && this.find(pid)) this.exit(pid, null, 'SIGKILL');
  }

  /** End a live process; its `exited` promise resolves. */
  exit(pid: number, code: number | null = 0, signal: NodeJS.Signals | null = null): void {
    const p = this.find(pid);
    if (!p) throw new Error(`FakeDriver: no live process with pid ${pid}`);
    p.exit = { code, signal };
    p.resolve(p.exit);
  }

  private find(pid: number): FakeProcess | undefined {
    return this.processes.find((p) => p.identity.pid === pid && p.exit === null);
  }

  private track(identity: ProcessIdentity, opts: SpawnOptions | null): Promise<ExitInfo> {
    let resolve!: (exit: ExitInfo) => void;
    const exited = new Promise<ExitInfo>((r) => (resolve = r));
    this.processes.push({ identity, opts, at: this.now(), exit: null, resolve });
    return exited;
  }
}
