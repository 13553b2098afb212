/**
 * The control protocol: one definition shared by the daemon's API handlers and
 * the CLI (DESIGN §6). Field names of NodeStatus are part of the contract
 * (`status --json`); add fields, never rename.
 */
import type { NodewardenEvent } from '../events/types.js';

export const PROTOCOL_VERSION = 1;

/** One node as `GET /api/status` and `status --json` show it. */
export interface NodeStatus {
  name: string;
  state: string;
  health: string;
  pid: number | null;
  uptimeSeconds: number | null;
  restarts: number;
  exitCode: number | null;
  exitSignal: string | null;
  height: number | null;
  referenceHeight: number | null;
  lag: number | null;
  cpuPercent: number | null;
  rssBytes: number | null;
  version: string | null;
  peerId: string | null;
  priority: number;
  held: boolean;
  /** Additions beyond the contract's list. */
  group: string;
  profile: string | null;
  desired: 'running' | 'stopped';
}

/** Per-target result of start/stop/restart/hold/release. */
export interface TargetResult {
  node: string;
  ok: boolean;
  /** e.g. `started`, `stopped`, `restarted`, `held`, `released`, `already running`. */
  message: string;
}

export interface ActionResponse {
  results: TargetResult[];
}

export interface ReloadResponse {
  ok: boolean;
  added: string[];
  removed: string[];
  changed: string[];
  unchanged: string[];
  /** Manager settings that only take effect after nodewarden restarts. */
  needsManagerRestart: string[];
  /** When !ok: every problem, formatted `file: key: message (value)`. */
  problems: string[];
}

export interface EventsQuery {
  node?: string;
  type?: string;
  sinceMs?: number;
  limit?: number;
}

export interface EventsResponse {
  events: NodewardenEvent[];
}

export interface UptimeRow {
  node: string;
  upSeconds: number;
  observedSeconds: number;
  uptimePercent: number | null;
}

export interface UptimeResponse {
  sinceMs: number;
  untilMs: number;
  nodes: UptimeRow[];
}

export interface LogsResponse {
  node: string;
  lines: string[];
}

/** Every error reply: `{error: {code, message}}`. */
export interface ErrorResponse {
  error: { code: string; message: string; details?: unknown };
}
