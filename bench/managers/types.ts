/**
 * What the scenarios need from a process manager under test. Each manager
 * adapter runs a PRIVATE instance: its own config, socket, pid file and logs
 * in the launch's directory, nothing in the user's home or /etc.
 */

export type ManagerName = 'nodewarden' | 'supervisord' | 'pm2';
export const MANAGER_NAMES: readonly ManagerName[] = ['nodewarden', 'supervisord', 'pm2'];

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
  /** One program writing numbered lines flat out (name `spew`). */
  readonly spew?: { readonly countFile: string; readonly seconds: number };
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
  /** Find or install it in the run's temp root; returns its version. Throws when unavailable. */
  prepare(root: string): Promise<string>;
  /** Start the manager with the workload; returns once the start command was issued. */
  launch(w: Workload): Promise<Launched>;
}
