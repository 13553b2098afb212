import type { EventBus } from '../events/bus.js';
import type { Logger } from '../logger.js';
import { LimitsPolicy, type LimitAction } from '../policy/limits.js';
import { LowDiskWatch, type LowDiskAlert } from '../policy/low-disk.js';
import { PressurePolicy, type PressureAction } from '../policy/pressure.js';
import type { ActOutcome } from '../supervisor/actions.js';
import type { Clock } from '../supervisor/clock.js';
import type { Supervisor } from '../supervisor/supervisor.js';
import type { HostReading } from './host.js';
import { SaidOnce } from './said-once.js';
import type { ProcessSample } from './sampler.js';

/** The part of the daemon the resource policies read and act through. */
export interface ResourceActionHost {
  readonly supervisor: Pick<Supervisor, 'names' | 'spec' | 'runner' | 'snapshots' | 'managerConfig' | 'act'>;
  readonly bus: EventBus;
  readonly clock: Clock;
  readonly logger: Logger;
}

/** A policy's action and what `Supervisor.act` made of it. */
export type Carried<A> = A & { readonly outcome: ActOutcome['outcome'] };

/** What the resource policies decided at one tick, and what came of it. */
export interface ResourceDecisions {
  readonly limits: readonly Carried<LimitAction>[];
  readonly pressure: Carried<PressureAction> | null;
  readonly lowDisk: readonly LowDiskAlert[];
}

/**
 * Feeds one tick's figures to the limits, pressure and low-disk policies and
 * carries out what they decide, only through `Supervisor.act` (restart,
 * pause, resume: holds and `sync.minHealthy` are applied there) and the bus
 * (`resource_limit`, `low_disk`). It also tells the pressure policy when the
 * operator starts a node that pressure paused (an intent on the bus), so the
 * operator's start wins until the host is calm again.
 */
export class ResourceActions {
  private readonly limits = new LimitsPolicy();
  private readonly pressure: PressurePolicy;
  private readonly lowDisk: LowDiskWatch;
  private readonly offIntent: () => void;
  /** Deferred or refused actions already logged, so each is said once, not every tick. */
  private readonly deferralSaid = new SaidOnce();

  constructor(private readonly host: ResourceActionHost) {
    const marks = host.supervisor.managerConfig().pressure;
    this.pressure = new PressurePolicy(marks, host.clock);
    this.lowDisk = new LowDiskWatch(marks.diskLowPercent);
    // Intents come only from operator commands; one that wants a paused node running wins.
    this.offIntent = host.bus.on('intent', (i) => {
      if (i.desired !== 'running' || i.held) return;
      const state = host.supervisor.runner(i.node)?.snapshot().state;
      if (state === 'paused' || this.pressure.pausedByPressure(i.node)) {
        this.pressure.operatorStarted(i.node);
        host.logger.info(
          `${i.node}: started by the operator while paused; not shed again until the host is calm`,
        );
      }
    });
  }

  close(): void {
    this.offIntent();
  }

  /** `host` null = the host could not be read: only the limits run. */
  apply(
    sample: ProcessSample,
    reading: (HostReading & { memoryUsedPercent: number }) | null,
  ): ResourceDecisions {
    const { supervisor, bus } = this.host;
    const usage = new Map(sample.nodes.map((u) => [u.node, u]));
    const limits = this.limits
      .evaluate(
        supervisor.snapshots().map((s) => ({
          node: s.name,
          state: s.state,
          held: s.held,
          pid: s.pid,
          limits: supervisor.spec(s.name)!.limits,
          cpuPercent: usage.get(s.name)?.cpuPercent ?? null,
          rssBytes: usage.get(s.name)?.rssBytes ?? null,
        })),
      )
      .map((a) => {
        // The fact first, then the restart it calls for (whose `restarting` follows it).
        bus.emit({
          node: a.node,
          type: 'resource_limit',
          reason: a.details.metric,
          details: { ...a.details },
        });
        const out = supervisor.act({
          kind: 'restart',
          node: a.node,
          reason: 'resource',
          details: { ...a.details },
        });
        this.sayOutcome(a.node, 'resource restart', out);
        return { ...a, outcome: out.outcome };
      });
    if (!reading) return { limits, pressure: null, lowDisk: [] };

    const marks = supervisor.managerConfig().pressure;
    this.pressure.setMarks(marks);
    // Fresh snapshots: a limit restart above has just changed some states.
    const decided = this.pressure.evaluate(
      {
        memoryUsedPercent: reading.memoryUsedPercent,
        cpuPercent: reading.cpuBusyPercent,
        psiCpu: reading.psiCpu,
        psiMemory: reading.psiMemory,
      },
      supervisor.snapshots().map((s) => {
        const spec = supervisor.spec(s.name)!;
        return {
          node: s.name,
          state: s.state,
          held: s.held,
          priority: spec.priority,
          startedAt: s.startedAt,
          shed: spec.shed,
          group: spec.sync.group,
          minHealthy: spec.sync.minHealthy,
        };
      }),
    );
    let pressure: Carried<PressureAction> | null = null;
    if (decided) {
      const out = supervisor.act({
        kind: decided.type,
        node: decided.node,
        reason: 'pressure',
        details: { ...decided.details },
      });
      this.sayOutcome(decided.node, decided.type, out);
      pressure = { ...decided, outcome: out.outcome };
    }

    this.lowDisk.setLowPercent(marks.diskLowPercent);
    const lowDisk = this.lowDisk.evaluate(reading.disks);
    for (const alert of lowDisk) {
      const dirs = new Set(alert.dataDirs);
      const nodes = supervisor.names().filter((n) => dirs.has(supervisor.spec(n)!.dataDir));
      bus.emit({ node: null, type: 'low_disk', reason: alert.filesystem, details: { ...alert, nodes } });
    }
    return { limits, pressure, lowDisk };
  }

  /** A deferred or refused action is logged once per node and cause. */
  private sayOutcome(node: string, what: string, out: ActOutcome): void {
    if (out.outcome === 'done') {
      this.deferralSaid.forget(node);
      return;
    }
    if (!this.deferralSaid.fresh(node, `${what}:${out.why}`)) return;
    this.host.logger.info(`${node}: ${what} ${out.outcome} (${out.why})`, {
      ...(out.outcome === 'deferred' ? out.details : {}),
    });
  }
}
