import type { Clock, TimerHandle } from './clock.js';
import type { TimerName } from './machine-types.js';

/**
 * A node's timers, at most one per name, on the injected clock. Setting a name
 * replaces its previous timer. Each timer carries a token: a callback that
 * fires after its timer was cleared or replaced (a clock that could not cancel
 * it in time) is recognized as stale and dropped.
 */
export class NamedTimers {
  private readonly live = new Map<TimerName, { token: number; handle: TimerHandle }>();
  private seq = 0;

  constructor(
    private readonly clock: Clock,
    private readonly fire: (name: TimerName) => void,
  ) {}

  set(name: TimerName, ms: number): void {
    this.clear(name);
    const token = ++this.seq;
    const handle = this.clock.setTimer(Math.max(0, ms), () => {
      if (this.live.get(name)?.token !== token) return;
      this.live.delete(name);
      this.fire(name);
    });
    this.live.set(name, { token, handle });
  }

  clear(name: TimerName): void {
    const t = this.live.get(name);
    if (!t) return;
    this.live.delete(name);
    this.clock.clearTimer(t.handle);
  }

  clearAll(): void {
    for (const name of [...this.live.keys()]) this.clear(name);
  }
}
