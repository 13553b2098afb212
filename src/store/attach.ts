import { HEIGHT_PROBE } from '../policy/sync-types.js';
import type { EventBus } from '../events/bus.js';
import { TARGET_UNWATCHED } from '../events/types.js';
import type { Store } from './store.js';

/**
 * Connect the store to the bus (the daemon does this once, at startup, before
 * anything of this run is emitted or sampled): close intervals a killed
 * predecessor left open, then record every contract event and every state
 * change, every process identity (for re-adoption) and every operator intent
 * (desired state, hold). `manager_stopped` closes all open intervals; `adopted` must carry
 * `details.pid` for the adopted node's uptime to be bridged across the
 * manager's absence. The store never throws from a subscriber.
 * Returns the unsubscribe function.
 */
export function attachStore(bus: EventBus, store: Store): () => void {
  store.closeStaleIntervals();
  const offEvent = bus.on('event', (e) => store.append(e));
  const offState = bus.on('state', (s) => store.recordState(s));
  // A watch-only target's states are intervals like a node's; one no longer watched only closes its own.
  const offTarget = bus.on('target', (s) =>
    s.to === TARGET_UNWATCHED ? store.closeInterval(s.node, s.ts) : store.recordState(s),
  );
  // Node rows are written before this turn of the event loop ends: a burst
  // (start all, a crash and its replacement) shares one transaction.
  const offProcess = bus.on('process', (p) =>
    store.recordProcess(p.node, p.identity, p.runHash, p.restarts, 'soon'),
  );
  const offIntent = bus.on('intent', (i) => {
    store.setDesired(i.node, i.desired, 'soon');
    store.setHeld(i.node, i.held, 'soon');
  });
  return () => {
    offEvent();
    offState();
    offTarget();
    offProcess();
    offIntent();
  };
}

/**
 * The prober's observer that records probe latency for `uptime --rank`: a
 * node's `height` probe runs, and every probe run of a name that is not a
 * node (a watch-only target). `isNode` tells the two apart; `wallNow` stamps
 * the run (writes are batched by the store's write queue).
 */
export function probeRecorder(
  store: Pick<Store, 'recordProbe'>,
  isNode: (name: string) => boolean,
  wallNow: () => number,
): (name: string, probe: string, seconds: number, ok: boolean) => void {
  return (name, probe, seconds, ok) => {
    if (probe !== HEIGHT_PROBE && isNode(name)) return;
    store.recordProbe({ name, probe, ts: wallNow(), seconds, ok });
  };
}
