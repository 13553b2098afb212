import type { ManagerConfig, NodeSpec } from '../../src/config/types.js';
import type { EventBus } from '../../src/events/bus.js';
import { nullLogger } from '../../src/logger.js';
import { Supervisor } from '../../src/supervisor/supervisor.js';
import type { FakeClock } from './fake-clock.js';
import { FakeDriver } from './fake-driver.js';

/**
 * A real Supervisor over `specs` on a FakeDriver and the given FakeClock and
 * bus: no start pacing, logs that go nowhere, no survivors. For tests of what
 * sits on top of the supervisor (policy actions, watchers).
 */
export async function fakeSupervisor(
  specs: NodeSpec[],
  opts: { clock: FakeClock; bus: EventBus; manager?: Record<string, unknown> },
): Promise<{ supervisor: Supervisor; driver: FakeDriver }> {
  const driver = new FakeDriver({ now: () => opts.clock.now() });
  const manager = { startup: { concurrency: 0, intervalMs: 0 }, ...opts.manager } as unknown as ManagerConfig;
  const supervisor = await Supervisor.create(
    { manager, nodes: specs },
    {
      driver,
      clock: opts.clock,
      bus: opts.bus,
      logger: nullLogger,
      openLog: async () => ({ outputFd: () => 99, close: async () => {} }),
      inspect: () => ({ alive: false, argv: null }),
      random: () => 0.5,
    },
  );
  return { supervisor, driver };
}
