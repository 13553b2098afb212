import type { Redact } from '../config/redact.js';
import {
  DEFAULT_SEVERITY,
  type EventInput,
  type IntentChange,
  type NodewardenEvent,
  type ProcessRecord,
  type StateChange,
  type StopProgress,
  type StopStep,
  type TargetStateChange,
} from './types.js';

type Channels = {
  event: NodewardenEvent;
  state: StateChange;
  process: ProcessRecord;
  intent: IntentChange;
  stop: StopProgress;
  target: TargetStateChange;
};
type Channel = keyof Channels;
type Listener<C extends Channel> = (payload: Channels[C]) => void;

/**
 * The one path by which supervisor and policy tell everyone else what happened.
 * Delivery is synchronous and in order; each subscriber is isolated: a throwing
 * subscriber is counted and reported, and never reaches the emitter.
 *
 * It is also where secrets are masked: with a redactor set, every contract
 * event's `reason` and `details` are redacted before anyone (store, log,
 * alerts, status page) sees them. Process records are delivered as they are:
 * their argv is the identity a later manager compares to re-adopt a node, so
 * it is kept exact, and only the store (a 0600 database) subscribes to them.
 */
export class EventBus {
  private readonly listeners: { [C in Channel]: Set<Listener<C>> } = {
    event: new Set(),
    state: new Set(),
    process: new Set(),
    intent: new Set(),
    stop: new Set(),
    target: new Set(),
  };
  /** Subscriber exceptions caught so far (exported as a metric). */
  consumerErrors = 0;
  private redaction: Redact | null = null;

  constructor(
    private readonly wallNow: () => number = Date.now,
    private readonly onConsumerError: (err: unknown) => void = () => {},
  ) {}

  /** Mask secrets in every contract event emitted from now on (see the class comment). */
  redactWith(redaction: Redact | null): void {
    this.redaction = redaction;
  }

  /** Stamp, redact, freeze and deliver a contract event. Returns the frozen event. */
  emit(input: EventInput): NodewardenEvent {
    const r = this.redaction;
    const reason = input.reason ?? null;
    const details = { ...(input.details ?? {}) };
    const event: NodewardenEvent = Object.freeze({
      ts: this.wallNow(),
      node: input.node,
      type: input.type,
      severity: input.severity ?? DEFAULT_SEVERITY[input.type],
      reason: r && reason !== null ? r.text(reason) : reason,
      details: Object.freeze(r ? r.value(details) : details),
    });
    this.deliver('event', event);
    return event;
  }

  emitState(change: Omit<StateChange, 'ts'>): void {
    this.deliver('state', Object.freeze({ ts: this.wallNow(), ...change }));
  }

  /** A watch-only target's state changed (its state intervals follow it). */
  emitTarget(change: Omit<TargetStateChange, 'ts'>): void {
    this.deliver('target', Object.freeze({ ts: this.wallNow(), ...change }));
  }

  /** A node's process identity appeared or went away (crash-safety record). */
  emitProcess(record: ProcessRecord): void {
    this.deliver('process', Object.freeze({ ...record }));
  }

  /** The operator's intent for a node changed (desired state, hold). */
  emitIntent(change: IntentChange): void {
    this.deliver('intent', Object.freeze({ ...change }));
  }

  /** A step of a node's stop (signal sent, SIGKILL sent, gone); live views only, never stored. */
  emitStop(node: string, step: StopStep): void {
    this.deliver('stop', Object.freeze({ ts: this.wallNow(), node, ...step }));
  }

  /** Subscribe; returns the unsubscribe function. */
  on<C extends Channel>(channel: C, fn: Listener<C>): () => void {
    const set = this.listeners[channel] as Set<Listener<C>>;
    set.add(fn);
    return () => set.delete(fn);
  }

  /**
   * Resolve with the first payload on `channel` matching `predicate`
   * ("subscribe, then act, then wait"): call it before the action it awaits.
   */
  waitFor<C extends Channel>(
    channel: C,
    predicate: (payload: Channels[C]) => boolean,
    opts: { timeoutMs?: number; signal?: AbortSignal } = {},
  ): Promise<Channels[C]> {
    return new Promise((resolve, reject) => {
      let timer: NodeJS.Timeout | undefined;
      const done = (): void => {
        off();
        if (timer) clearTimeout(timer);
        opts.signal?.removeEventListener('abort', onAbort);
      };
      const off = this.on(channel, (p) => {
        if (predicate(p)) {
          done();
          resolve(p);
        }
      });
      const onAbort = (): void => {
        done();
        reject(new Error('waitFor aborted'));
      };
      opts.signal?.addEventListener('abort', onAbort);
      if (opts.timeoutMs !== undefined) {
        timer = setTimeout(() => {
          done();
          reject(new Error(`waitFor(${channel}) timed out after ${opts.timeoutMs} ms`));
        }, opts.timeoutMs);
      }
    });
  }

  private deliver<C extends Channel>(channel: C, payload: Channels[C]): void {
    for (const fn of [...(this.listeners[channel] as Set<Listener<C>>)]) {
      try {
        fn(payload);
      } catch (err) {
        this.consumerErrors++;
        try {
          this.onConsumerError(err);
        } catch {
          // a failing error reporter must not reach the emitter either
        }
      }
    }
  }
}
