import type { EventBus } from '../events/bus.js';
import type { StopProgress } from '../events/types.js';
import type { ProgressLine } from '../protocol/types.js';
import type { Clock, TimerHandle } from '../supervisor/clock.js';

/** How often a node that is still stopping is reported, with the grace it has left. */
export const REMIND_EVERY_MS = 10_000;

export interface StopProgressOptions {
  /** Default REMIND_EVERY_MS. */
  remindEveryMs?: number;
}

/**
 * Follows the stop steps the runners tell on the bus (`stop`: signal sent,
 * SIGKILL sent, gone) for some nodes and turns them into the lines
 * `stop --wait` and `shutdown --wait` print, adding a reminder every
 * `remindEveryMs` while a node is still within its grace. It only listens
 * and reports; it never acts on a node. Subscribe it before the stop begins.
 */
export class StopProgressFeed {
  private readonly graces = new Map<string, { deadline: number; timer: TimerHandle }>();
  private readonly off: () => void;
  /** Followed nodes; null = every node. */
  private nodes: ReadonlySet<string> | null = null;
  private readonly remindEveryMs: number;
  private closed = false;

  constructor(
    bus: EventBus,
    private readonly clock: Clock,
    private readonly out: (line: ProgressLine) => void,
    opts: StopProgressOptions = {},
  ) {
    this.remindEveryMs = opts.remindEveryMs ?? REMIND_EVERY_MS;
    this.off = bus.on('stop', (p) => this.onStep(p));
  }

  /** Follow only these nodes (default: every node). */
  follow(nodes: Iterable<string>): void {
    this.nodes = new Set(nodes);
  }

  /** Stop listening and reminding. Idempotent. */
  close(): void {
    if (this.closed) return;
    this.closed = true;
    this.off();
    for (const g of this.graces.values()) this.clock.clearTimer(g.timer);
    this.graces.clear();
  }

  private onStep(p: StopProgress): void {
    if (this.closed || (this.nodes !== null && !this.nodes.has(p.node))) return;
    const base = { type: 'progress' as const, ts: p.ts, node: p.node };
    switch (p.step) {
      case 'signal':
        this.out({ ...base, step: 'signal', signal: p.signal, graceMs: p.graceMs });
        this.remindUntil(p.node, this.clock.now() + p.graceMs);
        return;
      case 'kill':
        this.endGrace(p.node);
        this.out({ ...base, step: 'kill', reason: p.reason });
        return;
      case 'stopped':
        this.endGrace(p.node);
        this.out({
          ...base,
          step: 'stopped',
          exitCode: p.exitCode,
          exitSignal: p.exitSignal,
          elapsedMs: p.elapsedMs,
        });
        return;
    }
  }

  /** Remind every `remindEveryMs` that `node` is still stopping, while its grace lasts. */
  private remindUntil(node: string, deadline: number): void {
    this.endGrace(node);
    const schedule = (): void => {
      const left = deadline - this.clock.now();
      // The last reminder would come as the grace ends: the SIGKILL line says it then.
      if (left <= this.remindEveryMs) {
        this.graces.delete(node);
        return;
      }
      const timer = this.clock.setTimer(this.remindEveryMs, () => {
        if (this.closed || this.graces.get(node)?.timer !== timer) return;
        const graceLeftMs = Math.max(0, deadline - this.clock.now());
        this.out({ type: 'progress', ts: this.clock.wallNow(), node, step: 'waiting', graceLeftMs });
        schedule();
      });
      this.graces.set(node, { deadline, timer });
    };
    schedule();
  }

  private endGrace(node: string): void {
    const g = this.graces.get(node);
    if (!g) return;
    this.clock.clearTimer(g.timer);
    this.graces.delete(node);
  }
}
