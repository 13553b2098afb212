/**
 * Carries out what the sync policy decides: verdict changes become contract
 * events and observations; the action planner's restarts go through
 * `Supervisor.act` (holds and `sync.minHealthy` applied there), with the
 * profile's spec as the config was loaded (`profileSpecs`) when a group
 * switches. Nothing here decides, and nothing here reads the disk.
 */
import type { NodeSpec } from '../config/types.js';
import type { SyncActions, SyncAction } from '../policy/sync-actions.js';
import type { SyncPolicy } from '../policy/sync.js';
import type { SyncEvidence, VerdictChange } from '../policy/sync-types.js';
import { groupFacts } from './health-facts.js';
import { membersOf, type HealthHost } from './health-host.js';
import { SaidOnce } from './said-once.js';

export class SyncExecutor {
  private readonly evidence = new Map<string, SyncEvidence>();
  private readonly lastDeferral = new SaidOnce();
  private readonly planned = new Set<string>();
  private closed = false;

  constructor(
    private readonly host: HealthHost,
    private readonly policy: SyncPolicy,
    private readonly actions: SyncActions,
    /** Is the node running (and so shown with a sync verdict)? */
    private readonly isRunning: (node: string) => boolean,
    /** Where a group's reference probe points (credentials left out), for its events. */
    private readonly describeReference: (group: string, key: string) => Record<string, unknown> = () => ({}),
  ) {}

  /** Emit the events of `changes`, show the group's sync state, and plan its next restart. */
  apply(group: string, changes: readonly VerdictChange[]): void {
    for (const c of changes) {
      this.evidence.set(c.node, c.evidence);
      const lag = c.evidence.lag === null ? '' : ` lag=${c.evidence.lag}`;
      this.host.logger.info(`${c.node}: health ${c.from} -> ${c.to} (${c.evidence.rule}${lag})`);
      if (c.event)
        this.host.bus.emit({
          node: c.node,
          type: c.event,
          // `referenceHeight` under the name status and alert mails use (`reference` kept for readers of old events).
          details: { ...c.evidence, referenceHeight: c.evidence.reference, from: c.from, to: c.to },
        });
    }
    this.referenceEvents(group);
    for (const n of membersOf(this.host, group)) {
      if (!this.isRunning(n) || !this.policy.has(n)) continue;
      const v = this.policy.view(n);
      this.host.observations.update(n, {
        health: v.health,
        height: v.height,
        referenceHeight: v.referenceHeight,
        lag: v.lag,
      });
    }
    this.schedulePlan(group);
  }

  /** A group's reference started or stopped failing: an event with no node, once per episode. */
  private referenceEvents(group: string): void {
    for (const c of this.policy.takeReferenceChanges(group)) {
      const where = this.describeReference(group, c.key);
      const label = `sync group ${group}: ${c.key}${where.endpoint ? ` (${String(where.endpoint)})` : ''}`;
      if (c.event === 'reference_failed')
        this.host.logger.warn(
          `${label} failed: ${String(c.details.error)}; it does not count for the reference height`,
        );
      else this.host.logger.info(`${label} answers again`);
      this.host.bus.emit({
        node: null,
        type: c.event,
        reason: c.rule,
        details: { group, reference: c.key, ...where, ...c.details },
      });
    }
  }

  /**
   * Plan the group after the current synchronous step: state changes are told
   * from inside a runner's mailbox, where a restart of that same runner would
   * only be queued (and look ignored).
   */
  schedulePlan(group: string): void {
    if (this.closed || this.planned.has(group)) return;
    this.planned.add(group);
    queueMicrotask(() => {
      this.planned.delete(group);
      if (!this.closed) this.plan(group);
    });
  }

  close(): void {
    this.closed = true;
  }

  private plan(group: string): void {
    const { logger, supervisor } = this.host;
    const p = this.actions.plan(groupFacts(group, membersOf(this.host, group), supervisor, this.policy));
    if (p.modeChange === 'fallback_entered')
      logger.warn(`sync group ${group}: every node is out of sync, switching to the fallback profile`);
    if (p.modeChange === 'fallback_left')
      logger.info(`sync group ${group}: in sync on the fallback profile, returning to normal`);
    for (const d of p.deferred) this.sayDeferred(d.node, d.why, d.details);
    if (p.action) this.execute(group, p.action);
  }

  private execute(group: string, a: SyncAction): void {
    const { supervisor, bus, logger, observations } = this.host;
    const current = supervisor.spec(a.node);
    if (!current) return;
    let spec: NodeSpec | undefined;
    if (a.switchesProfile) {
      spec = a.profile === null ? current : current.profileSpecs[a.profile];
      if (!spec) {
        // Profiles are validated at load, so this is a planner asking for one the node lacks:
        // drop the fallback for this group until the next reload, and plan afresh.
        const problem = `profile "${a.profile}" is not defined for ${a.node}`;
        logger.error(`${a.node}: cannot switch to profile ${a.profile}: ${problem}`);
        bus.emit({
          node: a.node,
          type: 'config_error',
          details: { profile: a.profile, problems: [problem] },
        });
        this.actions.abandonFallback(group);
        this.schedulePlan(group);
        return;
      }
    }
    const ev = this.evidence.get(a.node);
    const evidence = ev
      ? {
          rule: ev.rule,
          height: ev.height,
          reference: ev.reference,
          referenceHeight: ev.reference,
          lag: ev.lag,
        }
      : {};
    const out = supervisor.act({
      kind: 'restart',
      node: a.node,
      reason: a.reason,
      details: { ...evidence, ...a.details },
      profile: a.profile,
      ...(spec ? { spec } : {}),
    });
    if (out.outcome === 'deferred') {
      this.sayDeferred(a.node, out.why, out.details);
      return;
    }
    if (out.outcome === 'refused') {
      // The runner dropped it (e.g. held meanwhile): nothing to wait for.
      this.actions.stateChanged(a.node, supervisor.runner(a.node)?.snapshot().state ?? 'stopped');
      return;
    }
    this.lastDeferral.forget(a.node);
    // The restart's state changes so far were only `stopping`/`starting`, which the planner
    // ignores; the group now waits for this node.
    this.actions.restarted(group, a);
    if (a.switchesProfile) observations.update(a.node, { profile: a.profile });
  }

  /** Log a deferred restart once per node and reason. */
  private sayDeferred(node: string, why: string, details: Readonly<Record<string, unknown>>): void {
    if (!this.lastDeferral.fresh(node, `${why}:${JSON.stringify(details.minHealthy ?? '')}`)) return;
    this.host.logger.info(`${node}: restart deferred (${why})`, { ...details });
  }
}
