/**
 * Carries out what the sync policy decides: verdict changes become contract
 * events and observations; the action planner's restarts go through the
 * node's runner, with the fallback profile's spec resolved from the config
 * directory when a group switches. Nothing here decides.
 */
import type { NodeSpec } from '../config/types.js';
import type { SyncActions, SyncAction } from '../policy/sync-actions.js';
import type { SyncPolicy } from '../policy/sync.js';
import type { SyncEvidence, VerdictChange } from '../policy/sync-types.js';
import { groupFacts } from './health-facts.js';
import { membersOf, type HealthHost } from './health-host.js';
import { resolveProfileSpec } from './profile-spec.js';

export class SyncExecutor {
  private readonly evidence = new Map<string, SyncEvidence>();
  private readonly lastDeferral = new Map<string, string>();
  private readonly planned = new Set<string>();
  private closed = false;

  constructor(
    private readonly host: HealthHost,
    private readonly policy: SyncPolicy,
    private readonly actions: SyncActions,
    /** Is the node running (and so shown with a sync verdict)? */
    private readonly isRunning: (node: string) => boolean,
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
          details: { ...c.evidence, from: c.from, to: c.to },
        });
    }
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
    for (const d of p.deferred) {
      const key = `${d.why}:${JSON.stringify(d.details.minHealthy ?? '')}`;
      if (this.lastDeferral.get(d.node) === key) continue; // said once per reason
      this.lastDeferral.set(d.node, key);
      logger.info(`${d.node}: restart deferred (${d.why})`, { ...d.details });
    }
    if (p.action) this.execute(group, p.action);
  }

  private execute(group: string, a: SyncAction): void {
    const { supervisor, bus, logger, observations } = this.host;
    const runner = supervisor.runner(a.node);
    if (!runner) return;
    let spec: NodeSpec | undefined;
    if (a.switchesProfile) {
      try {
        spec =
          a.profile === null
            ? supervisor.spec(a.node)
            : resolveProfileSpec(this.host.configDir, this.host.store.secrets, a.node, a.profile);
      } catch (err) {
        // A broken fallback profile must not become a restart loop: drop the fallback
        // for this group until the next reload, and let the planner decide afresh.
        const problem = err instanceof Error ? err.message : String(err);
        logger.error(`${a.node}: cannot resolve profile ${a.profile}: ${problem}`);
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
    this.lastDeferral.delete(a.node);
    const before = runner.snapshot();
    this.actions.restarted(group, a);
    const ev = this.evidence.get(a.node);
    const evidence = ev ? { rule: ev.rule, height: ev.height, reference: ev.reference, lag: ev.lag } : {};
    runner.restart(a.reason, {
      details: { ...evidence, ...a.details },
      profile: a.profile,
      ...(spec ? { spec } : {}),
    });
    const after = runner.snapshot();
    // The runner dropped it (e.g. held meanwhile): nothing to wait for.
    if (after.state === before.state && after.pid === before.pid)
      this.actions.stateChanged(a.node, after.state);
    if (a.switchesProfile) observations.update(a.node, { profile: a.profile });
  }
}
