import type { EventType, NodewardenEvent } from '../events/types.js';
import { isResolving, nodeKey, RESOLVES } from './conditions.js';

/** Throttle memory of one node and condition; persisted so a restart keeps counting. */
export interface ThrottleState {
  /** Node name, '' for manager-wide events. */
  node: string;
  /** The problem event type (`crashed`, `out_of_sync` …). */
  condition: string;
  /** Wall ms of the last message of this key; its window runs from here. */
  lastSentTs: number | null;
  /** A problem was alerted (or swallowed) and has not been resolved yet. */
  open: boolean;
  /** Problem events swallowed in the current window. */
  suppressed: number;
  /** When the first swallowed one happened. */
  suppressedSinceTs: number | null;
  /** The latest swallowed event (a problem, or the resolution that followed swallowed ones): sent when the window ends. */
  pending: NodewardenEvent | null;
}

/** One message the alerter must render and enqueue. */
export interface AlertDecision {
  readonly event: NodewardenEvent;
  readonly condition: string;
  /** A resolved note (the condition cleared) rather than a problem. */
  readonly resolved: boolean;
  /** Other events of this condition swallowed since the previous message. */
  readonly suppressed: number;
  /** Wall ms of the first of those, or null. */
  readonly suppressedSince: number | null;
}

/**
 * The throttle rule (DESIGN §5), pure: wall time comes in as arguments.
 * - A problem event of a type in `alerts.on` is sent when its node+type key
 *   sent nothing within the window; otherwise it is swallowed and counted.
 * - When the window ends with swallowed events, one summary goes out: the
 *   latest of them, counting the others ("and 18 more crashes since …").
 * - A resolving event (`in_sync`, `resumed`, `started` after `fatal`,
 *   `config_reloaded`) sends a resolved note at once when it clears an open
 *   condition; if that condition had swallowed recurrences, the note waits for
 *   the summary at the window's end instead (so a flapping node mails about
 *   three times per window, not twice per flap). A resolving event that
 *   clears nothing sends nothing, even if listed in `alerts.on`.
 * So a key yields at most one problem message, one resolved note and one
 * summary per window.
 */
export class Throttle {
  private readonly states = new Map<string, ThrottleState>();
  private readonly dirty = new Set<string>();

  constructor(initial: readonly ThrottleState[] = []) {
    for (const s of initial) this.states.set(keyOf(s.node, s.condition), { ...s });
  }

  /** Feed one contract event; returns the messages to send now (often none). */
  onEvent(e: NodewardenEvent, now: number, windowMs: number, alertOn: ReadonlySet<string>): AlertDecision[] {
    const node = nodeKey(e.node);
    if (isResolving(e.type)) {
      const out: AlertDecision[] = [];
      for (const condition of RESOLVES[e.type]!) {
        const st = this.states.get(keyOf(node, condition));
        if (!st?.open) continue;
        st.open = false;
        this.touch(st);
        if (st.pending) st.pending = e;
        else out.push({ event: e, condition, resolved: true, suppressed: 0, suppressedSince: null });
      }
      return out;
    }
    if (!alertOn.has(e.type)) return [];
    const st = this.state(node, e.type);
    this.touch(st);
    const out: AlertDecision[] = [];
    if (st.lastSentTs !== null && now - st.lastSentTs < windowMs) {
      st.suppressed++;
      st.suppressedSinceTs ??= e.ts;
      st.pending = e;
      st.open = true;
      return out;
    }
    // Window over but its summary not sent yet (the timer was late, or a restart): fold it in.
    let suppressed = st.suppressed;
    if (st.pending && st.pending.type !== e.type) {
      out.push(this.summary(st));
      suppressed = 0;
    }
    out.push({
      event: e,
      condition: e.type,
      resolved: false,
      suppressed,
      suppressedSince: suppressed > 0 ? st.suppressedSinceTs : null,
    });
    this.reset(st, now);
    st.open = true;
    return out;
  }

  /** Summaries of every key whose window has ended with swallowed events. */
  flushDue(now: number, windowMs: number): AlertDecision[] {
    const out: AlertDecision[] = [];
    for (const st of this.states.values()) {
      if (!st.pending || (st.lastSentTs !== null && now - st.lastSentTs < windowMs)) continue;
      out.push(this.summary(st));
      this.reset(st, now);
      this.touch(st);
    }
    return out;
  }

  /** Wall ms when the next summary falls due, or null if none is waiting. */
  nextFlushAt(windowMs: number): number | null {
    let next: number | null = null;
    for (const st of this.states.values()) {
      if (!st.pending) continue;
      const at = (st.lastSentTs ?? 0) + windowMs;
      if (next === null || at < next) next = at;
    }
    return next;
  }

  /** True when some state changed since the last `takeDirty()`. */
  hasDirty(): boolean {
    return this.dirty.size > 0;
  }

  /** States changed since the last call (to persist), and forget that they changed. */
  takeDirty(): ThrottleState[] {
    const out = [...this.dirty].map((k) => ({ ...this.states.get(k)! }));
    this.dirty.clear();
    return out;
  }

  /** A copy of one key's state (tests, diagnostics). */
  get(node: string | null, condition: EventType): ThrottleState | undefined {
    const st = this.states.get(keyOf(nodeKey(node), condition));
    return st && { ...st };
  }

  private summary(st: ThrottleState): AlertDecision {
    const p = st.pending!;
    const resolved = p.type !== st.condition;
    const suppressed = resolved ? st.suppressed : Math.max(0, st.suppressed - 1);
    return {
      event: p,
      condition: st.condition,
      resolved,
      suppressed,
      suppressedSince: suppressed > 0 ? st.suppressedSinceTs : null,
    };
  }

  private reset(st: ThrottleState, now: number): void {
    st.lastSentTs = now;
    st.suppressed = 0;
    st.suppressedSinceTs = null;
    st.pending = null;
  }

  private state(node: string, condition: string): ThrottleState {
    const k = keyOf(node, condition);
    let st = this.states.get(k);
    if (!st) {
      st = {
        node,
        condition,
        lastSentTs: null,
        open: false,
        suppressed: 0,
        suppressedSinceTs: null,
        pending: null,
      };
      this.states.set(k, st);
    }
    return st;
  }

  private touch(st: ThrottleState): void {
    this.dirty.add(keyOf(st.node, st.condition));
  }
}

function keyOf(node: string, condition: string): string {
  return `${node}\u0000${condition}`;
}
