import type { HookKind, NodeSpec } from '../config/types.js';
import type { HookOutcome } from './hooks.js';

/**
 * The seam between the lifecycle and the operating system. The runner calls
 * only these; tests substitute a fake that records calls and lets the test
 * decide when a process "exits", so the lifecycle is tested without forking.
 */

/** How a process ended. `code` and `signal` are null when unknown (an adopted process). */
export interface ExitInfo {
  readonly code: number | null;
  readonly signal: NodeJS.Signals | null;
}

/** Identity of a live node process, as recorded for re-adoption after a manager restart. */
export interface ProcessIdentity {
  readonly pid: number;
  /** Process group id (== pid: every node leads its own group). */
  readonly pgid: number;
  /** Start time in clock ticks since boot, field 22 of /proc/<pid>/stat. */
  readonly startTime: string;
  /** argv as the kernel reports it (/proc/<pid>/cmdline). */
  readonly argv: readonly string[];
}

export interface SpawnedProcess extends ProcessIdentity {
  /** Resolves once when the process has ended (never rejects). */
  readonly exited: Promise<ExitInfo>;
}

export interface SpawnOptions {
  readonly spec: NodeSpec;
  /** File descriptor the node's stdout and stderr go to (its log FIFO, opened read-write). */
  readonly outputFd: number;
}

/**
 * How a driver keeps a node's whole process tree together, so that stopping
 * the node leaves nothing behind: a cgroup per node where the cgroup v2
 * hierarchy is writable, else the process group and session sweep.
 */
export type Containment =
  | {
      readonly mode: 'cgroup';
      /** The cgroup (path in the hierarchy) holding one child cgroup per node. */
      readonly cgroup: string;
      /** The same, as a directory of the mounted hierarchy. */
      readonly dir: string;
    }
  | {
      readonly mode: 'sweep';
      /** Why cgroups are not used. */
      readonly reason: string;
    };

export interface ProcessDriver {
  /** The containment in use (absent for drivers that fork nothing). */
  readonly containment?: Containment;
  /**
   * Render the node's files, create its dataDir and spawn it in its own
   * process group, no shell, stdin ignored. Rejects with a NodewardenError
   * (E_SPAWN_FAILED) when it cannot run (missing binary, bad cwd, bad user).
   */
  spawn(opts: SpawnOptions): Promise<SpawnedProcess>;
  /**
   * Watch a process that this manager did not spawn (re-adopted after a restart).
   * The returned promise resolves when it is gone; exit code and signal are unknown.
   */
  watch(identity: ProcessIdentity): Promise<ExitInfo>;
  /** Send a signal to the whole process group; ESRCH is ignored. */
  signalGroup(pgid: number, signal: NodeJS.Signals): void;
  /** SIGKILL the process group and every descendant of pid (also those that left the group). */
  killTree(pid: number, pgid: number): Promise<void>;
  /**
   * The identity of a live process as it is now: after its exec chain has
   * settled (a wrapper that `exec`s the node binary keeps the pid and start
   * time but changes argv). Null when that exact process is gone. Optional: a
   * driver without it keeps the identity it reported at spawn.
   */
  identify?(identity: ProcessIdentity): ProcessIdentity | null;
  /**
   * Wall-clock ms at which a live process started (from its /proc start
   * time), so a re-adopted survivor's uptime is its real age, not the time
   * since adoption. Optional: without it (or on null) adoption time is used.
   */
  startedAt?(identity: ProcessIdentity): number | null;
  /**
   * The manager is leaving its processes running (`shutdown --keep-nodes`):
   * hold nothing that would keep the manager's process alive on their account.
   */
  release?(): void;
  /**
   * Run a node's postStart, preStop or postStop hook (see hooks.ts); null when
   * it has none. Optional: a driver without it runs no hooks.
   */
  runHook?(spec: NodeSpec, kind: HookKind, output: () => number | null): Promise<HookOutcome> | null;
}
