/** processStartedAtMs: a process's wall-clock start from its /proc start time, checked on this very process. */
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { processStartedAtMs, readStartTime } from '../../../src/supervisor/proc.js';

test("this process's start, read from /proc, agrees with its own uptime", () => {
  const now = Date.now();
  const startTime = readStartTime(process.pid);
  assert.ok(startTime !== null);
  const started = processStartedAtMs(startTime, now);
  assert.ok(started !== null);
  const expected = now - process.uptime() * 1000;
  // Clock ticks are 10 ms; the runtime starts counting its uptime a little after the kernel's start.
  assert.ok(Math.abs(started - expected) < 1000, `started ${started}, expected about ${expected}`);
});

test('a start time that is not a number of ticks gives no start', () => {
  assert.equal(processStartedAtMs('soon'), null);
  assert.equal(processStartedAtMs('-5'), null);
});
