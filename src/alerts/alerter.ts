import type { ManagerConfig } from '../config/types.js';
import type { EventBus } from '../events/bus.js';
import type { NodewardenEvent } from '../events/types.js';
import type { Logger } from '../logger.js';
import type { Clock, TimerHandle } from '../supervisor/clock.js';
import { conditionLabel, isResolving } from './conditions.js';
import { buildContext, type AlertContext, type ContextSources } from './context.js';
import type { NewOutboxRow, Outbox, OutboxRow } from './outbox.js';
import { ChannelPump, DEFAULT_RETRY, type RetryPolicy } from './sender.js';
import type { TemplateSet, RenderedMessage } from './templates.js';
import { Throttle, type AlertDecision } from './throttle.js';
import { buildPayload } from './payload.js';
import type { AlertMeta, Channel } from './types.js';

const DAY = 86_400_000;
const PRUNE_EVERY_MS = 3_600_000;

export interface AlerterDeps {
  bus: EventBus;
  clock: Clock;
  logger: Logger;
  outbox: Outbox;
  templates: TemplateSet;
  channels: readonly Channel[];
  sources: ContextSources;
  /** The current manager config (read at each event, so a reload changes `alerts.on` and the window). */
  config: () => ManagerConfig;
  retry?: RetryPolicy;
}

/** Counters for logs, metrics and tests. */
export interface AlerterStats {
  readonly queued: number;
  readonly sent: number;
  readonly failed: number;
  readonly templateErrors: number;
  readonly outboxWriteErrors: number;
}

/** Alerts waiting in the outbox for one kind of channel. */
export interface AlertBacklog {
  readonly channel: string;
  readonly pending: number;
  /** Wall-clock epoch ms the oldest pending alert was created; null when none is pending. */
  readonly oldestCreatedTs: number | null;
}

/**
 * Events → alerts (DESIGN §5). The bus subscriber only decides (throttle, in
 * memory) and queues, synchronously; rendering (log tail, recent events,
 * templates) and the outbox write happen a tick later on an async worker, and
 * every channel's pump sends from the outbox on its own. Nothing here ever
 * blocks or throws into supervision. Each alert is stored once per channel
 * before any send; after a restart the pending rows are sent at once.
 * A row given up after `retry.giveUpAfterMs` raises `alert_failed`, except for
 * rows that were themselves about `alert_failed` (those are only logged: no loop).
 *
 * Deliberate limits: the small window between an event and its outbox row
 * (one render) lives in memory only (the event itself is in the store);
 * channels are built once at start (a reload changes `alerts.on`, the window
 * and recipients, not the SMTP server or webhooks); no daily digest.
 */
export class Alerter {
  private throttle!: Throttle;
  private readonly pumps: ChannelPump[];
  private readonly jobs: AlertDecision[][] = [];
  private worker: Promise<void> | null = null;
  private flushTimer: TimerHandle | null = null;
  private pruneTimer: TimerHandle | null = null;
  private off: (() => void) | null = null;
  private stopped = false;
  private counts = { queued: 0, sent: 0, failed: 0 };

  constructor(private readonly deps: AlerterDeps) {
    const retry = deps.retry ?? DEFAULT_RETRY;
    this.pumps = deps.channels.map(
      (ch) =>
        new ChannelPump(ch, deps.outbox, deps.clock, retry, deps.logger, {
          onSent: (row, info) => this.sent(row, info),
          onGiveUp: (row, error) => this.gaveUp(row, error),
        }),
    );
  }

  /** Load throttle memory, retire rows of channels no longer configured, subscribe, send what is pending. */
  start(): void {
    const { outbox, clock, bus, logger } = this.deps;
    this.throttle = new Throttle(outbox.loadThrottle());
    const now = clock.wallNow();
    const known = new Set(this.pumps.map((p) => p.channel.id));
    for (const ch of outbox.pendingChannels()) {
      if (known.has(ch)) continue;
      const n = outbox.failChannel(ch, 'channel no longer configured', now);
      logger.warn(`alerts: ${n} pending alert(s) for "${ch}", which is no longer configured, marked failed`);
    }
    const retried = outbox.allDueNow(now);
    if (retried > 0) logger.info(`alerts: ${retried} alert(s) left pending by the previous run are sent now`);
    this.off = bus.on('event', (e) => this.onEvent(e));
    this.scheduleFlush();
    this.prune();
    for (const p of this.pumps) p.kick();
  }

  /** Unsubscribe, finish rendering what was queued, let sends in flight end, close channels. */
  async stop(): Promise<void> {
    if (this.stopped) return;
    this.stopped = true;
    this.off?.();
    for (const t of [this.flushTimer, this.pruneTimer]) if (t) this.deps.clock.clearTimer(t);
    await this.worker;
    await Promise.all(this.pumps.map((p) => p.stop()));
    for (const ch of this.deps.channels) ch.close();
  }

  /** Resolves once nothing is queued, rendering or being sent (tests, `alert test`). */
  async settled(): Promise<void> {
    for (;;) {
      const busy = [this.worker, ...this.pumps.map((p) => p.idle())];
      const pending = busy.filter((b): b is Promise<void> => b !== null);
      if (pending.length === 0) return;
      await Promise.all(pending);
    }
  }

  /**
   * The outbox backlog by channel kind (`email`, `webhook`: webhook URLs may
   * hold secrets, so they are not named): pending alerts and the creation time
   * of the oldest (null when none). Every configured kind is listed.
   */
  backlog(): AlertBacklog[] {
    const byKind = new Map<string, AlertBacklog>();
    for (const ch of this.deps.channels)
      byKind.set(ch.kind, { channel: ch.kind, pending: 0, oldestCreatedTs: null });
    const kindOf = new Map(this.deps.channels.map((ch) => [ch.id, ch.kind]));
    for (const [id, b] of this.deps.outbox.backlog()) {
      const kind = kindOf.get(id) ?? (id.startsWith('webhook') ? 'webhook' : 'email');
      const was = byKind.get(kind) ?? { channel: kind, pending: 0, oldestCreatedTs: null };
      byKind.set(kind, {
        channel: kind,
        pending: was.pending + b.pending,
        oldestCreatedTs: Math.min(was.oldestCreatedTs ?? Infinity, b.oldestCreatedTs),
      });
    }
    return [...byKind.values()];
  }

  stats(): AlerterStats {
    return {
      ...this.counts,
      templateErrors: this.deps.templates.errors,
      outboxWriteErrors: this.deps.outbox.writeErrors,
    };
  }

  // The supervision path: decide and queue, nothing else.
  private onEvent(e: NodewardenEvent): void {
    if (this.stopped) return;
    const cfg = this.deps.config().alerts;
    const on = new Set(cfg.on);
    if (!on.has(e.type) && !isResolving(e.type)) return;
    const decisions = this.throttle.onEvent(e, this.deps.clock.wallNow(), cfg.throttleSeconds * 1000, on);
    // A resolving event that clears nothing (every plain `started`) changes nothing: no job, no write.
    if (decisions.length === 0 && !this.throttle.hasDirty()) return;
    this.enqueue(decisions);
    this.scheduleFlush();
  }

  private enqueue(decisions: AlertDecision[]): void {
    // An empty job still persists the throttle change (a swallowed event is counted across restarts).
    this.jobs.push(decisions);
    this.worker ??= new Promise<void>((resolve) => setImmediate(resolve)).then(() => this.work());
  }

  private async work(): Promise<void> {
    try {
      for (let job = this.jobs.shift(); job; job = this.jobs.shift()) {
        try {
          await this.process(job);
        } catch (err) {
          this.deps.logger.error(`alerts: could not prepare an alert: ${String(err)}`);
        }
      }
    } finally {
      this.worker = null;
    }
  }

  private async process(decisions: AlertDecision[]): Promise<void> {
    const rows: NewOutboxRow[] = [];
    for (const d of decisions) {
      const ctx = await buildContext(d, this.deps.sources);
      const msg = this.deps.templates.render(d.event.type, ctx);
      rows.push(...this.rowsFor(d, ctx, msg));
      this.deps.logger.info(
        `alerts: ${conditionLabel(d.event.node, d.event.type)}${d.resolved ? ' (resolved)' : ''}` +
          `${d.suppressed ? ` +${d.suppressed} suppressed` : ''}: queued for ${this.deps.channels.length} channel(s)`,
      );
    }
    this.counts.queued += rows.length;
    // An earlier job may already have saved this job's throttle change: then there is nothing to write.
    const throttle = this.throttle.takeDirty();
    if (rows.length > 0 || throttle.length > 0) this.deps.outbox.add(rows, throttle);
    if (rows.length > 0) for (const p of this.pumps) p.kick();
  }

  private rowsFor(d: AlertDecision, ctx: AlertContext, msg: RenderedMessage): NewOutboxRow[] {
    const createdTs = this.deps.clock.wallNow();
    const email = this.deps.config().alerts.email;
    const meta: AlertMeta = {
      node: d.event.node,
      type: d.event.type,
      resolved: d.resolved,
      suppressed: d.suppressed,
    };
    const key = conditionLabel(d.event.node, d.condition);
    return this.deps.channels.map((ch) => ({
      createdTs,
      channel: ch.id,
      key,
      payload: buildPayload(ch, meta, ctx, msg, email, createdTs),
    }));
  }

  private scheduleFlush(): void {
    if (this.stopped) return;
    const windowMs = this.deps.config().alerts.throttleSeconds * 1000;
    const at = this.throttle.nextFlushAt(windowMs);
    if (this.flushTimer) this.deps.clock.clearTimer(this.flushTimer);
    this.flushTimer = null;
    if (at === null) return;
    this.flushTimer = this.deps.clock.setTimer(Math.max(0, at - this.deps.clock.wallNow()), () => {
      this.flushTimer = null;
      const ms = this.deps.config().alerts.throttleSeconds * 1000;
      const due = this.throttle.flushDue(this.deps.clock.wallNow(), ms);
      if (due.length > 0) this.enqueue(due);
      this.scheduleFlush();
    });
  }

  private prune(): void {
    const days = this.deps.config().retention.eventsDays;
    this.deps.outbox.prune(this.deps.clock.wallNow() - days * DAY);
    this.pruneTimer = this.deps.clock.setTimer(PRUNE_EVERY_MS, () => this.prune());
  }

  private sent(row: OutboxRow, info: string): void {
    this.counts.sent++;
    this.deps.logger.info(`alerts: ${row.key} sent via ${row.channel}: ${info}`);
  }

  private gaveUp(row: OutboxRow, error: string): void {
    this.counts.failed++;
    const meta = row.payload?.meta;
    const details = {
      channel: row.channel,
      outboxId: row.id,
      alert: meta?.type ?? null,
      attempts: row.attempts,
      error,
    };
    if (meta?.type === 'alert_failed') {
      this.deps.logger.error(
        `alerts: gave up sending an alert_failed alert via ${row.channel}: ${error}`,
        details,
      );
      return;
    }
    this.deps.bus.emit({ node: meta?.node ?? null, type: 'alert_failed', reason: row.channel, details });
  }
}
