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

export type Health = 'unknown' | 'syncing' | 'in_sync' | 'out_of_sync' | 'unreachable';
