import { readEvents, type EventsInput } from '../api/handlers/events.js';
import { readExport, type ExportInput } from '../api/handlers/export.js';
import type { ConfiguredNames } from '../api/handlers/node-filter.js';
import { readUptime, readUptimeRank, type UptimeInput } from '../api/handlers/uptime.js';
import { readHistory, type HistoryInput } from '../api/handlers/history.js';
import { rowWithoutFigures, targetRowWithoutFigures } from '../api/status.js';
import { loadConfig } from '../config/load.js';
import { Redaction } from '../config/redact.js';
import { MaskedSecrets } from '../config/secrets.js';
import { sensitiveValues } from '../config/sensitive.js';
import type { LoadedConfig, NodeSpec } from '../config/types.js';
import { NodewardenError } from '../errors.js';
import type {
  EventsResponse,
  ExportKind,
  HistoryResponse,
  NodeStatus,
  RankResponse,
  TargetStatus,
  UptimeResponse,
} from '../protocol/types.js';
import { openReadOnlyStore, type ReadOnlyStore } from '../store/read-only.js';
import { managerLockPath, readLock } from '../supervisor/lock.js';
import { isAlive, processStartedAtMs } from '../supervisor/proc.js';
import type { DaemonClient } from './connect.js';
import { formatTime } from './render/format.js';

/** States in which a node has a process. */
const LIVE = new Set(['starting', 'running', 'stopping']);

/** A `status --json` row read from the database: the NodeStatus fields plus where they came from. */
export interface RecordedNodeStatus extends NodeStatus {
  /** Always `database`: the last known state, not a live one. */
  source: 'database';
  /** When the last manager last recorded anything (ISO 8601), or null. */
  recordedAt: string | null;
}

/** A watch-only target's last known state with the daemon down (`up` / `down` from its last interval). */
export interface RecordedTargetStatus extends TargetStatus {
  source: 'database';
  recordedAt: string | null;
}

/**
 * The read verbs' answers with the daemon down: the state database opened
 * read-only, asked the way the daemon's API asks its Store (the same
 * functions), and the configuration for the node list and the secrets to mask.
 */
export class OfflineDatabase {
  private config: { ok: LoadedConfig } | { err: unknown } | undefined;

  private constructor(
    private readonly client: DaemonClient,
    private readonly store: ReadOnlyStore,
    private readonly now: number,
  ) {}

  /**
   * Open the database of `client`'s config dir. `down` is the error that
   * said the daemon is not running: with no database either, both are said.
   */
  static open(client: DaemonClient, down: NodewardenError): OfflineDatabase {
    const holder = liveManager(client.manager.stateDir);
    if (holder !== null) {
      // Its socket is not up yet (starting) or gone already (stopping): ask again, do not read behind its back.
      throw new NodewardenError(
        'E_DAEMON_UNREACHABLE',
        `nodewarden (pid ${holder}) holds ${managerLockPath(client.manager.stateDir)} but does not answer on ${client.where}: it is starting or stopping`,
        { hint: 'try again in a moment', cause: down.cause },
      );
    }
    let store: ReadOnlyStore;
    try {
      store = openReadOnlyStore(client.manager.stateDir);
    } catch (err) {
      if (err instanceof NodewardenError && err.details?.['missing'] === true) {
        throw new NodewardenError('E_STORE', err.message, {
          hint: `the daemon is not running either (no answer on ${client.where})${down.hint ? `; ${down.hint}` : ''}`,
          details: err.details,
        });
      }
      throw err;
    }
    const db = new OfflineDatabase(client, store, Date.now());
    try {
      // Events are masked before they are stored; this covers rows an older nodewarden stored as they were.
      const redaction = new Redaction();
      const config = db.loadConfig(false);
      redaction.learn([...store.secretValues(), ...(config ? sensitiveValues(config) : [])]);
      store.redactReads(redaction);
    } catch (err) {
      store.close();
      throw err;
    }
    return db;
  }

  /** The line that says where the answer comes from. */
  marker(): string {
    const at = this.store.lastRecorded();
    const when = at === null ? 'nothing recorded yet' : `recorded ${formatTime(at)}`;
    return `nodewarden is not running (last known state from ${this.store.file}, ${when})`;
  }

  events(q: EventsInput): EventsResponse {
    return readEvents(this.store, this.configured, this.now, q);
  }

  uptime(q: UptimeInput): UptimeResponse & { source: 'database' } {
    return { ...readUptime(this.store, this.configured, this.now, q), source: 'database' };
  }

  uptimeRank(q: { since?: string }): RankResponse & { source: 'database' } {
    return { ...readUptimeRank(this.store, this.now, q), source: 'database' };
  }

  history(name: string, q: HistoryInput): HistoryResponse {
    return readHistory(this.store, this.configured, this.now, name, q);
  }

  exportData(kind: ExportKind, q: ExportInput): string {
    return readExport(this.store, this.configured, this.now, kind, q).body;
  }

  /**
   * The configured names a glob or `all` is resolved against, as the daemon
   * resolves them (nodes, then watch-only targets): the config's problems are thrown only when a glob needs
   * the list; a plain name reads the history of any node, configured or not.
   */
  private readonly configured: ConfiguredNames = {
    names: () => configuredNames(this.loadConfig(true)!),
    has: (name) => {
      const config = this.loadConfig(false);
      return config ? configuredNames(config).includes(name) : false;
    },
  };

  /**
   * The last known state of every configured node, in config order. A pid is
   * shown only while that very process (same pid and start time in /proc)
   * still runs, e.g. a node that outlived a killed manager; a node recorded
   * with a process that is gone is `stopped`. No live data: health is
   * unknown, CPU, memory and height are null.
   */
  status(): (RecordedNodeStatus | RecordedTargetStatus)[] {
    const config = this.loadConfig(true)!; // throws the config's problems
    const records = this.store.loadNodes();
    const intervals = this.store.lastIntervals();
    const at = this.store.lastRecorded();
    const recordedAt = at === null ? null : new Date(at).toISOString();
    const nodes = config.nodes.map((spec: NodeSpec): RecordedNodeStatus => {
      const rec = records.get(spec.name);
      const iv = intervals.get(spec.name);
      const recorded = iv?.state ?? 'stopped';
      const proc = rec?.process ?? null;
      const alive = proc !== null && isAlive(proc.pid, proc.startTime);
      const state = alive
        ? LIVE.has(recorded)
          ? recorded
          : 'running'
        : LIVE.has(recorded)
          ? 'stopped'
          : recorded;
      const exit = alive ? null : this.store.lastExit(spec.name);
      return {
        ...rowWithoutFigures(spec.name, state),
        pid: alive ? proc.pid : null,
        uptimeSeconds: alive ? this.uptimeSeconds(proc.startTime) : null,
        restarts: rec?.restarts ?? 0,
        exitCode: exit?.code ?? null,
        exitSignal: exit?.signal ?? null,
        priority: spec.priority,
        held: rec?.held ?? false,
        group: spec.sync.group,
        profile: spec.profile,
        desired: rec?.desired ?? (spec.autostart ? 'running' : 'stopped'),
        source: 'database',
        recordedAt,
      };
    });
    // Watch-only targets after the nodes, as a running daemon lists them: up or down as last recorded.
    const targets = (config.targets ?? []).map((t): RecordedTargetStatus => {
      const last = intervals.get(t.name)?.state;
      return {
        ...targetRowWithoutFigures(t, last === 'up' || last === 'down' ? last : 'unknown'),
        source: 'database',
        recordedAt,
      };
    });
    return [...nodes, ...targets];
  }

  /** A live process's real age, from its /proc start time. */
  private uptimeSeconds(startTime: string): number | null {
    const at = processStartedAtMs(startTime, this.now);
    return at === null ? null : Math.max(0, Math.round((this.now - at) / 1000));
  }

  close(): void {
    this.store.close();
  }

  /**
   * The configuration, with secrets rendered masked (reading it never creates
   * or reveals one). Its problems are thrown when it is `required` (status
   * lists the configured nodes); else they leave it null (masking then relies
   * on the stored secrets and on what looks secret).
   */
  private loadConfig(required: boolean): LoadedConfig | null {
    if (this.config === undefined) {
      try {
        this.config = { ok: loadConfig(this.client.configDir, { secrets: new MaskedSecrets() }) };
      } catch (err) {
        this.config = { err };
      }
    }
    if ('ok' in this.config) return this.config.ok;
    if (required) throw this.config.err;
    return null;
  }
}

/** The pid of a live manager holding the stateDir's lock, or null (none, a stale lock, or unreadable). */
function liveManager(stateDir: string): number | null {
  try {
    const owner = readLock(managerLockPath(stateDir))?.owner ?? null;
    return owner !== null && isAlive(owner.pid, owner.startTime) ? owner.pid : null;
  } catch {
    return null;
  }
}

/** A config's node names, then its watch-only targets' names. */
function configuredNames(config: LoadedConfig): string[] {
  return [...config.nodes.map((n) => n.name), ...(config.targets ?? []).map((t) => t.name)];
}
