import type { NodeSpec } from '../config/types.js';
import type { EventInput, RestartReason } from '../events/types.js';
import type { ExitInfo, ProcessIdentity } from './driver.js';
import type { StateKind } from './states.js';

/**
 * The vocabulary of the per-node state machine (machine.ts): the data each
 * state carries, the inputs it reacts to and the effects it asks the runner
 * to perform. All times are the clock's monotonic milliseconds.
 */

/** What a `stopping` node does once its process is gone. */
export type StopThen = 'stop' | 'restart' | 'pause';

/** A node's lifecycle state; each kind carries only its own data. */
export type NodeState =
  | { readonly kind: 'stopped'; readonly since: number }
  | {
      readonly kind: 'starting';
      /** When the spawn was requested. */
      readonly since: number;
      /** Null while the driver's spawn is still in flight. */
      readonly pid: number | null;
      /** Failed starts / early crashes in a row before this one. */
      readonly attempt: number;
    }
  | {
      readonly kind: 'running';
      readonly since: number;
      readonly pid: number;
      /** When the spawn of this process was requested (uptime and the stable-run rule count from here). */
      readonly spawnAt: number;
      readonly attempt: number;
      /** A survivor of a previous manager: its age is unknown, it counts as stable. */
      readonly adopted: boolean;
    }
  | {
      readonly kind: 'backoff';
      readonly since: number;
      readonly attempt: number;
      readonly retryAt: number;
      /** How the last attempt ended; null when it never spawned. */
      readonly lastExit: ExitInfo | null;
    }
  | {
      readonly kind: 'stopping';
      readonly since: number;
      /** Null when the stop arrived while the spawn was still in flight. */
      readonly pid: number | null;
      /** SIGKILL of the tree has been sent. */
      readonly escalated: boolean;
      readonly then: StopThen;
      /** The `paused` event's details, when `then` is 'pause'. */
      readonly pauseDetails: Readonly<Record<string, unknown>> | null;
      /** Set when the process is a survivor of a previous manager being reaped: its end is `orphan_reaped`. */
      readonly reap: ReapInfo | null;
    }
  | {
      readonly kind: 'exited';
      readonly since: number;
      readonly exit: ExitInfo | null;
      /** The restart policy wanted a restart but the node was held; `release` performs it. */
      readonly restartPending: boolean;
    }
  | {
      readonly kind: 'fatal';
      readonly since: number;
      /** `max_retries` or `permanent_exit_code`. */
      readonly reason: string;
      /** When the fatal retry is due; null = not scheduled (fatalRetryMs 0, or held). */
      readonly retryAt: number | null;
    }
  | { readonly kind: 'paused'; readonly since: number; readonly details: Readonly<Record<string, unknown>> };

/** Why a survivor is being reaped, and what its `orphan_reaped` event will say. */
export interface ReapInfo {
  readonly reason: string;
  readonly details: Readonly<Record<string, unknown>>;
}

/** Everything that can happen to a node: operator/policy commands and facts reported by the runner. */
export type Input =
  | { readonly type: 'start' }
  | { readonly type: 'stop' }
  | {
      readonly type: 'restart';
      readonly reason: RestartReason;
      readonly profile?: string | null;
      readonly details?: Readonly<Record<string, unknown>>;
    }
  | { readonly type: 'pause'; readonly details: Readonly<Record<string, unknown>> }
  | { readonly type: 'resume'; readonly details: Readonly<Record<string, unknown>> }
  | { readonly type: 'spawned'; readonly identity: ProcessIdentity }
  | { readonly type: 'spawnFailed'; readonly error: string }
  | { readonly type: 'processExited'; readonly code: number | null; readonly signal: NodeJS.Signals | null }
  | { readonly type: 'startWindowElapsed' }
  | { readonly type: 'retryDue' }
  | { readonly type: 'graceElapsed' }
  /** A survivor of a previous manager that matches its config: watched, not spawned. */
  | {
      readonly type: 'adopt';
      readonly identity: ProcessIdentity;
      /** Evidence for the `adopted` event (where the identity came from, a hold, a changed config). */
      readonly details?: Readonly<Record<string, unknown>>;
    }
  /** A survivor of a previous manager that must go: stopped like any node, then recorded `orphan_reaped`. */
  | {
      readonly type: 'reap';
      readonly identity: ProcessIdentity;
      readonly reason: string;
      readonly details?: Readonly<Record<string, unknown>>;
    }
  | { readonly type: 'kill' }
  | { readonly type: 'hold' }
  | { readonly type: 'release' };

export type InputType = Input['type'];

/** Every input type, in table-column order (a test walks state × input with it). */
export const INPUT_TYPES = [
  'start',
  'stop',
  'restart',
  'pause',
  'resume',
  'spawned',
  'spawnFailed',
  'processExited',
  'startWindowElapsed',
  'retryDue',
  'graceElapsed',
  'adopt',
  'reap',
  'kill',
  'hold',
  'release',
] as const satisfies readonly InputType[];

// Compile-time guard: INPUT_TYPES names every input and every state kind has its data.
type Expect<T extends true> = T;
type IsNever<T> = [T] extends [never] ? true : false;
export type ListsAreComplete = Expect<
  IsNever<Exclude<InputType, (typeof INPUT_TYPES)[number]> | Exclude<StateKind, NodeState['kind']>>
>;

/** The timers a node uses; each belongs to one state and is cleared when the node leaves it. */
export type TimerName = 'startWindow' | 'retry' | 'grace';

/** The input a timer turns into when it fires. */
export const TIMER_INPUT: Readonly<Record<TimerName, Input>> = {
  startWindow: { type: 'startWindowElapsed' },
  retry: { type: 'retryDue' },
  grace: { type: 'graceElapsed' },
};

/** The timer owned by each state (cleared on leaving it), or null. */
export const STATE_TIMER: Readonly<Record<StateKind, TimerName | null>> = {
  stopped: null,
  starting: 'startWindow',
  running: null,
  backoff: 'retry',
  stopping: 'grace',
  exited: null,
  fatal: 'retry',
  paused: null,
};

/** Why a spawn happens: `restart` and `retry` count as restarts in the node's snapshot. */
export type SpawnCause = 'start' | 'restart' | 'retry' | 'resume';

/** What a transition asks the runner to do. Handlers never do any of it themselves. */
export type Effect =
  | { readonly type: 'spawn'; readonly cause: SpawnCause }
  /** Watch an adopted process until it is gone. */
  | { readonly type: 'watch'; readonly identity: ProcessIdentity }
  /**
   * The start window is over and the exec chain of `pid` has settled (a
   * wrapper has exec'ed the node binary): read and record what it is now.
   */
  | { readonly type: 'settle'; readonly pid: number }
  | { readonly type: 'signalGroup'; readonly pid: number; readonly signal: NodeJS.Signals }
  | { readonly type: 'killTree'; readonly pid: number }
  | { readonly type: 'setTimer'; readonly name: TimerName; readonly ms: number }
  | { readonly type: 'clearTimer'; readonly name: TimerName }
  | { readonly type: 'emit'; readonly event: EventInput }
  /** An input arrived that the table declares impossible (a bug); production logs it. */
  | { readonly type: 'internalError'; readonly message: string };

/** What a handler may read besides the state and the input. */
export interface MachineContext {
  readonly node: string;
  /** Monotonic milliseconds (the clock's `now()`). */
  readonly now: number;
  readonly policy: Pick<NodeSpec, 'restart' | 'stop'>;
  /** The node is held: no automatic action. */
  readonly held: boolean;
  /** Uniform [0, 1), for backoff jitter. */
  readonly random: () => number;
  /** Throw on an illegal cell (tests) instead of returning an `internalError` effect. */
  readonly strict: boolean;
}

/** A handler's result. */
export interface Transition {
  readonly next: NodeState;
  readonly effects: readonly Effect[];
}
