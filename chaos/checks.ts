/**
 * The invariants a chaos run checks after every fault and at the end: the
 * seven of chaos/invariants, checked from outside the manager.
 */
import type { Invariant, Journal } from './journal.js';
import { makeInvariants } from './invariants/index.js';

export function makeChecks(journal: Journal): Invariant[] {
  return makeInvariants(journal);
}
