import type { NodeObservation } from '../api/status.js';

/**
 * The watchers' latest view of every node: the prober writes health, heights and
 * node info, the sampler CPU and memory. Status, metrics and the status page read
 * it; policy decides from its own inputs, never from this map.
 */
export class Observations {
  private readonly byNode = new Map<string, NodeObservation>();
  private readonly healthListeners = new Set<(node: string) => void>();
  private readonly listeners = new Set<(node: string, fields: NodeObservation) => void>();

  /** Be told (synchronously) of every update of a node's observation; returns the unsubscribe function. */
  onUpdate(fn: (node: string, fields: NodeObservation) => void): () => void {
    this.listeners.add(fn);
    return () => this.listeners.delete(fn);
  }

  get(node: string): NodeObservation | undefined {
    return this.byNode.get(node);
  }

  /** Merge fields into a node's observation. */
  update(node: string, fields: NodeObservation): void {
    const cur = this.byNode.get(node);
    this.byNode.set(node, cur ? { ...cur, ...fields } : { ...fields });
    for (const fn of [...this.listeners]) {
      try {
        fn(node, fields);
      } catch {
        // a listener's failure is its own; the writer goes on
      }
    }
    if (fields.health !== undefined && fields.health !== cur?.health)
      for (const fn of this.healthListeners) fn(node);
  }

  /** Call `fn` whenever a node's health changes; returns the unsubscribe function. */
  onHealth(fn: (node: string) => void): () => void {
    this.healthListeners.add(fn);
    return () => this.healthListeners.delete(fn);
  }

  delete(node: string): void {
    this.byNode.delete(node);
  }
}
