import type { Redaction } from '../config/redact.js';
import type { ManagerConfig, NodeSpec } from '../config/types.js';
import type { Logger } from '../logger.js';
import type { MetricsSource } from '../metrics/source.js';
import type { Store } from '../store/store.js';
import type { Clock } from '../supervisor/clock.js';
import type { ReloadDiff } from '../supervisor/supervisor.js';
import type { PageSource } from '../web/snapshot.js';
import type { Rollouts } from '../policy/rollouts.js';
import type { TargetReloadPlan, TargetStatus } from '../protocol/types.js';

/** What a reload answers: the applied diff, or every problem (nothing applied). */
export type ReloadOutcome =
  { ok: true; diff: ReloadDiff; targets?: TargetReloadPlan } | { ok: false; problems: string[] };

/**
 * The part of a running daemon the control API and the status page use. The
 * daemon is passed in (structural typing); the control server never imports
 * it, so the data flow of DESIGN §7 stays one-way: daemon → control.
 */
export interface ControlHost extends MetricsSource, PageSource {
  readonly manager: ManagerConfig;
  readonly store: Store;
  readonly logger: Logger;
  readonly clock: Clock;
  /** Learns the generated control token, so it is masked like any secret. */
  readonly redaction: Redaction;
  readonly stopped: Promise<void>;
  /** Told of every update of a node's observation (rollouts wait on health through it). */
  readonly observations?: {
    onUpdate(fn: (node: string, fields: { readonly version?: string | null }) => void): () => void;
  };
  /** The daemon's one keeper of rolling restarts (restart, upgrade and reload share it). */
  readonly rollouts: Pick<Rollouts, 'begin'>;
  /** An upgrade's targets as the config on disk has them (validated, prepared; nothing applied). */
  pendingSpecs?(names: readonly string[]): Promise<Map<string, NodeSpec>>;
  /** Re-read and validate every config file; apply only if all of it is valid. */
  reload(): Promise<ReloadOutcome>;
  /** What `reload` would do now, touching nothing (no event, no DB write, no node). */
  previewReload(): ReloadOutcome;
  /** Stop every node (unless keepNodes) and release everything. */
  stop(opts?: { keepNodes?: boolean }): Promise<void>;
  /** Every watch-only target's status row; absent = no targets. */
  readonly targetStatus?: () => TargetStatus[];
}

/**
 * What a control server shares with its handlers: the daemon (as the
 * ControlHost it uses), and a lifecycle that tells long requests (`--wait`)
 * the server is closing, so a shutdown never waits on them.
 */
export interface ApiContext {
  readonly daemon: ControlHost;
  readonly lifecycle: Lifecycle;
}

/** Aborts pending waits on close and knows when every tracked request has settled. */
export class Lifecycle {
  private readonly controller = new AbortController();
  private readonly pending = new Set<Promise<unknown>>();

  /** Aborted once the server starts closing. */
  get signal(): AbortSignal {
    return this.controller.signal;
  }

  /** Remember a long operation so `close` can let it answer first. */
  track<T>(p: Promise<T>): Promise<T> {
    const settled = p.then(
      () => undefined,
      () => undefined,
    );
    this.pending.add(settled);
    void settled.then(() => this.pending.delete(settled));
    return p;
  }

  /** Abort every wait and resolve once the tracked operations have answered. */
  async close(): Promise<void> {
    this.controller.abort();
    await Promise.all([...this.pending]);
  }
}
