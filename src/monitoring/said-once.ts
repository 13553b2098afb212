/**
 * What was last said about each node, so a condition that holds tick after
 * tick (a deferred or refused restart) is logged when it begins or changes,
 * not at every tick. Shared by the resource and sync executors.
 */
export class SaidOnce {
  private readonly last = new Map<string, string>();

  /** True when `key` is not what was last said about `node`; remembers it. */
  fresh(node: string, key: string): boolean {
    if (this.last.get(node) === key) return false;
    this.last.set(node, key);
    return true;
  }

  /** The node's condition is over: the next one is said again, even if the same. */
  forget(node: string): void {
    this.last.delete(node);
  }
}
