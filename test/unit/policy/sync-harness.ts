import { FakeClock } from '../../helpers/fake-clock.js';
import { SyncPolicy } from '../../../src/policy/sync.js';
import type { SyncSettings, VerdictChange } from '../../../src/policy/sync-types.js';
import type { Health } from '../../../src/supervisor/states.js';

/**
 * Drives a SyncPolicy through a script of readings on a FakeClock: every
 * `tick` ms each node reports what its function says for that time (a height,
 * an error string, or undefined for no reading), and reference probes likewise.
 */
export const SETTINGS: SyncSettings = {
  group: 'g',
  maxLag: 5,
  windowMs: 10_000,
  stallMs: 20_000,
  startupGraceMs: 5_000,
  unreachableAfter: 3,
  staleMs: 3_000,
};

/** A height, a failure (its error), nothing, or a height with the daemon's own syncing flag. */
export type Reading = number | string | undefined | { height: number; syncing: boolean };

export interface Script {
  nodes: Record<string, (t: number) => Reading>;
  reference?: (t: number) => number | undefined;
  /** Several reference probes by key: a height, an error string (a failed probe), or undefined (no answer yet). */
  references?: Record<string, (t: number) => Reading>;
  settings?: Partial<SyncSettings>;
  /** Run until this time (ms), one round of readings every `tick` (default 1000). */
  until: number;
  tick?: number;
  /** Restart these nodes (policy.started) at these times. */
  restarts?: Record<string, number[]>;
}

export interface Outcome {
  policy: SyncPolicy;
  clock: FakeClock;
  /** `node:event@t` for every verdict event. */
  events: string[];
  /** `node:from->to@t` for every verdict change. */
  changes: string[];
  all: VerdictChange[];
  /** Health of each node at each tick. */
  timeline: Record<string, Health[]>;
  health(node: string): Health;
  /** `key:event(rule)@t` for every reference failure episode opened or closed. */
  referenceEvents: string[];
  /** The group's reference height at each tick. */
  referenceTimeline: (number | null)[];
}

export function runScript(s: Script): Outcome {
  const clock = new FakeClock({ now: 0 });
  const policy = new SyncPolicy(clock);
  const settings = { ...SETTINGS, ...s.settings };
  const names = Object.keys(s.nodes);
  for (const n of names) {
    policy.configure(n, settings);
    policy.started(n);
  }
  if (s.references) policy.configureReferences('g', Object.keys(s.references));
  const out: Outcome = {
    policy,
    clock,
    events: [],
    changes: [],
    all: [],
    timeline: Object.fromEntries(names.map((n) => [n, []])),
    health: (n) => policy.health(n),
    referenceEvents: [],
    referenceTimeline: [],
  };
  const record = (cs: VerdictChange[]): void => {
    for (const c of cs) {
      out.all.push(c);
      out.changes.push(`${c.node}:${c.from}->${c.to}@${clock.now()}`);
      if (c.event) out.events.push(`${c.node}:${c.event}@${clock.now()}`);
    }
  };
  const tick = s.tick ?? 1000;
  for (let t = 0; t <= s.until; t += tick) {
    if (t > 0) clock.advance(tick);
    for (const n of names) if (s.restarts?.[n]?.includes(t)) policy.started(n);
    const ref = s.reference?.(t);
    if (ref !== undefined) record(policy.referenceReading('g', 'reference.0', ref, settings.staleMs));
    for (const [key, fn] of Object.entries(s.references ?? {})) {
      const r = fn(t);
      if (typeof r === 'number') record(policy.referenceReading('g', key, r, settings.staleMs));
      else if (typeof r === 'string') record(policy.referenceFailed('g', key, r));
    }
    for (const n of names) {
      const r = s.nodes[n]!(t);
      if (typeof r === 'number') record(policy.height(n, r));
      else if (typeof r === 'string') record(policy.heightFailed(n, r));
      else if (r !== undefined) record(policy.height(n, r.height, r.syncing));
    }
    for (const n of names) out.timeline[n]!.push(policy.health(n));
    out.referenceTimeline.push(policy.referenceHeight('g'));
    out.referenceEvents.push(
      ...policy.takeReferenceChanges('g').map((c) => `${c.key}:${c.event}(${c.rule})@${clock.now()}`),
    );
  }
  return out;
}

/** The network tip: 100 at t=0, one block a second. */
export const tip = (t: number): number => 100 + Math.floor(t / 1000);
