import type { NodeObservation } from '../api/status.js';

/**
 * The watchers' latest view of every node: the prober writes health, heights and
 * node info, the sampler CPU and memory. Status, metrics and the status page read
 * it; policy decides from its own inputs, never from this map.
 */
export class Observations {
  private readonly byNode = new Map<string, NodeObservation>();
  private readonly listeners = new Set<
    (node: string, fields: NodeObservation, before: NodeObservation | undefined) => void
  >();

  /** Be told (synchronously) of every update of a node's observation; returns the unsubscribe function. */
  onUpdate(
    fn: (node: string, fields: NodeObservation, before: NodeObservation | undefined) => void,
  ): () => void {
    this.listeners.add(fn);
    return () => this.listeners.delete(fn);
  }

  /** Call `fn` whenever a node's health changes; returns the unsubscribe function. */
  onHealth(fn: (node: string) => void): () => void {
    return this.onUpdate((node, fields, before) => {
      if (fields.health !== undefined && fields.health !== before?.health) fn(node);
    });
  }

  get(node: string): NodeObservation | undefined {
    return this.byNode.get(node);
  }

  /** Merge fields into a node's observation. Runs on every sample and probe result: no copies. */
  update(node: string, fields: NodeObservation): void {
    const before = this.byNode.get(node);
    this.byNode.set(node, before ? { ...before, ...fields } : { ...fields });
    if (this.listeners.size === 0) return;
    for (const fn of this.listeners) {
      try {
        fn(node, fields, before);
      } catch {
        // a listener's failure is its own; the writer goes on
      }
    }
  }

  delete(node: string): void {
    this.byNode.delete(node);
  }
}
