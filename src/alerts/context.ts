import os from 'node:os';
import type { NodeObservation } from '../api/status.js';
import type { Redact } from '../config/redact.js';
import type { NodewardenEvent } from '../events/types.js';
import type { StoredEvent } from '../store/types.js';
import { VERSION } from '../version.js';
import { formatDuration } from './helpers.js';
import type { AlertDecision } from './throttle.js';

/** What the alerter reads about a node when it renders (all optional: a node may be gone). */
export interface NodeFacts {
  readonly state: string | null;
  readonly pid: number | null;
  readonly restarts: number | null;
  readonly exitCode: number | null;
  readonly exitSignal: string | null;
  readonly held: boolean;
}

/** Where the context's facts come from (the daemon, or stubs in `alert test` and tests). */
export interface ContextSources {
  facts(node: string): NodeFacts | undefined;
  observe(node: string): NodeObservation | undefined;
  /** Recent events of a node (null: manager-wide ones), newest first. */
  recent(node: string | null, limit: number): StoredEvent[];
  /** The last n lines of a node's log ([] when there is none). */
  logTail(node: string, n: number): Promise<string[]>;
  /** Masks secrets in everything a template may show (the log tail above all: nodes print their own config). */
  readonly redaction?: Redact;
  /** The host's name as the operator set it (`host.name`); the system host name when absent. */
  hostName?(): string;
}

export interface EventView {
  readonly id: number | null;
  readonly ts: number;
  readonly time: string;
  readonly node: string | null;
  readonly type: string;
  readonly severity: string;
  readonly reason: string | null;
  readonly details: Readonly<Record<string, unknown>>;
}

/**
 * The object every alert template renders over (DESIGN §5). Every key is
 * always present (null when unknown), because rendering is strict.
 */
export interface AlertContext {
  readonly event: EventView;
  readonly node: {
    readonly name: string | null;
    readonly state: string | null;
    readonly health: string | null;
    readonly height: number | null;
    readonly referenceHeight: number | null;
    readonly lag: number | null;
    readonly restarts: number | null;
    readonly pid: number | null;
    readonly exitCode: number | null;
    readonly exitSignal: string | null;
    readonly held: boolean;
    readonly logTail: readonly string[];
  };
  readonly host: {
    readonly name: string;
    readonly uptimeSeconds: number;
    readonly uptime: string;
    readonly loadavg: string;
    readonly memFreeBytes: number;
    readonly memTotalBytes: number;
    readonly managerPid: number;
    readonly version: string;
  };
  readonly recent: readonly EventView[];
  /** Other events of this condition swallowed since the previous message. */
  readonly suppressed: number;
  readonly suppressedSince: number | null;
  /** The problem type the message is about (`out_of_sync` also for its `in_sync` note). */
  readonly condition: string;
  readonly resolved: boolean;
  /** True only for `nodewarden alert test`. */
  readonly test: boolean;
}

/** Lines of the node's log put into a mail. */
export const LOG_TAIL_LINES = 20;
const RECENT_EVENTS = 10;

/** An event, or the made-up one of `alert test` (whose type is `test`). */
export type EventLike = Omit<NodewardenEvent, 'type'> & { readonly type: string };

/** What is being rendered: a throttle decision, or a test alert shaped like one. */
export type Renderable = Omit<AlertDecision, 'event'> & { readonly event: EventLike };

/**
 * Gather everything a template may show about one decision, with secrets
 * masked (mails, .eml files and webhooks are all rendered from it). Never throws.
 */
export async function buildContext(d: Renderable, src: ContextSources, test = false): Promise<AlertContext> {
  const name = d.event.node;
  const facts = name ? safe(() => src.facts(name), undefined) : undefined;
  const o = name ? (safe(() => src.observe(name), undefined) ?? {}) : {};
  const logTail = name ? await src.logTail(name, LOG_TAIL_LINES).catch(() => []) : [];
  const recent = safe(() => src.recent(name, RECENT_EVENTS), []).map(eventView);
  const sync = syncFigures(d.event.details);
  const ctx: AlertContext = {
    event: eventView(d.event),
    node: {
      name,
      state: facts?.state ?? null,
      health: o.health ?? null,
      height: sync.height !== undefined ? sync.height : (o.height ?? null),
      referenceHeight:
        sync.referenceHeight !== undefined ? sync.referenceHeight : (o.referenceHeight ?? null),
      lag: sync.lag !== undefined ? sync.lag : (o.lag ?? null),
      restarts: facts?.restarts ?? null,
      pid: facts?.pid ?? null,
      exitCode: facts?.exitCode ?? null,
      exitSignal: facts?.exitSignal ?? null,
      held: facts?.held ?? false,
      logTail,
    },
    host: hostView(src.hostName?.() ?? os.hostname()),
    recent,
    suppressed: d.suppressed,
    suppressedSince: d.suppressedSince,
    condition: d.condition,
    resolved: d.resolved,
    test,
  };
  return src.redaction ? src.redaction.value(ctx) : ctx;
}

type SyncFigures = { -readonly [K in 'height' | 'referenceHeight' | 'lag']?: number | null };

/**
 * The heights an event recorded when it happened (out_of_sync, in_sync,
 * unreachable carry them): a mail rendered later shows these, never a newer
 * live value. A key the event does not carry is left out (the live value is used).
 */
function syncFigures(details: Readonly<Record<string, unknown>>): SyncFigures {
  const out: SyncFigures = {};
  const take = (key: keyof SyncFigures, ...names: string[]): void => {
    for (const n of names) {
      const v = details[n];
      if (v === null || (typeof v === 'number' && Number.isFinite(v))) {
        out[key] = v;
        return;
      }
    }
  };
  take('height', 'height');
  take('referenceHeight', 'referenceHeight', 'reference');
  take('lag', 'lag');
  return out;
}

/** An event as templates and webhooks see it. */
export function eventView(e: EventLike | StoredEvent): EventView {
  return {
    id: e.id ?? null,
    ts: e.ts,
    time: new Date(e.ts).toISOString(),
    node: e.node,
    type: e.type,
    severity: e.severity,
    reason: e.reason,
    details: e.details,
  };
}

function hostView(name: string): AlertContext['host'] {
  const up = os.uptime();
  return {
    name,
    uptimeSeconds: up,
    uptime: formatDuration(up),
    loadavg: os
      .loadavg()
      .map((x) => x.toFixed(2))
      .join(' '),
    memFreeBytes: os.freemem(),
    memTotalBytes: os.totalmem(),
    managerPid: process.pid,
    version: VERSION,
  };
}

function safe<T>(fn: () => T, fallback: T): T {
  try {
    return fn();
  } catch {
    return fallback;
  }
}
