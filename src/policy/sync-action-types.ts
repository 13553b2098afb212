/** The facts, actions and memory of the sync action planner (sync-actions.ts). */
import type { Health, StateKind } from '../supervisor/states.js';

/** The fallback profile's name (DESIGN §1 `profiles.<name>`, §3). */
export const FALLBACK_PROFILE = 'fallback';

/** Consecutive cool-downs (and fallback holds) double up to 2^this times the base. */
export const MAX_DOUBLINGS = 5;

/** States in which a member counts as part of the group's current life. */
export const LIVE: ReadonlySet<StateKind> = new Set(['starting', 'running', 'stopping', 'backoff']);

/** One member of a group, as the caller sees it now. */
export interface MemberFacts {
  readonly name: string;
  readonly state: StateKind;
  readonly held: boolean;
  readonly health: Health;
  readonly episode: 'out_of_sync' | 'unreachable' | null;
  /** Monotonic ms since which the member has had its health, or null. */
  readonly healthSince: number | null;
  /** The member defines `profiles.fallback`. */
  readonly hasFallback: boolean;
  readonly minHealthy: number;
  readonly startupGraceMs: number;
  readonly windowMs: number;
}

export interface GroupFacts {
  readonly group: string;
  /** Every configured member, in config order. */
  readonly members: readonly MemberFacts[];
}

/** A restart to carry out through the node's runner. */
export interface SyncAction {
  readonly node: string;
  readonly reason: 'out_of_sync' | 'unreachable' | 'config';
  /** The profile the node runs after the restart (null = normal). */
  readonly profile: string | null;
  /** True when the profile changes with this restart. */
  readonly switchesProfile: boolean;
  readonly details: Readonly<Record<string, unknown>>;
}

/** A restart the planner wanted but held back, and why. */
export interface Deferral {
  readonly node: string;
  readonly why: 'min_healthy' | 'cooldown';
  readonly details: Readonly<Record<string, unknown>>;
}

export interface Plan {
  readonly action: SyncAction | null;
  readonly deferred: readonly Deferral[];
  /** The group switched mode in this plan. */
  readonly modeChange: 'fallback_entered' | 'fallback_left' | null;
  /** The member whose restart is awaited (nothing else is planned meanwhile). */
  readonly waitingFor: string | null;
}

/** What the planner remembers of a node. */
export interface NodeMemory {
  profile: string | null;
  lastRestartAt: number | null;
  /** Health restarts since the node was last in sync. */
  consecutive: number;
}

/** What the planner remembers of a group. */
export interface GroupMemory {
  mode: 'normal' | 'fallback';
  inFlight: string | null;
  /** Fallbacks in a row (the hold before returning to normal doubles with each). */
  fallbacks: number;
  /** The fallback profile could not be resolved: do not try it again until a reload. */
  fallbackBroken: boolean;
}
