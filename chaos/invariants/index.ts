import type { Invariant, Journal } from '../journal.js';
export const makeInvariants = (_journal: Journal): Invariant[] => [];
