/**
 * A real node in a tight crash loop (each crash counts as after a stable run,
 * so it is replaced at once): the events table gets a bounded number of rows
 * whose counts add up to every crash the bus carried, and the node's restart
 * counter still counts every restart.
 */
import { describe, test } from 'node:test';
import assert from 'node:assert/strict';
import type { NodewardenEvent } from '../../../src/events/types.js';
import { FOLD_WINDOW_MS, LOOP_EVENT_TYPES } from '../../../src/store/event-store.js';
import { simArgs, startTestDaemon, waitUntil } from '../../helpers/daemon.js';

const occurrences = (e: { details: Readonly<Record<string, unknown>> }): number =>
  typeof e.details['count'] === 'number' ? e.details['count'] : 1;

describe('a crash-looping node in the events table', { timeout: 120_000 }, () => {
  test('rows are bounded, counts are complete, restart counters see every crash', async (ctx) => {
    const t = await startTestDaemon({
      nodes: {
        looper: {
          args: simArgs('--block-ms', '1000', '--crash-after', '20:3'),
          restart: { startSeconds: 0.001, stableSeconds: 0.001 },
        },
      },
    });
    const seen: NodewardenEvent[] = [];
    const off = t.daemon.bus.on('event', (e) => {
      if (e.node === 'looper') seen.push(e);
    });
    try {
      const crashes = () => seen.filter((e) => e.type === 'crashed').length;
      await waitUntil(() => crashes() >= 20, '20 crashes', 60_000);
      const stopped = t.daemon.bus.waitFor('event', (e) => e.type === 'stopped' && e.node === 'looper', {
        timeoutMs: 20_000,
      });
      await t.daemon.supervisor.stop(['looper']);
      await stopped;
      const snapshot = t.daemon.supervisor.runner('looper')!.snapshot();
      const rows = t.daemon.store.queryEvents({ node: 'looper', limit: 100_000, order: 'asc' });

      const kinds = new Set(
        seen
          .filter((e) => LOOP_EVENT_TYPES.has(e.type))
          .map((e) =>
            JSON.stringify([e.type, e.reason, e.details['code'] ?? null, e.details['signal'] ?? null]),
          ),
      );
      const windows = Math.ceil((seen.at(-1)!.ts - seen[0]!.ts + 1) / FOLD_WINDOW_MS) + 1;
      const others = seen.filter((e) => !LOOP_EVENT_TYPES.has(e.type)).length;
      // Two rows per kind and window (its first event, its repeats), plus the events that are never folded.
      const bound = kinds.size * 2 * windows + others;
      ctx.diagnostic(`${seen.length} events (${crashes()} crashes) stored as ${rows.length} rows`);
      assert.ok(rows.length <= bound, `${rows.length} rows for ${seen.length} events (bound ${bound})`);
      assert.ok(rows.length < seen.length / 4, `${rows.length} rows for ${seen.length} events`);

      for (const type of ['crashed', 'restarting', 'started'] as const) {
        const stored = rows.filter((e) => e.type === type).reduce((n, e) => n + occurrences(e), 0);
        assert.equal(stored, seen.filter((e) => e.type === type).length, `every ${type} is counted`);
      }
      const restarts = seen.filter((e) => e.type === 'restarting').length;
      assert.equal(snapshot.restarts, restarts, 'the restart counter counts every restart');
    } finally {
      off();
      await t.close();
    }
  });
});
