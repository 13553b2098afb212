import type { ProgressLine } from '../../protocol/types.js';

/** `120s`, `2.5s`: a grace or a duration as the progress lines show it. */
function seconds(ms: number): string {
  return ms % 1000 === 0 ? `${ms / 1000}s` : `${(ms / 1000).toFixed(1)}s`;
}

/** How a stopped process ended: `exit 0`, `signal SIGKILL`, or `exit unknown` (an adopted process). */
function ending(code: number | null, signal: string | null): string {
  if (code !== null) return `exit ${code}`;
  if (signal !== null) return `signal ${signal}`;
  return 'exit unknown';
}

/**
 * One step of a node's stop, as `stop --wait` and `shutdown --wait` print it:
 * `kmd-1: SIGTERM sent (grace 120s)`, `kmd-1: still stopping, 90s of grace left`,
 * `kmd-1: SIGKILL sent (grace over)`, `kmd-1: stopped (exit 0, 3.2s)`.
 */
export function renderProgress(line: ProgressLine): string {
  switch (line.step) {
    case 'signal':
      return `${line.node}: ${line.signal} sent (grace ${seconds(line.graceMs)})`;
    case 'waiting':
      return `${line.node}: still stopping, ${Math.round(line.graceLeftMs / 1000)}s of grace left`;
    case 'kill':
      return `${line.node}: SIGKILL sent (${line.reason})`;
    case 'stopped':
      return `${line.node}: stopped (${ending(line.exitCode, line.exitSignal)}, ${(line.elapsedMs / 1000).toFixed(1)}s)`;
  }
}
