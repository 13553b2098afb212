/**
 * What a chaos run did and what it expects, shared by the driver (which writes
 * it as it injects faults) and the invariants (which read it and check the
 * world from outside: /proc, the files, the SMTP sink, the SQLite file opened
 * read-only). Times are wall-clock ms (Date.now()).
 */

/** The fixed facts of one run: where everything lives. */
export interface ChaosRun {
  seed: number;
  /** Distinct id put into every node's environment (`NODEWARDEN_CHAOS_RUN`), so /proc can be searched by it. */
  runId: string;
  nodes: number;
  startedAt: number;
  /** Temp root of the run; everything below is inside it. */
  root: string;
  configDir: string;
  /** The nodes' log directory (`logs.dir`). */
  logDir: string;
  /** The manager's state directory and its SQLite file. */
  stateDir: string;
  dbPath: string;
  /** Where each sim process records how many numbered lines it has written (see the sim's `--seq-file`). */
  seqDir: string;
  /** Loopback port of the SMTP sink; the sink appends every message it accepts to `sinkFile` (JSON lines). */
  smtpPort: number;
  sinkFile: string;
  /** `sync.minHealthy` per group, as configured. */
  minHealthy: Record<string, number>;
  /** A node's stop grace (`stop.timeoutMs` + slack) after which none of its processes may remain. */
  graceMs: number;
  /** How long after the last fault every node that should run must be running. */
  recoverBoundMs: number;
}

/** One fault as injected. */
export interface FaultRecord {
  seq: number;
  at: number;
  /** e.g. `kill9-node`, `stop-grandchild`, `kill9-manager`, `reload-broken`, `verb-hold`, `smtp-down`. */
  kind: string;
  /** Node name(s), pid, or file the fault touched. */
  target: string;
  detail: string;
  /** When the fault's effect ended (SIGCONT sent, SMTP back, directory writable again); absent while in effect or for instant faults. */
  endedAt?: number;
}

/** One `nodewarden run` process of the run. */
export interface ManagerRun {
  pid: number;
  startedAt: number;
  endedAt?: number;
  /** How it ended: `kill9`, `shutdown-keep-nodes`, `shutdown`, or absent while running. */
  endedBy?: string;
}

/** What the operator (the driver) has asked of one node, as a timeline. */
export interface NodeExpectation {
  name: string;
  group: string | null;
  /** Has child and grandchild processes (`--spawn-child`). */
  withChildren: boolean;
  /** Started through a shell script that execs the sim. */
  viaShell: boolean;
  /** Current wish: running, stopped (by a verb) or removed (its file deleted and reloaded). */
  desired: 'running' | 'stopped' | 'removed';
  held: boolean;
  /** Each change of `desired` or `held`, in order. */
  history: Array<{ at: number; desired: NodeExpectation['desired']; held: boolean; by: string }>;
}

/** A span of time during which a fault was in effect. */
export interface Window {
  from: number;
  to?: number;
}

export interface Journal {
  run: ChaosRun;
  faults: FaultRecord[];
  managers: ManagerRun[];
  nodes: Record<string, NodeExpectation>;
  /** Spans when the log directory was unwritable: line drops are allowed only in these, and counted. */
  logDirUnwritable: Window[];
  /** Spans when the state database was read-only. */
  dbReadOnly: Window[];
  /** Spans when the SMTP sink was down. */
  smtpDown: Window[];
}

/** One broken invariant, with what shows it. */
export interface Violation {
  invariant: number;
  message: string;
  evidence: string[];
}

/** When a check runs: right after a fault settles, or at the end of the run after the recovery bound. */
export type CheckPhase = 'fault' | 'final';

export interface CheckContext {
  journal: Journal;
  phase: CheckPhase;
  /** The fault just injected (phase `fault`). */
  fault?: FaultRecord;
}

/** One of the seven invariants; stateful (e.g. the RSS one keeps its samples) and made once per run. */
export interface Invariant {
  id: number;
  name: string;
  check(ctx: CheckContext): Promise<Violation[]>;
}
