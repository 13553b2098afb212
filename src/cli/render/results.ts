import type { TargetResult } from '../../protocol/types.js';
import { ExitCode, type ExitCodeValue } from '../exit-codes.js';

/** supervisorctl-style lines: `node-1: started`, `node-9: ERROR (no such node)`. */
export function renderResults(results: readonly TargetResult[]): string[] {
  return results.map((r) => `${r.node}: ${r.message}`);
}

/** 0 if every target succeeded; 4 if a `--wait` timed out; else 1. */
export function resultsExitCode(results: readonly TargetResult[]): ExitCodeValue {
  if (results.every((r) => r.ok)) return ExitCode.OK;
  if (results.some((r) => !r.ok && r.message.includes('timed out'))) return ExitCode.TIMEOUT;
  return ExitCode.FAILED;
}
