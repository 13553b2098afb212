import type { MachineInfo } from './machine.js';
import type { ManagerName } from './managers/types.js';
import type { CycleResult } from './scenarios/cycle.js';
import type { LogSummary } from './scenarios/log-rounds.js';
import type { SamplingResult } from './scenarios/sampling.js';
import type { StatusResult } from './scenarios/status-api.js';
import type { TargetFleetResult } from './scenarios/target-fleet.js';
import type { PagePaintResult } from './scenarios/page-paint.js';
import type { WritersResult } from './scenarios/writers.js';

/** Everything one manager produced in a run. */
export interface ManagerResults {
  readonly name: ManagerName;
  readonly label: string;
  version?: string;
  /** Set when it could not be installed or started at all. */
  error?: string;
  notes: string[];
  /** Scenarios 1-3 by N, boot path (the manager started cold with autostart); the large N has no crash step. */
  cycles: Record<number, CycleResult>;
  /** Start all through the manager's API (already running, autostart off), then idle and stop, by N. */
  api: Record<number, CycleResult>;
  /** Scenario 4, median round (counts added over rounds). */
  logs?: LogSummary;
  /** Many writers. */
  writers?: WritersResult;
  /** Why there is no many-writers figure. */
  writersNa?: string;
}

/** A whole run: what BENCHMARKS.md is generated from. */
export interface BenchResults {
  readonly date: string;
  readonly quick: boolean;
  readonly machine: MachineInfo;
  readonly childLinkage: string;
  readonly sizes: readonly number[];
  /** The large host's N (0 = not measured). */
  readonly large: number;
  readonly managers: ManagerResults[];
  sampling?: SamplingResult[];
  samplingError?: string;
  status?: StatusResult;
  /** Scenario 6: a watch-only fleet's probe schedule. */
  targetFleet?: TargetFleetResult;
  page?: PagePaintResult;
  readonly durationS?: number;
  /** 1-minute load average at the end of the run. */
  readonly loadAtEnd?: number;
}
