import type { Logger } from '../logger.js';
import type { ExitInfo, ProcessDriver, ProcessIdentity, SpawnedProcess, SpawnOptions } from './driver.js';

/** Where a ProcessSlot reports what became of its current process. */
export interface SlotReports {
  spawned(identity: ProcessIdentity): void;
  spawnFailed(error: string): void;
  exited(exit: ExitInfo): void;
  /** A report handler threw (a bug): the slot hands the error back instead of losing it. */
  broken(err: unknown): void;
}

/**
 * A node's one current process, spawned or adopted, behind the ProcessDriver.
 * Every spawn or watch starts a new generation; a spawn result or exit report
 * of an older generation is stale and never reported (a process spawned for a
 * generation nobody waits for any more is killed, so it cannot live on
 * unrecorded).
 */
export class ProcessSlot {
  private generation = 0;
  private current: { generation: number; identity: ProcessIdentity | null; startedAt: number | null } | null =
    null;
  /** How the last process of this slot ended. */
  lastExit: ExitInfo = { code: null, signal: null };

  constructor(
    private readonly driver: ProcessDriver,
    private readonly wallNow: () => number,
    private readonly reports: SlotReports,
    private readonly logger: Logger,
    /** Prefix of log lines (the node name). */
    private readonly label: string,
  ) {}

  /** The live process, null while none (or while its spawn is in flight). */
  identity(): ProcessIdentity | null {
    return this.current?.identity ?? null;
  }

  /** Wall ms the live process started (for a survivor: its real start where known, else its adoption), or null. */
  startedAt(): number | null {
    return this.current?.startedAt ?? null;
  }

  /** A process exists or is being spawned. */
  occupied(): boolean {
    return this.current !== null;
  }

  /** Spawn a process; `opts` is read now (a throw is reported as a spawn failure). */
  spawn(opts: () => SpawnOptions): void {
    const generation = this.next();
    let spawning: Promise<SpawnedProcess>;
    try {
      spawning = this.driver.spawn(opts());
    } catch (err) {
      spawning = Promise.reject(err);
    }
    spawning
      .then(
        (p) => {
          const identity: ProcessIdentity = {
            pid: p.pid,
            pgid: p.pgid,
            startTime: p.startTime,
            argv: p.argv,
          };
          if (generation !== this.generation) {
            this.logger.warn(`${this.label}: pid ${p.pid} spawned after its runner moved on; killed`);
            this.driver.killTree(p.pid, p.pgid).catch(() => {});
            return;
          }
          this.current = { generation, identity, startedAt: this.wallNow() };
          this.reports.spawned(identity);
          p.exited.then((exit) => this.ended(generation, exit)).catch((err) => this.reports.broken(err));
        },
        (err: unknown) => {
          if (generation !== this.generation) return;
          this.current = null;
          this.reports.spawnFailed(err instanceof Error ? err.message : String(err));
        },
      )
      .catch((err) => this.reports.broken(err));
  }

  /**
   * Take over a live process this manager did not spawn; its exit code will be
   * unknown. Its start is its real one where the driver can tell (its age
   * counts from then, not from the adoption).
   */
  watch(identity: ProcessIdentity): void {
    const generation = this.next();
    const startedAt = this.driver.startedAt?.(identity) ?? this.wallNow();
    this.current = { generation, identity, startedAt };
    this.driver
      .watch(identity)
      .then((exit) => this.ended(generation, exit))
      .catch((err) => this.reports.broken(err));
  }

  /**
   * Replace the live process's identity with what it is now (same pid and
   * start time, argv after an exec). False if that is not the live process.
   */
  reidentify(identity: ProcessIdentity): boolean {
    const cur = this.current;
    if (!cur?.identity || cur.identity.pid !== identity.pid || cur.identity.startTime !== identity.startTime)
      return false;
    this.current = { ...cur, identity };
    return true;
  }

  /** Signal the process group of `pid` if it is the live process; false if it is not. */
  signal(pid: number, signal: NodeJS.Signals): boolean {
    const id = this.live(pid);
    if (id) this.driver.signalGroup(id.pgid, signal);
    return id !== null;
  }

  /** SIGKILL the tree of `pid` if it is the live process. */
  kill(pid: number, onError: (err: unknown) => void): void {
    const id = this.live(pid);
    if (id) this.driver.killTree(id.pid, id.pgid).catch(onError);
  }

  /** Forget the current process without touching it: later reports about it are stale. */
  abandon(): void {
    this.next();
    this.current = null;
  }

  private next(): number {
    this.generation++;
    this.current = { generation: this.generation, identity: null, startedAt: null };
    return this.generation;
  }

  private ended(generation: number, exit: ExitInfo): void {
    if (generation !== this.generation || this.current?.generation !== generation) {
      this.logger.debug(`${this.label}: stale exit report of generation ${generation} dropped`);
      return;
    }
    this.current = null;
    this.lastExit = { code: exit.code, signal: exit.signal };
    this.reports.exited(this.lastExit);
  }

  private live(pid: number): ProcessIdentity | null {
    const id = this.current?.identity ?? null;
    return id && id.pid === pid ? id : null;
  }
}
