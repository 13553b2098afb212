/**
 * The sync policy (DESIGN §3): keeps each node's height readings and each
 * group's reference readings, and turns them into health verdicts with
 * evidence. Pure decision code: time comes from the injected clock, nothing
 * here probes, emits or restarts; the caller feeds readings in and acts on the
 * verdict changes it gets back.
 */
import type { Clock } from '../supervisor/clock.js';
import type { Health } from '../supervisor/states.js';
import { ReferenceBook, type ReferenceChange } from './sync-references.js';
import { judge, type NodeReadings } from './sync-rules.js';
import type { SyncEvidence, SyncEventType, SyncSettings, VerdictChange } from './sync-types.js';

/** Stall time and failures in a row of a group's references when no member says (sync.stallMs, limits.forSamples defaults). */
const DEFAULT_REFERENCE_STALL_MS = 600_000;
const DEFAULT_REFERENCE_FAIL_AFTER = 3;

type Mutable<T> = { -readonly [K in keyof T]: T[K] };

interface Track extends Mutable<NodeReadings> {
  running: boolean;
  /** Monotonic ms the current health began. */
  healthSince: number;
  /** The open episode (survives restarts): opened by out_of_sync / unreachable, closed by in_sync. */
  episode: Exclude<SyncEventType, 'in_sync'> | null;
  lags: { at: number; lag: number }[];
  lastError: string | null;
  lastReference: number | null;
  lastLag: number | null;
}

/** What status and metrics show of a node's sync state. */
export interface SyncView {
  readonly health: Health;
  readonly height: number | null;
  readonly referenceHeight: number | null;
  readonly lag: number | null;
}

export class SyncPolicy {
  private readonly nodes = new Map<string, Track>();
  /** Each group's external references and their quorum (sync-references.ts). */
  private readonly refs = new Map<string, ReferenceBook>();
  /** Each group's reference as last judged, and when it last rose (the stall rule asks). */
  private readonly tips = new Map<string, { height: number; movedAt: number }>();

  constructor(private readonly clock: Clock) {}

  /** Set (or update, after a reload) a node's settings; its readings are kept. */
  configure(node: string, settings: SyncSettings): void {
    const t = this.nodes.get(node);
    if (t) t.settings = settings;
    else this.nodes.set(node, this.fresh(settings, null));
  }

  /** Drop a node that left the configuration (or lost its height probe). */
  forget(node: string): void {
    this.nodes.delete(node);
  }

  /** Nodes the policy keeps readings for. */
  known(): string[] {
    return [...this.nodes.keys()];
  }

  has(node: string): boolean {
    return this.nodes.has(node);
  }

  /**
   * The node (re)entered `running`: its readings start over and its startup
   * grace restarts from now, at every start. The open episode is kept, so the
   * `in_sync` that follows a restart for out_of_sync still closes it.
   */
  started(node: string): void {
    const t = this.nodes.get(node);
    if (!t) return;
    const episode = t.episode;
    const next = this.fresh(t.settings, episode);
    next.running = true;
    this.nodes.set(node, next);
  }

  /** The node left `running`: no verdict until it runs again (no event). */
  stopped(node: string): void {
    const t = this.nodes.get(node);
    if (!t) return;
    const next = this.fresh(t.settings, t.episode);
    this.nodes.set(node, next);
  }

  /**
   * A good height reading; `syncing` is the daemon's own flag when its probe
   * reads one (a preset). Returns the verdict changes in the node's group.
   */
  height(node: string, height: number, syncing: boolean | null = null): VerdictChange[] {
    const t = this.nodes.get(node);
    if (!t || !t.running) return [];
    const now = this.clock.now();
    t.saysSyncing = syncing;
    t.failures = 0;
    t.failingSince = null;
    t.lastError = null;
    const moved = t.last === null || t.last.height !== height;
    t.last = { height, at: now };
    if (moved) {
      t.heightSince = now;
      t.refAtHeightSince = this.referenceOf(t.settings.group, now);
      t.refRoseAt = null;
    }
    return this.evaluate(t.settings.group);
  }

  /** A failed height probe (error, timeout, or a value that is no height). */
  heightFailed(node: string, error: string): VerdictChange[] {
    const t = this.nodes.get(node);
    if (!t || !t.running) return [];
    t.failures++;
    t.failingSince ??= this.clock.now();
    t.lastError = error;
    return this.evaluate(t.settings.group);
  }

  /**
   * The keys of a group's reference probes now (`reference.0` …); readings of
   * other keys, and of `changed` ones (now another probe), are dropped.
   */
  configureReferences(group: string, keys: readonly string[], changed: readonly string[] = []): void {
    this.book(group).configure(keys, changed);
  }

  /** A reading of one of a group's reference probes (`sync.reference`), kept `staleMs`. */
  referenceReading(group: string, key: string, height: number, staleMs: number): VerdictChange[] {
    this.book(group).reading(key, height, this.clock.now(), staleMs);
    return this.evaluate(group);
  }

  /** A failed reference probe: no verdict of any node, only (after a few in a row) a failure episode. */
  referenceFailed(group: string, key: string, error: string): VerdictChange[] {
    this.book(group).failed(key, error, this.clock.now());
    return this.evaluate(group);
  }

  /** Reference failure episodes opened or closed since the last call (to become events). */
  takeReferenceChanges(group: string): ReferenceChange[] {
    return this.refs.get(group)?.takeChanges() ?? [];
  }

  /**
   * The group's reference height now: max of its fresh in-sync-or-undecided
   * members and the median of its usable reference probes (sync-references.ts).
   */
  referenceHeight(group: string): number | null {
    return this.referenceOf(group, this.clock.now());
  }

  /** Forget a group's reference readings (no member runs any more). */
  clearReferences(group: string): void {
    this.refs.delete(group);
  }

  /** Judge every running member of `group` now; returns the verdicts that changed. */
  evaluate(group: string): VerdictChange[] {
    const now = this.clock.now();
    const ref = this.referenceOf(group, now);
    const movedAt = this.trackTip(group, ref, now);
    const changes: VerdictChange[] = [];
    for (const [node, t] of this.nodes) {
      if (t.settings.group !== group || !t.running) continue;
      const c = this.judgeOne(node, t, ref, now, movedAt);
      if (c) changes.push(c);
    }
    return changes;
  }

  health(node: string): Health {
    return this.nodes.get(node)?.health ?? 'unknown';
  }

  /** The open episode of a node (`out_of_sync`, `unreachable`) or null. */
  episode(node: string): 'out_of_sync' | 'unreachable' | null {
    return this.nodes.get(node)?.episode ?? null;
  }

  /** Monotonic ms since which the node has had its current health. */
  healthSince(node: string): number | null {
    return this.nodes.get(node)?.healthSince ?? null;
  }

  view(node: string): SyncView {
    const t = this.nodes.get(node);
    if (!t) return { health: 'unknown', height: null, referenceHeight: null, lag: null };
    return {
      health: t.health,
      height: t.last?.height ?? null,
      referenceHeight: t.lastReference,
      lag: t.lastLag,
    };
  }

  /**
   * Remember the group's reference; returns when it last rose. A reference
   * that drops (its highest member stopped) is no move.
   */
  private trackTip(group: string, ref: number | null, now: number): number | null {
    const tip = this.tips.get(group);
    if (ref === null) return tip?.movedAt ?? null;
    if (!tip || ref > tip.height) {
      this.tips.set(group, { height: ref, movedAt: now });
      return now;
    }
    if (ref < tip.height) this.tips.set(group, { height: ref, movedAt: tip.movedAt });
    return tip.movedAt;
  }

  private judgeOne(
    node: string,
    t: Track,
    ref: number | null,
    now: number,
    refMovedAt: number | null,
  ): VerdictChange | null {
    if (t.refAtHeightSince === null && t.heightSince !== null) t.refAtHeightSince = ref;
    // The network moved on from where it was when the node reached its height: the stall clock starts.
    if (t.refRoseAt === null && t.refAtHeightSince !== null && ref !== null && ref > t.refAtHeightSince)
      t.refRoseAt = now;
    const fresh = t.last !== null && now - t.last.at <= t.settings.staleMs;
    if (fresh && ref !== null) {
      const lag = Math.max(0, ref - t.last!.height);
      // Time behind counts from the end of the grace: a start is allowed to begin far behind.
      const inGrace = now - t.startedAt < t.settings.startupGraceMs;
      if (lag > t.settings.maxLag && !inGrace) t.behindSince ??= now;
      else t.behindSince = null;
      this.recordLag(t, now, lag);
      t.lastReference = ref;
      t.lastLag = lag;
    }
    const j = judge(t, ref, now, refMovedAt);
    if (j.health === t.health) return null;
    const from = t.health;
    t.health = j.health;
    t.healthSince = now;
    let event: SyncEventType | null = null;
    if ((j.health === 'out_of_sync' || j.health === 'unreachable') && t.episode !== j.health) {
      event = t.episode = j.health;
    } else if (j.health === 'in_sync' && t.episode !== null) {
      event = 'in_sync';
      t.episode = null;
    }
    const evidence: SyncEvidence = {
      group: t.settings.group,
      rule: j.rule,
      height: t.last?.height ?? null,
      reference: ref,
      lag: j.lag,
      maxLag: t.settings.maxLag,
      since: j.since === null ? null : this.clock.wallNow() - (now - j.since),
      ...(j.health === 'unreachable' ? { error: t.lastError ?? 'unknown error', failures: t.failures } : {}),
    };
    return { node, from, to: j.health, evidence, event };
  }

  /** Keeps lag samples back to the last one at or before `now - windowMs`. */
  private recordLag(t: Track, now: number, lag: number): void {
    t.lags.push({ at: now, lag });
    const cutoff = now - t.settings.windowMs;
    while (t.lags.length >= 2 && t.lags[1]!.at <= cutoff) t.lags.shift();
    const first = t.lags[0]!;
    t.lagWindowAgo = first.at <= cutoff ? first.lag : null;
  }

  private referenceOf(group: string, now: number): number | null {
    let best: number | null = null;
    let stallMs = Infinity;
    let failAfter = Infinity;
    for (const t of this.nodes.values()) {
      if (t.settings.group !== group) continue;
      stallMs = Math.min(stallMs, t.settings.stallMs);
      failAfter = Math.min(failAfter, t.settings.unreachableAfter);
      if (!t.running || t.last === null) continue;
      // A member judged out of sync or unreachable does not set the pace.
      if (t.health === 'out_of_sync' || t.health === 'unreachable') continue;
      if (now - t.last.at > t.settings.staleMs) continue;
      if (best === null || t.last.height > best) best = t.last.height;
    }
    const book = this.refs.get(group);
    if (!book) return best;
    // Members are ours and count at their best; the outside world counts by quorum.
    const external = book.tip(
      now,
      best,
      Number.isFinite(stallMs) ? stallMs : DEFAULT_REFERENCE_STALL_MS,
      Number.isFinite(failAfter) ? failAfter : DEFAULT_REFERENCE_FAIL_AFTER,
    ).height;
    if (external === null) return best;
    return best === null ? external : Math.max(best, external);
  }

  private book(group: string): ReferenceBook {
    let b = this.refs.get(group);
    if (!b) {
      b = new ReferenceBook(group, (mono) => this.clock.wallNow() - (this.clock.now() - mono));
      this.refs.set(group, b);
    }
    return b;
  }

  private fresh(settings: SyncSettings, episode: Track['episode']): Track {
    const now = this.clock.now();
    return {
      settings,
      running: false,
      startedAt: now,
      health: 'unknown',
      healthSince: now,
      episode,
      last: null,
      heightSince: null,
      refAtHeightSince: null,
      refRoseAt: null,
      failures: 0,
      failingSince: null,
      behindSince: null,
      lagWindowAgo: null,
      saysSyncing: null,
      lags: [],
      lastError: null,
      lastReference: null,
      lastLag: null,
    };
  }
}
