import type { NodeObservation } from '../api/status.js';

/**
 * The watchers' latest view of every node: the prober writes health, heights and
 * node info, the sampler CPU and memory. Status, metrics and the status page read
 * it; policy decides from its own inputs, never from this map.
 */
export class Observations {
  private readonly byNode = new Map<string, NodeObservation>();

  get(node: string): NodeObservation | undefined {
    return this.byNode.get(node);
  }

  /** Merge fields into a node's observation. */
  update(node: string, fields: NodeObservation): void {
    const cur = this.byNode.get(node);
    this.byNode.set(node, cur ? { ...cur, ...fields } : { ...fields });
  }

  delete(node: string): void {
    this.byNode.delete(node);
  }
}
