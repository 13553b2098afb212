/**
 * Runs probes on their intervals. A target (a node, or a sync group's
 * reference probes) has one serial queue: its probes never overlap, each runs
 * with its own timeout, and one that comes due while another runs waits its
 * turn. The prober knows nothing of the bus, policy or metrics: it reports
 * every result to `onReport` and leaves the rest to its owner (health.ts).
 */
import type { ProbeSpec } from '../config/types.js';
import { nullLogger, type Logger } from '../logger.js';
import type { Clock, TimerHandle } from '../supervisor/clock.js';
import { runProbe, type ProbeResult, type ProbeRunner } from './probes/index.js';

/** One probe run, as the prober's owner hears of it. */
export type ProbeReport = ProbeResult & {
  /** The target: a node name, or a reference target's key. */
  readonly target: string;
  /** The probe's name (`height`, `version`, `reference.0` ...). */
  readonly probe: string;
  readonly spec: ProbeSpec;
  /** `clock.now()` when the run finished. */
  readonly at: number;
};

export interface ProberOptions {
  readonly clock: Clock;
  readonly onReport: (r: ProbeReport) => void;
  /** Runs one probe (default: the real probes). */
  readonly run?: ProbeRunner;
  readonly logger?: Logger;
}

interface Loop {
  readonly probes: ReadonlyMap<string, ProbeSpec>;
  readonly timers: Map<string, TimerHandle>;
  readonly queue: string[];
  readonly abort: AbortController;
  busy: Promise<void> | null;
  live: boolean;
}

export class Prober {
  private readonly loops = new Map<string, Loop>();
  private readonly run: ProbeRunner;
  private readonly logger: Logger;
  private closed = false;

  constructor(private readonly opts: ProberOptions) {
    this.run = opts.run ?? runProbe;
    this.logger = opts.logger ?? nullLogger;
  }

  /**
   * Start probing `target` afresh: every probe runs at once (in name order),
   * then every `intervalMs`. A target already watched is restarted, and results
   * of its previous round that are still in flight are dropped.
   */
  watch(target: string, probes: Readonly<Record<string, ProbeSpec>>): void {
    if (this.closed) return;
    this.unwatch(target);
    const names = Object.keys(probes).sort();
    if (names.length === 0) return;
    const loop: Loop = {
      probes: new Map(names.map((n) => [n, probes[n]!])),
      timers: new Map(),
      queue: [...names],
      abort: new AbortController(),
      busy: null,
      live: true,
    };
    this.loops.set(target, loop);
    this.pump(target, loop);
  }

  /** Stop probing `target`; an in-flight probe is aborted and its result dropped. */
  unwatch(target: string): void {
    const loop = this.loops.get(target);
    if (!loop) return;
    this.loops.delete(target);
    loop.live = false;
    for (const t of loop.timers.values()) this.opts.clock.clearTimer(t);
    loop.timers.clear();
    loop.queue.length = 0;
    loop.abort.abort();
  }

  watching(target: string): boolean {
    return this.loops.has(target);
  }

  /** Targets being probed. */
  targets(): string[] {
    return [...this.loops.keys()];
  }

  /** Stop everything and wait until no probe is running. */
  async close(): Promise<void> {
    this.closed = true;
    const busy = [...this.loops.values()].map((l) => l.busy);
    for (const t of [...this.loops.keys()]) this.unwatch(t);
    await Promise.all(busy);
  }

  private pump(target: string, loop: Loop): void {
    if (!loop.live || loop.busy || loop.queue.length === 0) return;
    const name = loop.queue.shift()!;
    const spec = loop.probes.get(name)!;
    const started = this.opts.clock.now();
    loop.busy = this.run(spec, { signal: loop.abort.signal })
      .catch((err: unknown): ProbeResult => ({ ok: false, error: String(err), seconds: 0 }))
      .then((result) => {
        loop.busy = null;
        if (!loop.live) return; // unwatched meanwhile: a stale round, dropped
        const at = this.opts.clock.now();
        try {
          this.opts.onReport({ ...result, target, probe: name, spec, at });
        } catch (err) {
          this.logger.error(`probe report of ${target}/${name} failed`, { error: String(err) });
        }
        if (!loop.live) return; // the report itself may have ended the target
        // The next run is due one interval after this one started; never earlier than now.
        const wait = Math.max(0, spec.intervalMs - (at - started));
        loop.timers.set(
          name,
          this.opts.clock.setTimer(wait, () => {
            loop.timers.delete(name);
            if (!loop.queue.includes(name)) loop.queue.push(name);
            this.pump(target, loop);
          }),
        );
        this.pump(target, loop);
      });
  }
}
