/**
 * What the scenarios need from a process manager under test. Each manager
 * adapter runs a PRIVATE instance: its own config, socket, pid file and logs
 * in the launch's directory, nothing in the user's home or /etc.
 */

export type ManagerName = 'nodewarden' | 'runit' | 'supervisord' | 'pm2';
export const MANAGER_NAMES: readonly ManagerName[] = ['nodewarden', 'runit', 'supervisord', 'pm2'];

/** How a launch brings its programs up: the manager started cold with autostart, or already running and then told to start all. */
export type StartPath = 'boot' | 'api';

/** The sleepers write numbered lines at a steady rate instead of sleeping (the many-writers scenario). */
export interface WriterMode {
  /** Bytes per second each writer writes (100-byte lines). */
  readonly bytesPerSecond: number;
  readonly seconds: number;
}

/** The programs one launch supervises. */
export interface Workload {
  /** The launch's private directory (configs, state, sockets). */
  readonly dir: string;
  /** The compiled nwb-child. */
  readonly child: string;
  /** Where the sleepers write their `<id>.start` / `<id>.stop` stamps. */
  readonly stampDir: string;
  /** Where program logs go. */
  readonly logDir: string;
  /** Sleeper instances, ids 1..sleepers. */
  readonly sleepers: number;
  /**
   * One program writing numbered lines flat out (name `spew`). With `onSignal`
   * it stamps `<countFile>.ready` at exec and writes only after SIGUSR1.
   */
  readonly spew?: { readonly countFile: string; readonly seconds: number; readonly onSignal?: boolean };
  /** When set, the sleepers are writers (`nwb-child write`), each waiting for SIGUSR1. */
  readonly writers?: WriterMode;
  /** Size rotation of the programs' logs (default 10 MiB), keeping 5 old files. */
  readonly logMaxBytes?: number;
  /** 'api': the programs are not started with the manager; `Launched.startAll()` starts them. */
  readonly startPath?: StartPath;
}

/** What the manager costs right now: its CPU so far and its memory. */
export interface Cost {
  /** utime + stime of the manager's processes, clock ticks. */
  readonly cpuTicks: number;
  /** Resident memory (VmRSS, or summed PSS for a manager made of many processes). */
  readonly rssBytes: number;
}

/** The command line of the sleeper or writer with index i, after the binary. */
export function sleeperArgs(w: Workload, i: number | string): string[] {
  return w.writers
    ? ['write', w.stampDir, String(i), String(w.writers.bytesPerSecond), String(w.writers.seconds)]
    : ['sleep', w.stampDir, String(i)];
}

/** The spew program's command line, after the binary. */
export function spewArgs(w: Workload): string[] {
  const s = w.spew!;
  return ['spew', s.countFile, String(s.seconds), ...(s.onSignal ? ['signal'] : [])];
}

/** One running instance of a manager. */
export interface Launched {
  /** Resolves to the supervising process's pid (PM2: the God daemon). */
  managerPid(timeoutMs?: number): Promise<number>;
  /**
   * Throws (with the tail of the manager's console output) when the manager
   * process has died; waits call it so that a crashed manager fails fast.
   */
  assertRunning(): void;
  /** Ask the manager to stop every program and exit (SIGTERM to the manager). */
  stop(): Promise<void>;
  /** Resolves true once the manager process is gone, false after timeoutMs. */
  waitExit(timeoutMs: number): Promise<boolean>;
  /** The spew program's log files, oldest first (rotated ones, then current). */
  spewLogFiles(): string[];
  /** A program's log files by its name (`spew`, `sleeper-7`), oldest first. */
  logFiles(name: string): string[];
  /**
   * API path: resolves once the manager accepts a start command (its programs
   * are all stopped); then startAll() issues it and resolves when the command returns.
   */
  ready(timeoutMs: number): Promise<void>;
  startAll(): Promise<void>;
  /** The manager's cost now; null when it is gone. */
  cost(): Cost | null;
  /** Where the manager keeps an event store: how many events of a type it holds (nodewarden). */
  countEvents?(type: string): number | null;
  /** Ends everything of this launch, by pid (idempotent). */
  dispose(): Promise<void>;
  /**
   * Launch → the manager reported itself ready to start its programs (ms,
   * wall clock), where the manager says so (nodewarden's `manager_started`).
   */
  bootMs?(): number | null;
  /** The manager's console output, for error reports. */
  readonly consoleLog: string;
}

export interface Manager {
  readonly name: ManagerName;
  readonly label: string;
  /** Remarks on how it was set up (e.g. "no log rotation"), shown in BENCHMARKS.md. */
  readonly notes: string[];
  /** What its start-all command is, for the report. */
  readonly startAllCommand: string;
  /** Find or install it in the run's temp root; returns its version. Throws when unavailable. */
  prepare(root: string): Promise<string>;
  /** Start the manager with the workload; returns once the start command was issued. */
  launch(w: Workload): Promise<Launched>;
}
