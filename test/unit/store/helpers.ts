import fs from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { EventBus } from '../../../src/events/bus.js';
import { nullLogger, type Logger } from '../../../src/logger.js';
import { attachStore } from '../../../src/store/attach.js';
import { openStore } from '../../../src/store/db.js';
import type { Store } from '../../../src/store/store.js';
import type { Clock, TimerHandle } from '../../../src/supervisor/clock.js';

/** A clock the test moves by hand; `advance` fires due timers in order. */
export class FakeClock implements Clock {
  private mono = 0;
  private seq = 0;
  private readonly timers = new Map<number, { at: number; fn: () => void }>();

  constructor(public wall = Date.UTC(2024, 0, 1)) {}

  now(): number {
    return this.mono;
  }

  wallNow(): number {
    return this.wall;
  }

  setTimer(ms: number, fn: () => void): TimerHandle {
    const id = ++this.seq;
    this.timers.set(id, { at: this.mono + Math.max(0, ms), fn });
    return { id };
  }

  clearTimer(h: TimerHandle): void {
    this.timers.delete(h.id);
  }

  get pendingTimers(): number {
    return this.timers.size;
  }

  advance(ms: number): void {
    const target = this.mono + ms;
    for (;;) {
      const due = [...this.timers.entries()]
        .filter(([, t]) => t.at <= target)
        .sort((a, b) => a[1].at - b[1].at)[0];
      if (!due) break;
      this.timers.delete(due[0]);
      this.mono = due[1].at;
      due[1].fn();
    }
    this.mono = target;
    this.wall += ms;
  }
}

/** A logger that keeps its lines, to assert on what was said (and what was not). */
export class MemoryLogger implements Logger {
  readonly lines: { level: string; message: string; meta?: Record<string, unknown> }[] = [];
  error(message: string, meta?: Record<string, unknown>): void {
    this.lines.push({ level: 'error', message, ...(meta && { meta }) });
  }
  warn(message: string, meta?: Record<string, unknown>): void {
    this.lines.push({ level: 'warn', message, ...(meta && { meta }) });
  }
  info(message: string, meta?: Record<string, unknown>): void {
    this.lines.push({ level: 'info', message, ...(meta && { meta }) });
  }
  debug(message: string, meta?: Record<string, unknown>): void {
    this.lines.push({ level: 'debug', message, ...(meta && { meta }) });
  }
  /** Everything logged, as one string (to check a secret never appears). */
  text(): string {
    return JSON.stringify(this.lines);
  }
}

/** A fresh temp dir and its cleanup. */
export function tempDir(): { dir: string; cleanup: () => void } {
  const dir = fs.mkdtempSync(path.join(os.tmpdir(), 'nw-'));
  return { dir, cleanup: () => fs.rmSync(dir, { recursive: true, force: true }) };
}

/** Resolve after the pending setImmediate flush has run. */
export function nextTick(): Promise<void> {
  return new Promise((resolve) => setImmediate(resolve));
}

/** Start of the store tests' wall clock (2024-01-01T00:00:00Z). */
export const T0 = Date.UTC(2024, 0, 1);

/** A store in a temp dir, fed by a bus on a FakeClock at T0; everything is closed and removed after `fn`. */
export async function withStore(
  fn: (store: Store, bus: EventBus, clock: FakeClock) => Promise<void> | void,
): Promise<void> {
  const { dir, cleanup } = tempDir();
  const clock = new FakeClock(T0);
  const store = openStore(dir, { logger: nullLogger, clock });
  const bus = new EventBus(() => clock.wallNow());
  const detach = attachStore(bus, store);
  try {
    await fn(store, bus, clock);
  } finally {
    detach();
    store.close();
    cleanup();
  }
}

/** A store in a temp dir on a FakeClock at T0, with no bus; closed and removed after `fn`. */
export function withPlainStore(fn: (store: Store, clock: FakeClock) => void): void {
  const { dir, cleanup } = tempDir();
  const clock = new FakeClock(T0);
  const store = openStore(dir, { logger: nullLogger, clock });
  try {
    fn(store, clock);
  } finally {
    store.close();
    cleanup();
  }
}
