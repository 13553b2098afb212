import os from 'node:os';
import { parseDuration } from '../protocol/duration.js';
import type { Check } from './shape.js';

/**
 * Value checks shared by the manager schema (as convict formats) and the node
 * schema. Each returns null when the value is fine, else a message that says
 * what was expected; the caller appends the value received.
 */

export const isString: Check = (v) => (typeof v === 'string' ? null : 'must be a string');

export const nonEmptyString: Check = (v) =>
  typeof v === 'string' && v !== '' ? null : 'must be a non-empty string';

export const isBoolean: Check = (v) => (typeof v === 'boolean' ? null : 'must be true or false');

export const positiveInt: Check = (v) =>
  Number.isInteger(v) && (v as number) > 0 ? null : 'must be a positive integer';

export const nonNegativeInt: Check = (v) =>
  Number.isInteger(v) && (v as number) >= 0 ? null : 'must be an integer >= 0';

export const positiveNumber: Check = (v) =>
  typeof v === 'number' && Number.isFinite(v) && v > 0 ? null : 'must be a positive number';

export const percent: Check = (v) =>
  typeof v === 'number' && v > 0 && v <= 100 ? null : 'must be a percentage above 0 and at most 100';

export const port: Check = (v) =>
  Number.isInteger(v) && (v as number) >= 1 && (v as number) <= 65535
    ? null
    : 'must be a port number 1-65535';

export const anyValue: Check = () => null;

export function oneOf(values: readonly string[]): Check {
  const text = values.map((x) => `"${x}"`).join(', ');
  return (v) => (typeof v === 'string' && values.includes(v) ? null : `must be one of ${text}`);
}

export function orNull(check: Check): Check {
  return (v) => (v === null ? null : check(v));
}

export const signalName: Check = (v) =>
  typeof v === 'string' && Object.prototype.hasOwnProperty.call(os.constants.signals, v)
    ? null
    : 'must be a signal name such as SIGTERM or SIGINT';

export const userOrGroup: Check = (v) =>
  (typeof v === 'string' && v !== '') || (Number.isInteger(v) && (v as number) >= 0)
    ? null
    : 'must be a name or a numeric id >= 0';

export const stringArray: Check = (v) =>
  Array.isArray(v) && v.every((x) => typeof x === 'string') ? null : 'must be an array of strings';

export const stringMap: Check = (v) =>
  typeof v === 'object' &&
  v !== null &&
  !Array.isArray(v) &&
  Object.values(v).every((x) => typeof x === 'string')
    ? null
    : 'must be an object of strings';

export const exitCode: Check = (v) =>
  Number.isInteger(v) && (v as number) >= 0 && (v as number) <= 255 ? null : 'must be an exit code 0-255';

export const httpUrl: Check = (v) => {
  if (typeof v !== 'string') return 'must be a string';
  try {
    const u = new URL(v);
    return u.protocol === 'http:' || u.protocol === 'https:' ? null : 'must be an http:// or https:// URL';
  } catch {
    return 'must be an http:// or https:// URL';
  }
};

/**
 * Upper bounds of every duration, count and size in nodewarden.json and the
 * node files (documented; `config check` rejects a value above its bound and
 * names it). They sit far above any sane setting and keep a typo (an extra
 * zero, seconds written as milliseconds) from becoming a surprise at run time.
 */
export const BOUNDS = {
  /** Any `…Ms` duration: 30 days (timers of any length work; see SystemClock). */
  durationMs: 30 * 86_400_000,
  /** Any `…Seconds` duration: 30 days. */
  durationSeconds: 30 * 86_400,
  /** Probe and webhook timeouts: one hour (an answer later than that is no answer). */
  timeoutMs: 3_600_000,
  /** `retention.*Days`: ten years. */
  retentionDays: 3650,
  /** `instances`: replicas of one node file (a larger fleet is split over several files). */
  instances: 1000,
  /** Retries, samples in a row, rotated files kept. */
  count: 1000,
  /** Counts of nodes across files (`startup.concurrency`, `sync.minHealthy`). */
  nodes: 10_000,
  /** `retention.maxEvents`: rows in the events table. */
  events: 100_000_000,
  /** `sync.maxLag`, in blocks. */
  blocks: 1_000_000_000,
  /** Log sizes in bytes: 1 TiB. */
  bytes: 2 ** 40,
  /** `limits.maxRssMb`: 16 TiB. */
  rssMb: 16 * 1024 * 1024,
  /** `limits.maxCpuPercent`: 1000 cores. */
  cpuPercent: 100_000,
  /** `limits.nofile`: above any kernel's `fs.nr_open`. */
  nofile: 2 ** 30,
} as const;

function atMost(max: number, unit: string, plain: string | undefined): string {
  return `must be at most ${max}${unit === '' ? '' : ` ${unit}`}${plain === undefined ? '' : ` (${plain})`}`;
}

/**
 * An integer from `min` (0 or 1) to `max`. Below or not an integer, the
 * message is the plain type ("must be a positive integer"); above, it names
 * the bound ("must be at most 2592000000 ms (30 days)").
 */
export function intUpTo(min: 0 | 1, max: number, unit = '', plain?: string): Check {
  const type = min === 1 ? positiveInt : nonNegativeInt;
  return (v) => type(v) ?? ((v as number) <= max ? null : atMost(max, unit, plain));
}

/** A number above 0 and at most `max` (fractions allowed, e.g. `startSeconds: 0.5`). */
export function numberUpTo(max: number, unit = '', plain?: string): Check {
  return (v) => positiveNumber(v) ?? ((v as number) <= max ? null : atMost(max, unit, plain));
}

/**
 * A duration key's value in its own unit: a duration string (`"90s"`, `"2m"`,
 * `"500ms"`) becomes milliseconds for a `…Ms` key and seconds for a
 * `…Seconds` key; anything else is returned as given, for the check to judge.
 */
export function durationIn(v: unknown, unit: 'ms' | 's'): unknown {
  if (typeof v !== 'string') return v;
  const ms = parseDuration(v);
  if (ms === null) return v;
  return unit === 'ms' ? ms : ms / 1000;
}

/** A duration check: numbers are judged by `check`; a string that got here is no duration. */
function duration(check: Check, unit: 'ms' | 's'): Check {
  const plain = unit === 'ms' ? 'milliseconds' : 'seconds';
  const asString = `${check(Number.NaN)} (${plain}) or a duration such as "90s", "2m", "1h", "500ms"`;
  return (v) => (typeof v === 'string' ? asString : check(v));
}

/** A positive `…Ms` duration. */
export const durationMs = duration(intUpTo(1, BOUNDS.durationMs, 'ms', '30 days'), 'ms');
/** A `…Ms` duration where 0 means "none" or "never". */
export const durationMsOrZero = duration(intUpTo(0, BOUNDS.durationMs, 'ms', '30 days'), 'ms');
/** A positive `…Seconds` duration (fractions allowed). */
export const durationSeconds = duration(numberUpTo(BOUNDS.durationSeconds, 's', '30 days'), 's');
/** A whole `…Seconds` duration where 0 means "none". */
export const durationSecondsOrZero = duration(intUpTo(0, BOUNDS.durationSeconds, 's', '30 days'), 's');
/** A probe or webhook timeout. */
export const timeoutMs = duration(intUpTo(1, BOUNDS.timeoutMs, 'ms', '1 hour'), 'ms');
/** Retries, rotated files kept: 0 allowed. */
export const countOrZero = intUpTo(0, BOUNDS.count);
/** Samples in a row: at least 1. */
export const count = intUpTo(1, BOUNDS.count);
/** A size in bytes. */
export const byteSize = intUpTo(1, BOUNDS.bytes, 'bytes', '1 TiB');
/** `instances`: replicas of one node file. */
export const instanceCount = intUpTo(1, BOUNDS.instances);
