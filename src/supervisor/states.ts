/**
 * Node lifecycle states (DESIGN §2). Depends on nothing; every other module
 * that needs to name a state imports it from here.
 */
export const NODE_STATES = [
  'stopped',
  'starting',
  'running',
  'backoff',
  'stopping',
  'exited',
  'fatal',
  'paused',
] as const;

export type StateKind = (typeof NODE_STATES)[number];

/** States in which a node process exists. */
export const PROCESS_STATES: ReadonlySet<StateKind> = new Set(['starting', 'running', 'stopping']);

/**
 * A state that status shows but the machine does not have: a node without a
 * process that the start queue (`startup.concurrency` / `startup.intervalMs`)
 * is about to start. Derived, never stored: the machine still says `stopped`.
 */
export const QUEUED = 'queued';

/** Every state `status` may show: the lifecycle states, plus `queued`. */
export const STATUS_STATES = [...NODE_STATES, QUEUED] as const;

export type StatusState = (typeof STATUS_STATES)[number];

export type Health = 'unknown' | 'syncing' | 'in_sync' | 'out_of_sync' | 'unreachable';
