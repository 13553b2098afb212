import type { Clock, TimerHandle } from './clock.js';

/**
 * May a queued node be launched now? Not yet: `recheckInMs` says when to ask
 * again by itself (a bounded wait running out), null to wait for `poke()`.
 */
export type StartGate =
  { readonly ready: true } | { readonly ready: false; readonly recheckInMs: number | null };

const READY: StartGate = { ready: true };

/**
 * Launches made in one turn of the event loop before the pacer lets it turn
 * (unpaced starts of hundreds of nodes): each spawn is synchronous, so without
 * this the store would write no event, the control socket answer nothing and
 * no timer fire until the last node of the fleet had been spawned.
 */
export const LAUNCHES_PER_TURN = 16;

/**
 * Startup pacing (DESIGN §2): so 200 nodes do not boot at once and starve the
 * host, at most `concurrency` paced launches are in flight (launched and not yet
 * settled: running, failed or stopped), and two launches are at least
 * `intervalMs` apart. `concurrency` 0 means unlimited, `intervalMs` 0 no spacing.
 * A node whose `gate` says not yet (its dependencies are not ready) keeps its
 * place while the nodes behind it go ahead.
 */
export class StartPacer {
  private readonly queue: string[] = [];
  private readonly inFlight = new Set<string>();
  private lastLaunch = Number.NEGATIVE_INFINITY;
  private timer: TimerHandle | null = null;
  /** Asks the gate again when a bounded wait of a queued node runs out. */
  private wake: TimerHandle | null = null;
  /** The rest of a long burst of launches, continued on the next turn of the event loop. */
  private resume: NodeJS.Immediate | null = null;

  constructor(
    private readonly opts: { concurrency: number; intervalMs: number },
    private readonly clock: Clock,
    private readonly launch: (name: string) => void,
    private readonly gate: (name: string) => StartGate = () => READY,
  ) {}

  /** Something a gate depends on changed (a node became running, a health verdict): look again. */
  poke(): void {
    if (this.queue.length > 0) this.pump();
  }

  /** Queue nodes for a paced start (a node already queued or in flight is not queued twice). */
  enqueue(names: readonly string[]): void {
    for (const n of names) {
      if (!this.queue.includes(n) && !this.inFlight.has(n)) this.queue.push(n);
    }
    this.pump();
  }

  /** A launched node reached a settled state; frees its slot. */
  settled(name: string): void {
    if (this.inFlight.delete(name)) this.pump();
  }

  /** Drop a node from the queue (stopped or removed before its turn). */
  cancel(name: string): void {
    const i = this.queue.indexOf(name);
    if (i >= 0) this.queue.splice(i, 1);
    this.settled(name);
  }

  /** Waiting for its turn (queued, not yet launched). */
  isQueued(name: string): boolean {
    return this.queue.includes(name);
  }

  get pending(): number {
    return this.queue.length;
  }

  /** Forget everything queued (shutdown). */
  clear(): void {
    this.queue.length = 0;
    this.inFlight.clear();
    if (this.timer) this.clock.clearTimer(this.timer);
    this.timer = null;
    if (this.resume) clearImmediate(this.resume);
    this.resume = null;
    this.setWake(null);
  }

  private setWake(ms: number | null): void {
    if (this.wake) this.clock.clearTimer(this.wake);
    this.wake = null;
    if (ms === null) return;
    this.wake = this.clock.setTimer(ms, () => {
      this.wake = null;
      this.pump();
    });
  }

  private pump(): void {
    if (this.timer || this.resume) return; // a spacing timer or the rest of a burst is due to pump
    let launched = 0;
    while (this.queue.length > 0) {
      if (launched >= LAUNCHES_PER_TURN) {
        // Let the event loop turn (store writes, requests, timers), then go on.
        this.resume = setImmediate(() => {
          this.resume = null;
          this.pump();
        });
        return;
      }
      if (this.opts.concurrency > 0 && this.inFlight.size >= this.opts.concurrency) return;
      const wait = this.lastLaunch + this.opts.intervalMs - this.clock.now();
      if (this.opts.intervalMs > 0 && wait > 0) {
        this.timer = this.clock.setTimer(wait, () => {
          this.timer = null;
          this.pump();
        });
        return;
      }
      let pick = -1;
      let recheck: number | null = null;
      for (let i = 0; i < this.queue.length && pick < 0; i++) {
        const g = this.gate(this.queue[i]!);
        if (g.ready) pick = i;
        else if (g.recheckInMs !== null) recheck = Math.min(recheck ?? g.recheckInMs, g.recheckInMs);
      }
      if (pick < 0) {
        this.setWake(recheck);
        return;
      }
      const name = this.queue.splice(pick, 1)[0]!;
      this.inFlight.add(name);
      this.lastLaunch = this.clock.now();
      launched++;
      this.launch(name);
    }
    this.setWake(null);
  }
}
