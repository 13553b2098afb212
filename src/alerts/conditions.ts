import type { EventType } from '../events/types.js';

/**
 * Which events open a condition and which close one. An alert is throttled per
 * node and *condition*: a problem type is its own condition, and a resolving
 * event shares the key of the condition it clears, so `out_of_sync` and the
 * `in_sync` that ends it are counted and throttled together.
 */

/** Resolving event type → the problem conditions it clears. */
export const RESOLVES: Readonly<Partial<Record<EventType, readonly EventType[]>>> = {
  in_sync: ['out_of_sync', 'unreachable'],
  resumed: ['paused'],
  // A node that starts again after `fatal` recovered: a "recovered" note.
  started: ['fatal'],
  config_reloaded: ['config_error'],
  target_up: ['target_down'],
  reference_recovered: ['reference_failed'],
};

/** True when `type` only ever sends resolved messages (never an alert of its own). */
export function isResolving(type: EventType): boolean {
  return RESOLVES[type] !== undefined;
}

/** Node part of a throttle key: manager-wide events (node null) use ''. */
export function nodeKey(node: string | null): string {
  return node ?? '';
}

/** The outbox `key` column and log label: `<node>/<condition>` (`-` for manager-wide). */
export function conditionLabel(node: string | null, condition: string): string {
  return `${node ?? '-'}/${condition}`;
}
