import type { Daemon } from '../daemon.js';
import { LimitsPolicy, type LimitAction } from '../policy/limits.js';
import { LowDiskWatch, type LowDiskAlert } from '../policy/low-disk.js';
import { PressurePolicy, type PressureAction } from '../policy/pressure.js';
import type { HostReading } from './host.js';
import type { ProcessSample } from './sampler.js';

/** What the resource policies decided at one tick (and what was carried out). */
export interface ResourceDecisions {
  readonly limits: readonly LimitAction[];
  readonly pressure: PressureAction | null;
  readonly lowDisk: readonly LowDiskAlert[];
}

/**
 * Feeds one tick's figures to the limits, pressure and low-disk policies and
 * carries out what they decide, only through the node's runner (restart,
 * pause, resume) and the bus (`resource_limit`, `low_disk`). Held nodes are
 * skipped by the policies, and their runners drop such actions by themselves too.
 */
export class ResourceActions {
  private readonly limits = new LimitsPolicy();
  private readonly pressure: PressurePolicy;
  private readonly lowDisk: LowDiskWatch;

  constructor(private readonly daemon: Daemon) {
    const marks = daemon.supervisor.managerConfig().pressure;
    this.pressure = new PressurePolicy(marks, daemon.clock);
    this.lowDisk = new LowDiskWatch(marks.diskLowPercent);
  }

  /** `host` null = the host could not be read: only the limits run. */
  apply(
    sample: ProcessSample,
    host: (HostReading & { memoryUsedPercent: number }) | null,
  ): ResourceDecisions {
    const { supervisor, bus } = this.daemon;
    const usage = new Map(sample.nodes.map((u) => [u.node, u]));
    const limits = this.limits.evaluate(
      supervisor.snapshots().map((s) => ({
        node: s.name,
        state: s.state,
        held: s.held,
        pid: s.pid,
        limits: supervisor.spec(s.name)!.limits,
        cpuPercent: usage.get(s.name)?.cpuPercent ?? null,
        rssBytes: usage.get(s.name)?.rssBytes ?? null,
      })),
    );
    for (const a of limits) {
      bus.emit({ node: a.node, type: 'resource_limit', reason: a.details.metric, details: { ...a.details } });
      supervisor.runner(a.node)?.restart('resource', { details: { ...a.details } });
    }
    if (!host) return { limits, pressure: null, lowDisk: [] };

    const marks = supervisor.managerConfig().pressure;
    this.pressure.setMarks(marks);
    // Fresh snapshots: a limit restart above has just changed some states.
    const pressure = this.pressure.evaluate(
      { memoryUsedPercent: host.memoryUsedPercent, cpuPercent: host.cpuBusyPercent },
      supervisor.snapshots().map((s) => ({
        node: s.name,
        state: s.state,
        held: s.held,
        priority: supervisor.spec(s.name)!.priority,
        startedAt: s.startedAt,
      })),
    );
    if (pressure) {
      const runner = supervisor.runner(pressure.node);
      if (pressure.type === 'pause') runner?.pause({ ...pressure.details });
      else runner?.resume({ ...pressure.details });
    }

    this.lowDisk.setLowPercent(marks.diskLowPercent);
    const lowDisk = this.lowDisk.evaluate(host.disks);
    for (const alert of lowDisk) {
      const dirs = new Set(alert.dataDirs);
      const nodes = supervisor.names().filter((n) => dirs.has(supervisor.spec(n)!.dataDir));
      bus.emit({ node: null, type: 'low_disk', reason: alert.filesystem, details: { ...alert, nodes } });
    }
    return { limits, pressure, lowDisk };
  }
}
