import type { LogCheck } from './log-check.js';
import type { LogResult } from './logs.js';

/** Scenario 4 over several rounds: the figure reported, and every round kept. */
export interface LogSummary extends LogResult {
  readonly rounds: LogResult[];
}

/**
 * Sums up rounds of the log scenario. A log throughput test is a ping-pong of
 * two processes on the scheduler, so a third busy process on the host moves
 * it a lot; the rounds alternate between the managers and the median MB/s is
 * reported. Loss, splits, damage and duplicates are added over all rounds:
 * one damaged line in any round counts.
 */
export function summarizeRounds(rounds: LogResult[]): LogSummary {
  const ok = rounds.filter((r) => r.landedMBps !== undefined && r.check !== undefined);
  const errors = rounds.flatMap((r, i) => r.errors.map((e) => `round ${i + 1}: ${e}`));
  if (ok.length === 0) return { rounds, errors };
  const byRate = [...ok].sort((a, b) => a.landedMBps! - b.landedMBps!);
  const median = byRate[Math.floor((byRate.length - 1) / 2)]!;
  const sum = (f: (c: LogCheck) => number): number => ok.reduce((a, r) => a + f(r.check!), 0);
  const check: LogCheck = {
    ...median.check!,
    missingInWindow: sum((c) => c.missingInWindow),
    missingAtEnd: sum((c) => c.missingAtEnd),
    split: sum((c) => c.split),
    malformed: sum((c) => c.malformed),
    duplicated: sum((c) => c.duplicated),
  };
  // CPU per GB: all rounds' CPU over all rounds' bytes.
  const cpu = ok.filter((r) => r.cpuSeconds !== undefined);
  const gb = cpu.reduce((a, r) => a + ((r.written! - r.lost!) * 100) / 1e9, 0);
  const cpuSecondsPerGB =
    cpu.length > 0 && gb > 0 ? cpu.reduce((a, r) => a + r.cpuSeconds!, 0) / gb : undefined;
  return {
    ...median,
    ...(cpuSecondsPerGB !== undefined ? { cpuSecondsPerGB } : {}),
    check,
    lost: check.missingInWindow + check.missingAtEnd,
    rounds,
    errors,
  };
}
