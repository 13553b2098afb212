import type { Invariant, Journal } from '../journal.js';
import { alerts } from './alerts.js';
import { events } from './events.js';
import { heldFloor } from './held-floor.js';
import { logLines, type LogFacts } from './log-lines.js';
import { oneProcess } from './one-process.js';
import { DEFAULT_OPTIONS, type InvariantOptions } from './options.js';
import { rss, type RssFacts } from './rss.js';
import { running, type RecoveryFacts } from './running.js';

/**
 * The seven invariants of a chaos run, in order 1..7, each checking the world
 * from outside (/proc, the log files, the SMTP sink's file, the SQLite file
 * opened read-only), never asking the manager. Made once per run: they keep
 * state between checks (snapshots of /proc, RSS samples).
 */

export type { InvariantOptions } from './options.js';

/** The invariants plus what they measured, for the run's summary. */
export interface InvariantSet extends Array<Invariant> {
  facts: { recovery: RecoveryFacts; logs: LogFacts; rss: RssFacts };
}

export function makeInvariants(journal: Journal, overrides: Partial<InvariantOptions> = {}): InvariantSet {
  const opts = { ...DEFAULT_OPTIONS, ...overrides };
  const two = running(journal, opts);
  const three = logLines(journal, opts);
  const seven = rss(journal, opts);
  const list = [
    oneProcess(journal, opts),
    two,
    three,
    events(journal, opts),
    alerts(journal, opts),
    heldFloor(journal),
    seven,
  ] as InvariantSet;
  list.facts = { recovery: two.facts, logs: three.facts, rss: seven.facts };
  return list;
}
