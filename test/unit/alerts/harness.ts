import fs from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { Alerter } from '../../../src/alerts/alerter.js';
import type { ContextSources } from '../../../src/alerts/context.js';
import { Outbox } from '../../../src/alerts/outbox.js';
import type { RetryPolicy } from '../../../src/alerts/sender.js';
import { TemplateSet } from '../../../src/alerts/templates.js';
import type { Channel, OutboxPayload, SendContext } from '../../../src/alerts/types.js';
import type { ManagerConfig } from '../../../src/config/types.js';
import { EventBus } from '../../../src/events/bus.js';
import type { NodewardenEvent } from '../../../src/events/types.js';
import { nullLogger } from '../../../src/logger.js';
import { openStore, type Store } from '../../../src/store/index.js';
import { FakeClock } from '../../helpers/fake-clock.js';

/** A channel that records what it was asked to send and fails while told to. */
export class FakeChannel implements Channel {
  readonly sent: { payload: OutboxPayload; ctx: SendContext }[] = [];
  attempts = 0;
  failWith: string | null = null;
  /** While set, sends wait on it (an SMTP server that hangs). */
  gate: Promise<void> | null = null;
  closed = false;

  constructor(
    readonly id: string,
    readonly kind: 'email' | 'webhook' = 'email',
  ) {}

  get label(): string {
    return `fake ${this.id}`;
  }

  async send(payload: OutboxPayload, ctx: SendContext): Promise<string> {
    this.attempts++;
    if (this.gate) await this.gate;
    if (this.failWith)
      throw Object.assign(new Error(`failed: ${this.failWith}`), { response: this.failWith });
    this.sent.push({ payload, ctx });
    return 'ok';
  }

  close(): void {
    this.closed = true;
  }

  subjects(): string[] {
    return this.sent.map((s) => (s.payload.kind === 'email' ? s.payload.subject : s.payload.body.subject));
  }
}

export const SOURCES: ContextSources = {
  facts: () => ({ state: 'backoff', pid: null, restarts: 1, exitCode: 3, exitSignal: null, held: false }),
  observe: () => undefined,
  recent: () => [],
  logTail: async () => [],
};

export function alertsConfig(over: Partial<ManagerConfig['alerts']> = {}): ManagerConfig {
  return {
    alerts: {
      on: ['crashed', 'fatal', 'out_of_sync', 'in_sync', 'alert_failed'],
      throttleSeconds: 300,
      email: { from: 'nw@localhost', to: ['ops@localhost'], smtp: null },
      webhooks: [],
      ...over,
    },
    retention: { eventsDays: 90, samplesDays: 30 },
  } as unknown as ManagerConfig;
}

export interface Rig {
  readonly dir: string;
  readonly clock: FakeClock;
  readonly bus: EventBus;
  readonly store: Store;
  readonly events: NodewardenEvent[];
  alerter: Alerter;
  outbox: Outbox;
  /** Build and start an alerter on the rig's store (a "manager start"). */
  start(
    channels: Channel[],
    opts?: { templatesDir?: string; config?: ManagerConfig; retry?: RetryPolicy },
  ): Alerter;
  crash(node?: string, code?: number): NodewardenEvent;
  close(): Promise<void>;
}

/** A FakeClock, a bus and a real store in a temp dir; alerters are started on demand. */
export function rig(): Rig {
  const dir = fs.mkdtempSync(path.join(os.tmpdir(), 'nw-'));
  const clock = new FakeClock();
  const bus = new EventBus(() => clock.wallNow());
  const store = openStore(dir, { logger: nullLogger, clock });
  const events: NodewardenEvent[] = [];
  bus.on('event', (e) => {
    events.push(e);
    store.append(e);
  });
  const r: Rig = {
    dir,
    clock,
    bus,
    store,
    events,
    alerter: null as unknown as Alerter,
    outbox: null as unknown as Outbox,
    start(channels, opts = {}) {
      r.outbox = new Outbox(store.db, nullLogger);
      const config = opts.config ?? alertsConfig();
      r.alerter = new Alerter({
        bus,
        clock,
        logger: nullLogger,
        outbox: r.outbox,
        templates: new TemplateSet(opts.templatesDir ?? path.join(dir, 'no-templates'), nullLogger),
        channels,
        sources: SOURCES,
        config: () => config,
        ...(opts.retry ? { retry: opts.retry } : {}),
      });
      r.alerter.start();
      return r.alerter;
    },
    crash(node = 'ant-1', code = 3) {
      return bus.emit({ node, type: 'crashed', details: { code, signal: null, uptimeMs: 1500 } });
    },
    async close() {
      await r.alerter?.stop();
      store.close();
      fs.rmSync(dir, { recursive: true, force: true });
    },
  };
  return r;
}
