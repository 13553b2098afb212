import { runDefaults } from '../config/node-validate.js';
import type { NodeSpec } from '../config/types.js';
import type { ProcessIdentity } from './driver.js';

/**
 * What a new manager does with the process a previous one left for a node
 * (DESIGN §2 crash safety), decided from facts gathered at boot. Pure: the
 * facts come from /proc, the node lock and the store; the supervisor acts.
 *
 * A survivor is identified by pid + start time (unique per boot, unchanged by
 * exec), found through the store's record or, when that is missing (a lost or
 * corrupt database) or names a dead process, through the node lock in the
 * configured node's dataDir. argv is evidence only: a wrapper that execs the
 * node binary changes it. The run hash of the config it was started with
 * decides whether it still matches its config.
 */

/** A node lock (`<dataDir>/.nodewarden-node.lock`) that names a live node process. */
export interface NodeLockFacts {
  /** The live process the lock names (pid + start time checked), argv as it is now. */
  readonly holder: ProcessIdentity;
  /** Run hash of the config the holder was started with; null when the lock predates it. */
  readonly runHash: string | null;
  /** A live manager other than this one wrote the lock: the node is that manager's, never adopted here. */
  readonly foreignManager: number | null;
}

/** What the previous manager recorded of a node in the store. */
export interface RecordedNode {
  readonly held: boolean;
  readonly identity: ProcessIdentity | null;
  readonly runHash: string | null;
}

/** Everything known at boot about one configured node's possible survivor. */
export interface SurvivorFacts {
  readonly spec: Pick<NodeSpec, 'name' | 'runHash'>;
  /** The store's record, if any. */
  readonly recorded: RecordedNode | undefined;
  /** The recorded process is still alive (same pid and start time), with its argv now (null if unreadable). */
  readonly recordedAlive: { readonly argv: readonly string[] | null } | null;
  /** The node lock, if it names a live node process. */
  readonly lock: NodeLockFacts | null;
}

/** The decision for one node's survivor. */
export type SurvivorVerdict =
  | {
      readonly kind: 'adopt';
      readonly identity: ProcessIdentity;
      /** The config the process runs (as recorded; the current one when unknown). */
      readonly runHash: string;
      /** Evidence for the `adopted` event. */
      readonly details: Record<string, unknown>;
    }
  | {
      readonly kind: 'reap';
      readonly identity: ProcessIdentity;
      readonly runHash: string | null;
      readonly reason: string;
      readonly details: Record<string, unknown>;
    }
  | {
      readonly kind: 'none';
      /** A live process that is not ours to adopt (logged), or null. */
      readonly note: string | null;
    };

/**
 * Adopt, reap or nothing:
 * - the recorded process if alive, else the live holder of the node lock
 *   (unless another live manager wrote that lock);
 * - held: adopted as it is, even if its config changed (the manager never
 *   touches a held node on its own; the event says so);
 * - its run hash differs from the config's: reaped (`config changed`);
 * - else (same, or unknown): adopted.
 */
export function judgeSurvivor(f: SurvivorFacts): SurvivorVerdict {
  const held = f.recorded?.held ?? false;
  let identity: ProcessIdentity;
  let runHash: string | null;
  const evidence: Record<string, unknown> = {};
  const rec = f.recorded?.identity ?? null;
  if (rec && f.recordedAlive) {
    identity = { ...rec, argv: f.recordedAlive.argv ?? rec.argv };
    runHash = f.recorded?.runHash ?? null;
    evidence['source'] = 'database';
    const holder = f.lock?.holder ?? null;
    evidence['lock'] =
      holder === null
        ? 'missing'
        : holder.pid === rec.pid && holder.startTime === rec.startTime
          ? 'confirms'
          : 'other';
    if (holder && evidence['lock'] === 'other') evidence['lockHolder'] = holder.pid;
    if (!sameArgv(identity.argv, rec.argv)) evidence['recordedArgv'] = [...rec.argv];
  } else if (f.lock && f.lock.foreignManager === null) {
    identity = f.lock.holder;
    runHash = f.lock.runHash;
    evidence['source'] = 'node-lock';
    evidence['lock'] = 'confirms';
    if (f.recorded === undefined) evidence['record'] = 'missing';
    else if (rec) evidence['record'] = 'stale';
  } else {
    if (f.lock?.foreignManager)
      return {
        kind: 'none',
        note: `pid ${f.lock.holder.pid} holds the node lock for nodewarden pid ${f.lock.foreignManager}`,
      };
    return { kind: 'none', note: null };
  }

  const changed = runHash === null ? null : runHash !== f.spec.runHash;
  if (changed === null) evidence['configKnown'] = false;
  if (held) {
    return {
      kind: 'adopt',
      identity,
      runHash: runHash ?? f.spec.runHash,
      details: { ...evidence, held: true, ...(changed ? { configChanged: true } : {}) },
    };
  }
  if (changed) return { kind: 'reap', identity, runHash, reason: 'config changed', details: evidence };
  return { kind: 'adopt', identity, runHash: runHash ?? f.spec.runHash, details: evidence };
}

/** Whether two argv lists are the same, element by element (an exec or a wrapper changes them). */
export function sameArgv(a: readonly string[], b: readonly string[]): boolean {
  return a.length === b.length && a.every((x, i) => x === b[i]);
}

/**
 * The settings a survivor of a node no longer in the configuration is reaped
 * with: DESIGN's stop defaults (SIGTERM, 120 s grace), and nothing that could
 * ever start it again.
 */
export function retiredSpec(name: string): NodeSpec {
  const defaults = runDefaults();
  return {
    ...defaults,
    name,
    index: 1,
    file: '',
    binary: '',
    cwd: '/',
    dataDir: '/',
    autostart: false,
    restart: { ...defaults.restart, policy: 'never' },
    sync: { ...defaults.sync, group: name },
    profileNames: [],
    profileSpecs: {},
    profile: null,
    runHash: '',
  };
}
