import type { NodeSpec } from '../../../src/config/types.js';
import { EventBus } from '../../../src/events/bus.js';
import type { NodewardenEvent, StateChange } from '../../../src/events/types.js';
import type { ProcessIdentity } from '../../../src/supervisor/driver.js';
import type { Effect, MachineContext } from '../../../src/supervisor/machine-types.js';
import { NodeRunner } from '../../../src/supervisor/runner.js';
import { FakeClock } from '../../helpers/fake-clock.js';
import { FakeDriver, flush } from '../../helpers/fake-driver.js';
import { baseSpec } from '../../helpers/node-spec.js';

/** Shared builders for the supervisor unit tests. */

type RestartOverrides = Partial<NodeSpec['restart']>;

/** A complete NodeSpec with small, test-friendly numbers. */
export function testSpec(
  opts: {
    name?: string;
    restart?: RestartOverrides;
    stop?: Partial<NodeSpec['stop']>;
    runHash?: string;
  } = {},
): NodeSpec {
  const name = opts.name ?? 'ant-1';
  const base = baseSpec(name, `/var/lib/${name}`);
  return {
    ...base,
    binary: '/opt/node/bin/node',
    args: ['--port', '12001'],
    restart: { ...base.restart, ...opts.restart },
    stop: { ...base.stop, ...opts.stop },
    runHash: opts.runHash ?? 'hash-1',
  };
}

/** The default machine time in the pure tests (monotonic ms). */
export const NOW = 10_000_000;

/** A machine context at time `now` (jitter-free: random() = 0.5). */
export function testCtx(
  opts: { now?: number; held?: boolean; restart?: RestartOverrides; stop?: Partial<NodeSpec['stop']> } = {},
): MachineContext {
  const spec = testSpec({ restart: opts.restart ?? {}, stop: opts.stop ?? {} });
  return {
    node: 'ant-1',
    now: opts.now ?? NOW,
    policy: spec,
    held: opts.held ?? false,
    random: () => 0.5,
    strict: true,
  };
}

/** A NodeRunner on a FakeDriver and a FakeClock, with every bus payload recorded. */
export function harness(
  opts: { restart?: RestartOverrides; stop?: Partial<NodeSpec['stop']>; random?: () => number } = {},
) {
  const clock = new FakeClock();
  const driver = new FakeDriver({ now: () => clock.now() });
  const bus = new EventBus(() => clock.wallNow());
  const events: NodewardenEvent[] = [];
  const states: StateChange[] = [];
  bus.on('event', (e) => events.push(e));
  bus.on('state', (s) => states.push(s));
  const spec = testSpec({ restart: opts.restart ?? {}, stop: opts.stop ?? {} });
  const identities: Array<ProcessIdentity | null> = [];
  const runHashes: Array<string | null> = [];
  const runner = new NodeRunner({
    spec,
    driver,
    clock,
    bus,
    outputFd: () => 99,
    random: opts.random ?? (() => 0.5),
    strict: true,
    onProcess: (id, runHash) => {
      identities.push(id);
      runHashes.push(runHash);
    },
  });
  return {
    clock,
    driver,
    bus,
    runner,
    spec,
    events,
    states,
    /** What onProcess was told, in order. */
    identities,
    /** The run hashes onProcess was told with them. */
    runHashes,
    /** Advance the clock (firing due timers), then let driver results come back. */
    tick: async (ms: number) => {
      clock.advance(ms);
      await flush();
    },
    /** Event types emitted so far. */
    types: () => events.map((e) => e.type),
    /** The last event of a type. */
    lastOf: (type: string) => events.filter((e) => e.type === type).at(-1),
  };
}

/** One effect as a short string, e.g. `setTimer(retry,1000)` or `emit(restarting:crash)`. */
export function show(e: Effect): string {
  switch (e.type) {
    case 'spawn':
      return `spawn(${e.cause})`;
    case 'watch':
      return `watch(${e.identity.pid})`;
    case 'settle':
      return `settle(${e.pid})`;
    case 'signalGroup':
      return `signalGroup(${e.pid},${e.signal})`;
    case 'killTree':
      return `killTree(${e.pid})`;
    case 'setTimer':
      return `setTimer(${e.name},${e.ms})`;
    case 'clearTimer':
      return `clearTimer(${e.name})`;
    case 'emit':
      return `emit(${e.event.type}${e.event.reason ? ':' + e.event.reason : ''})`;
    case 'internalError':
      return 'internalError';
  }
}

/** A process identity as the driver reports it. */
export function identity(pid: number): ProcessIdentity {
  return { pid, pgid: pid, startTime: String(pid * 7), argv: ['/opt/node/bin/node', '--port', '12001'] };
}
