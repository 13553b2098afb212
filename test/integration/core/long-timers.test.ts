/**
 * Durations beyond what one setTimeout holds (2^31 ms, about 24.8 days) but
 * within their config bound behave as written: a stop grace that long lets
 * the node end on its own instead of being SIGKILLed at once.
 */
import { describe, test } from 'node:test';
import assert from 'node:assert/strict';
import { simArgs, startTestDaemon } from '../../helpers/daemon.js';

describe('timers longer than 2^31 ms', { timeout: 60_000 }, () => {
  test('stop.graceMs 2500000000: the node stops politely, no SIGKILL at the first stop', async () => {
    const t = await startTestDaemon({
      nodes: {
        slow: {
          // Takes half a second to stop: long enough for a grace timer that fired at once to SIGKILL it.
          args: simArgs('--block-ms', '1000', '--stop-delay', '500'),
          stop: { graceMs: 2_500_000_000 },
        },
      },
    });
    try {
      await t.waitRunning(['slow']);
      const stopped = t.daemon.bus.waitFor('event', (e) => e.type === 'stopped' && e.node === 'slow', {
        timeoutMs: 20_000,
      });
      await t.daemon.supervisor.stop(['slow']);
      const e = await stopped;
      assert.deepEqual(
        { code: e.details.code, signal: e.details.signal, escalated: e.details.escalated },
        { code: 0, signal: null, escalated: false },
      );
    } finally {
      await t.close();
    }
  });
});
