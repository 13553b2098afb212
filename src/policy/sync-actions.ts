/**
 * Turns sync verdicts into restarts (DESIGN §3 "policy turns observations into
 * actions"): out-of-sync and unreachable nodes are restarted, one at a time per
 * group, never taking the group below `sync.minHealthy` running members, with a
 * cool-down that backs off on repeated restarts; a group that is out of sync as
 * a whole switches to `profiles.fallback` and back once it is in sync. Pure:
 * the caller passes the facts of a group, executes the action it gets back and
 * reports what happened (`restarted`, `stateChanged`). Held nodes are skipped
 * here, although their runner would drop an automatic restart too.
 */
import type { Clock } from '../supervisor/clock.js';
import type { Health, StateKind } from '../supervisor/states.js';

/** The fallback profile's name (DESIGN §1 `profiles.<name>`, §3). */
export const FALLBACK_PROFILE = 'fallback';

/** Consecutive cool-downs double up to 2^this times the base. */
const MAX_DOUBLINGS = 5;

/** States in which a member counts as part of the group's current life. */
const LIVE: ReadonlySet<StateKind> = new Set(['starting', 'running', 'stopping', 'backoff']);

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

interface NodeMemory {
  profile: string | null;
  lastRestartAt: number | null;
  /** Health restarts since the node was last in sync. */
  consecutive: number;
}

interface GroupMemory {
  mode: 'normal' | 'fallback';
  inFlight: string | null;
  /** Fallbacks in a row (the hold before returning to normal doubles with each). */
  fallbacks: number;
}

export class SyncActions {
  private readonly nodes = new Map<string, NodeMemory>();
  private readonly groups = new Map<string, GroupMemory>();

  constructor(private readonly clock: Clock) {}

  /** Decide the next restart of a group, if any. Call again after each state change. */
  plan(facts: GroupFacts): Plan {
    const now = this.clock.now();
    const g = this.group(facts.group);
    for (const m of facts.members) if (m.health === 'in_sync') this.node(m.name).consecutive = 0;
    if (g.inFlight !== null && !facts.members.some((m) => m.name === g.inFlight)) g.inFlight = null;
    if (g.inFlight !== null) return { action: null, deferred: [], modeChange: null, waitingFor: g.inFlight };

    const live = facts.members.filter((m) => LIVE.has(m.state));
    const modeChange = this.updateMode(facts, g, live, now);
    const desired = (m: MemberFacts): string | null =>
      g.mode === 'fallback' && m.hasFallback ? FALLBACK_PROFILE : null;
    const bad = (m: MemberFacts): boolean => m.health === 'out_of_sync' || m.health === 'unreachable';
    const candidates = live.filter((m) => m.state === 'running' && !m.held);
    // Profile switches first (the unhealthy before the rest), then health restarts.
    const switches = candidates
      .filter((m) => this.node(m.name).profile !== desired(m))
      .sort((a, b) => Number(bad(b)) - Number(bad(a)));
    const restarts = candidates.filter((m) => bad(m) && !switches.includes(m));

    const deferred: Deferral[] = [];
    const running = facts.members.filter((m) => m.state === 'running').length;
    const minHealthy = Math.max(0, ...facts.members.map((m) => m.minHealthy));
    // A singleton group can only be healed by taking it down: minHealthy does not apply to it.
    const mayTakeOneDown = facts.members.length === 1 || running - 1 >= minHealthy;
    const pick = (m: MemberFacts, action: SyncAction): Plan => {
      if (mayTakeOneDown) return { action, deferred, modeChange, waitingFor: null };
      deferred.push({ node: m.name, why: 'min_healthy', details: { running, minHealthy, group: facts.group } });
      return { action: null, deferred, modeChange, waitingFor: null };
    };

    for (const m of switches) {
      const to = desired(m);
      const from = this.node(m.name).profile;
      const details = { group: facts.group, profile: to, previousProfile: from, health: m.health };
      if (to === FALLBACK_PROFILE) {
        const reason = m.health === 'unreachable' ? 'unreachable' : 'out_of_sync';
        return pick(m, { node: m.name, reason, profile: to, switchesProfile: true, details: { ...details, groupOutOfSync: true } });
      }
      return pick(m, { node: m.name, reason: 'config', profile: to, switchesProfile: true, details: { ...details, why: 'group back in sync' } });
    }
    for (const m of restarts) {
      const mem = this.node(m.name);
      const wait = this.cooldownLeft(m, mem, now);
      if (wait > 0) {
        deferred.push({ node: m.name, why: 'cooldown', details: { waitMs: wait, restartsInARow: mem.consecutive } });
        continue;
      }
      const reason = m.health === 'unreachable' ? 'unreachable' : 'out_of_sync';
      return pick(m, {
        node: m.name,
        reason,
        profile: mem.profile,
        switchesProfile: false,
        details: { group: facts.group, profile: mem.profile, restartsInARow: mem.consecutive + 1 },
      });
    }
    return { action: null, deferred, modeChange, waitingFor: null };
  }

  /** The caller has told the runner to carry out `a` (call before the restart, whose state changes are synchronous). */
  restarted(group: string, a: SyncAction): void {
    const mem = this.node(a.node);
    mem.profile = a.profile;
    mem.lastRestartAt = this.clock.now();
    if (a.reason !== 'config') mem.consecutive++;
    this.group(group).inFlight = a.node;
  }

  /**
   * A member's state changed: an awaited restart is over once the node is
   * running again or has failed (anything but stopping/starting). Also call it
   * with 'running' when the runner ignored the restart.
   */
  stateChanged(node: string, to: StateKind): void {
    if (to === 'stopping' || to === 'starting') return;
    for (const g of this.groups.values()) if (g.inFlight === node) g.inFlight = null;
  }

  /** The profile the node runs (as far as this planner made it so). */
  profileOf(node: string): string | null {
    return this.nodes.get(node)?.profile ?? null;
  }

  /** Set a node's profile as loaded from config (e.g. at first sight). */
  setProfile(node: string, profile: string | null): void {
    this.node(node).profile = profile;
  }

  modeOf(group: string): 'normal' | 'fallback' {
    return this.groups.get(group)?.mode ?? 'normal';
  }

  forget(node: string): void {
    this.nodes.delete(node);
    for (const g of this.groups.values()) if (g.inFlight === node) g.inFlight = null;
  }

  /**
   * Normal → fallback: every live member has an open out-of-sync episode (a
   * group of ≥ 2 live members), or, for a group of one, the node is out of
   * sync again after a policy restart in the same episode. Fallback → normal:
   * every member on the fallback profile has been in sync for the hold
   * (`windowMs`, doubled per fallback in a row).
   */
  private updateMode(facts: GroupFacts, g: GroupMemory, live: readonly MemberFacts[], now: number): Plan['modeChange'] {
    const windowMs = Math.max(0, ...facts.members.map((m) => m.windowMs));
    const hold = windowMs * 2 ** Math.min(Math.max(0, g.fallbacks - 1), MAX_DOUBLINGS);
    const inSyncFor = (m: MemberFacts, ms: number): boolean =>
      m.health === 'in_sync' && m.healthSince !== null && now - m.healthSince >= ms;
    if (g.mode === 'normal') {
      if (!live.some((m) => m.hasFallback)) return null;
      const allOut =
        facts.members.length === 1
          ? live.length === 1 &&
            live[0]!.health === 'out_of_sync' &&
            live[0]!.episode === 'out_of_sync' &&
            this.node(live[0]!.name).consecutive >= 1
          : live.length >= 2 && live.every((m) => m.episode === 'out_of_sync');
      if (allOut) {
        g.mode = 'fallback';
        g.fallbacks++;
        return 'fallback_entered';
      }
      // A long enough healthy spell on the normal profile forgets earlier fallbacks.
      if (g.fallbacks > 0 && live.length > 0 && live.every((m) => inSyncFor(m, hold * 2))) g.fallbacks = 0;
      return null;
    }
    const switchable = live.filter((m) => m.hasFallback && !m.held);
    const onFallback = live.filter((m) => this.node(m.name).profile === FALLBACK_PROFILE);
    const allSwitched = switchable.every((m) => this.node(m.name).profile === FALLBACK_PROFILE);
    if (live.length === 0 || (allSwitched && onFallback.length > 0 && onFallback.every((m) => inSyncFor(m, hold)))) {
      g.mode = 'normal';
      return 'fallback_left';
    }
    return null;
  }

  private cooldownLeft(m: MemberFacts, mem: NodeMemory, now: number): number {
    if (mem.consecutive === 0 || mem.lastRestartAt === null) return 0;
    const base = m.startupGraceMs + m.windowMs;
    const ms = base * 2 ** Math.min(mem.consecutive - 1, MAX_DOUBLINGS);
    return Math.max(0, mem.lastRestartAt + ms - now);
  }

  private node(name: string): NodeMemory {
    let n = this.nodes.get(name);
    if (!n) this.nodes.set(name, (n = { profile: null, lastRestartAt: null, consecutive: 0 }));
    return n;
  }

  private group(name: string): GroupMemory {
    let g = this.groups.get(name);
    if (!g) this.groups.set(name, (g = { mode: 'normal', inFlight: null, fallbacks: 0 }));
    return g;
  }
}
