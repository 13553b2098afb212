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
import type { StateKind } from '../supervisor/states.js';
import { nextMode } from './sync-fallback.js';
import {
  FALLBACK_PROFILE,
  LIVE,
  MAX_DOUBLINGS,
  type Deferral,
  type GroupFacts,
  type GroupMemory,
  type MemberFacts,
  type NodeMemory,
  type Plan,
  type SyncAction,
} from './sync-action-types.js';

export { FALLBACK_PROFILE } from './sync-action-types.js';
export type { Deferral, GroupFacts, MemberFacts, Plan, SyncAction } from './sync-action-types.js';

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
    const modeChange = nextMode(facts, g, live, now, (n) => this.node(n));
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
      deferred.push({
        node: m.name,
        why: 'min_healthy',
        details: { running, minHealthy, group: facts.group },
      });
      return { action: null, deferred, modeChange, waitingFor: null };
    };

    for (const m of switches) {
      const to = desired(m);
      const from = this.node(m.name).profile;
      const details = { group: facts.group, profile: to, previousProfile: from, health: m.health };
      if (to === FALLBACK_PROFILE) {
        const reason = m.health === 'unreachable' ? 'unreachable' : 'out_of_sync';
        return pick(m, {
          node: m.name,
          reason,
          profile: to,
          switchesProfile: true,
          details: { ...details, groupOutOfSync: true },
        });
      }
      return pick(m, {
        node: m.name,
        reason: 'config',
        profile: to,
        switchesProfile: true,
        details: { ...details, why: 'group back in sync' },
      });
    }
    for (const m of restarts) {
      const mem = this.node(m.name);
      const wait = this.cooldownLeft(m, mem, now);
      if (wait > 0) {
        deferred.push({
          node: m.name,
          why: 'cooldown',
          details: { waitMs: Math.ceil(wait), restartsInARow: mem.consecutive },
        });
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

  /** Nodes this planner has put on a profile (e.g. `fallback`), with that profile. */
  onProfiles(): [node: string, profile: string][] {
    const out: [string, string][] = [];
    for (const [n, m] of this.nodes) if (m.profile !== null) out.push([n, m.profile]);
    return out;
  }

  /**
   * The fallback profile of `group` cannot be resolved (a config error): back
   * to normal mode, and no fallback again until `allowFallbackAgain`.
   */
  abandonFallback(group: string): void {
    const g = this.group(group);
    g.mode = 'normal';
    g.fallbackBroken = true;
  }

  /** A new configuration was loaded: broken fallbacks may work now. */
  allowFallbackAgain(): void {
    for (const g of this.groups.values()) g.fallbackBroken = false;
  }

  modeOf(group: string): 'normal' | 'fallback' {
    return this.groups.get(group)?.mode ?? 'normal';
  }

  forget(node: string): void {
    this.nodes.delete(node);
    for (const g of this.groups.values()) if (g.inFlight === node) g.inFlight = null;
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
    if (!g)
      this.groups.set(name, (g = { mode: 'normal', inFlight: null, fallbacks: 0, fallbackBroken: false }));
    return g;
  }
}
