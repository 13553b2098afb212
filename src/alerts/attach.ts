import type { ObservationSource } from '../api/status.js';
import type { Redact } from '../config/redact.js';
import type { ManagerConfig } from '../config/types.js';
import type { EventBus } from '../events/bus.js';
import type { Logger } from '../logger.js';
import type { Clock } from '../supervisor/clock.js';
import { readLastLines } from '../logs/tail.js';
import type { Store } from '../store/store.js';
import type { Supervisor } from '../supervisor/supervisor.js';
import { Alerter } from './alerter.js';
import { buildChannels } from './channels/index.js';
import type { ContextSources } from './context.js';
import { Outbox } from './outbox.js';
import type { RetryPolicy } from './sender.js';
import { TemplateSet } from './templates.js';

/** Longest a manager shutdown waits for sends in flight (they are retried by the next run anyway). */
const STOP_WAIT_MS = 5_000;

/** The part of the daemon alerts use (the daemon is passed in; alerts never import it). */
export interface AlerterHost {
  readonly manager: ManagerConfig;
  readonly bus: EventBus;
  readonly store: Store;
  readonly supervisor: Supervisor;
  readonly logger: Logger;
  readonly clock: Clock;
  readonly redaction: Redact;
  observe: ObservationSource;
  addWatcher(w: { name: string; stop(): Promise<void> | void }): void;
}

export interface AttachAlerterOptions {
  retry?: RetryPolicy;
}

/**
 * Wire alerts into a daemon (DESIGN §5): templates from `templatesDir`, the
 * channels of `alerts.*`, the outbox in the daemon's store, and a bus
 * subscriber; registers its own stop as the `alerter` watcher. Returns the
 * alerter (for diagnostics and tests).
 */
export function attachAlerter(daemon: AlerterHost, opts: AttachAlerterOptions = {}): Alerter {
  const { manager, logger, clock } = daemon;
  const alerter = new Alerter({
    bus: daemon.bus,
    clock,
    logger,
    outbox: new Outbox(daemon.store.db, logger, () => clock.now()),
    templates: new TemplateSet(manager.templatesDir, logger),
    channels: buildChannels(manager),
    sources: daemonSources(daemon.supervisor, daemon.store, daemon.observe, manager.logDir, daemon.redaction),
    config: () => daemon.supervisor.managerConfig(),
    ...(opts.retry ? { retry: opts.retry } : {}),
  });
  alerter.start();
  daemon.addWatcher({
    name: 'alerter',
    stop: async () => {
      let timer: ReturnType<typeof clock.setTimer> | null = null;
      const bound = new Promise<void>((resolve) => (timer = clock.setTimer(STOP_WAIT_MS, resolve)));
      await Promise.race([alerter.stop(), bound]);
      if (timer) clock.clearTimer(timer);
    },
  });
  return alerter;
}

/** The facts a mail shows about a node, read from the running daemon. */
export function daemonSources(
  supervisor: Supervisor,
  store: Store,
  observe: ObservationSource,
  logDir: string,
  redaction?: Redact,
): ContextSources {
  return {
    ...(redaction ? { redaction } : {}),
    hostName: () => supervisor.managerConfig().host.name,
    facts(name) {
      const s = supervisor.runner(name)?.snapshot();
      return (
        s && {
          state: s.state,
          pid: s.pid,
          restarts: s.restarts,
          exitCode: s.exitCode,
          exitSignal: s.exitSignal,
          held: s.held,
        }
      );
    },
    observe,
    recent(node, limit) {
      if (node !== null) return store.queryEvents({ node, limit });
      return store
        .queryEvents({ limit: 100 })
        .filter((e) => e.node === null)
        .slice(0, limit);
    },
    logTail: (name, n) => readLastLines(logDir, name, n),
  };
}
