import convict from 'convict';
import { EVENT_TYPES } from '../events/types.js';
import {
  BOUNDS,
  byteSize,
  count,
  countOrZero,
  durationMs,
  durationMsOrZero,
  durationSecondsOrZero,
  intUpTo,
  isBoolean,
  isString,
  nonEmptyString,
  orNull,
  percent,
  port,
  timeoutMs,
} from './checks.js';
import { isPlainObject } from './merge.js';
import type { Check, Problem } from './shape.js';

/**
 * The convict schema of nodewarden.json (DESIGN §1 manager keys). Formats are
 * registered by name (`nw-…`): a named format keeps convict from coercing a
 * JSON string into a number behind the user's back, so a wrong type is reported.
 */

export const LOG_LEVELS = ['error', 'warn', 'info', 'debug'] as const;

/** Events that become alerts unless `alerts.on` says otherwise. */
export const DEFAULT_ALERT_EVENTS = [
  'crashed',
  'fatal',
  'out_of_sync',
  'in_sync',
  'unreachable',
  'resource_limit',
  'config_error',
  'orphan_reaped',
  'alert_failed',
  'low_disk',
  'rolled_back',
  'target_down',
  'target_up',
] as const;

/** Per-entry problems of `alerts.webhooks` (convict cannot describe arrays of objects). */
export function webhookProblems(v: unknown): Problem[] {
  if (!Array.isArray(v))
    return [{ key: '', message: 'must be an array of {url, headers, timeoutMs}', value: v }];
  const out: Problem[] = [];
  v.forEach((w, i) => {
    if (!isPlainObject(w))
      return void out.push({ key: `${i}`, message: 'must be an object {url, headers, timeoutMs}', value: w });
    for (const k of Object.keys(w))
      if (!['url', 'headers', 'timeoutMs'].includes(k))
        out.push({ key: `${i}.${k}`, message: 'unknown key' });
    let url: URL | null = null;
    try {
      url = typeof w.url === 'string' ? new URL(w.url) : null;
    } catch {
      url = null;
    }
    if (!url || (url.protocol !== 'http:' && url.protocol !== 'https:')) {
      out.push({
        key: `${i}.url`,
        message: w.url === undefined ? 'is required' : 'must be an http:// or https:// URL',
        value: w.url,
      });
    }
    const h = w.headers;
    if (h !== undefined && !(isPlainObject(h) && Object.values(h).every((x) => typeof x === 'string'))) {
      out.push({ key: `${i}.headers`, message: 'must be an object of strings', value: h });
    }
    const timeout = w.timeoutMs === undefined ? null : timeoutMs(w.timeoutMs);
    if (timeout !== null) out.push({ key: `${i}.timeoutMs`, message: timeout, value: w.timeoutMs });
  });
  return out;
}

/** A host name or IP address as a browser puts it in `Host` (no scheme, no port), for `control.http.allowedHosts`. */
export const HOST_NAME =
  /^(?:[a-z0-9_](?:[a-z0-9_-]{0,61}[a-z0-9_])?)(?:\.[a-z0-9_](?:[a-z0-9_-]{0,61}[a-z0-9_])?)*\.?$/i;
export const IPV6_LITERAL = /^\[?[0-9a-f:.]*:[0-9a-f:.]*\]?$/i;

const hostList: Check = (v) => {
  if (!Array.isArray(v) || !v.every((x) => typeof x === 'string'))
    return 'must be an array of host names, e.g. ["nodes.example.com"]';
  const bad = v.filter((x) => x.length > 253 || !(HOST_NAME.test(x) || IPV6_LITERAL.test(x)));
  return bad.length === 0
    ? null
    : `${bad.map((x) => JSON.stringify(x)).join(', ')} ${bad.length === 1 ? 'is not a host name' : 'are not host names'} (give the name only: no scheme, port or path)`;
};

const eventList: Check = (v) => {
  if (!Array.isArray(v) || !v.every((x) => typeof x === 'string')) return 'must be an array of event types';
  const bad = v.filter((x) => !(EVENT_TYPES as readonly string[]).includes(x));
  return bad.length === 0 ? null : `unknown event type ${bad.map((x) => `"${x}"`).join(', ')}`;
};

/** The unit of each duration format: a string such as `"90s"` is converted to it before validation. */
export const DURATION_FORMATS: Readonly<Record<string, 'ms' | 's'>> = {
  'nw-duration-ms': 'ms',
  'nw-duration-ms-or-zero': 'ms',
  'nw-seconds-or-zero': 's',
};

/** The check behind each `nw-…` convict format. */
export const FORMAT_CHECKS: Readonly<Record<string, Check>> = {
  'nw-string': nonEmptyString,
  'nw-string-or-null': orNull(nonEmptyString),
  'nw-any-string-or-null': orNull(isString),
  'nw-bool': isBoolean,
  'nw-duration-ms': durationMs,
  'nw-duration-ms-or-zero': durationMsOrZero,
  'nw-seconds-or-zero': durationSecondsOrZero,
  'nw-days': intUpTo(1, BOUNDS.retentionDays, 'days', '10 years'),
  'nw-count': count,
  'nw-count-or-zero': countOrZero,
  'nw-nodes-or-zero': intUpTo(0, BOUNDS.nodes),
  'nw-events': intUpTo(1, BOUNDS.events),
  'nw-bytes': byteSize,
  'nw-percent': percent,
  'nw-port-or-null': orNull(port),
  'nw-log-level': (v) => (LOG_LEVELS.includes(v as never) ? null : `must be one of ${LOG_LEVELS.join(', ')}`),
  'nw-event-list': eventList,
  'nw-host-list': hostList,
  'nw-string-list': (v) =>
    Array.isArray(v) && v.every((x) => typeof x === 'string' && x !== '')
      ? null
      : 'must be an array of non-empty strings',
  'nw-webhooks': (v) => {
    const p = webhookProblems(v);
    return p.length === 0 ? null : `${p[0]!.key === '' ? '' : `entry ${p[0]!.key}: `}${p[0]!.message}`;
  },
};
for (const [name, check] of Object.entries(FORMAT_CHECKS)) {
  convict.addFormat({
    name,
    validate: (v: unknown) => {
      const msg = check(v);
      if (msg !== null) throw new Error(msg);
    },
  });
}

const MiB = 1024 * 1024;
const f = (format: string, def: unknown, doc: string, sensitive = false) => ({
  format,
  default: def,
  doc,
  sensitive,
});

/** The nodewarden.json schema definition handed to convict. */
export const managerSchema = {
  stateDir: f('nw-string', 'state', 'SQLite DB, control socket, lock, log FIFOs'),
  logDir: f('nw-string', 'logs', 'node logs and nodewarden.log'),
  host: {
    name: f(
      'nw-string-or-null',
      null,
      'host label on every metric, so one Prometheus tells hosts apart (null = the system host name)',
    ),
  },
  templatesDir: f('nw-string', 'templates', 'Handlebars alert mails and node file templates'),
  log: {
    level: f('nw-log-level', 'info', 'manager log level'),
    maxBytes: f('nw-bytes', 20 * MiB, 'rotate nodewarden.log at this size (at most 1 TiB)'),
    backups: f('nw-count-or-zero', 5, 'rotated nodewarden.log files kept (at most 1000)'),
  },
  logs: {
    timestamps: f(
      'nw-bool',
      true,
      'write each node line to <name>.log behind its arrival time (ISO-8601 UTC, e.g. 2026-12-02T10:14:39.123Z)',
    ),
  },
  control: {
    socket: f('nw-string-or-null', null, 'control socket path (default <stateDir>/nodewarden.sock)'),
    http: {
      host: f('nw-string', '127.0.0.1', 'control HTTP host'),
      port: f('nw-port-or-null', null, 'control HTTP port; null = no TCP listener'),
      token: f(
        'nw-string-or-null',
        null,
        'bearer token for the control HTTP API (default: generated into <stateDir>/http.token)',
        true,
      ),
      allowedHosts: f(
        'nw-host-list',
        [],
        'host names the control HTTP API answers to besides loopback and control.http.host (reverse proxy)',
      ),
    },
  },
  sampling: { intervalMs: f('nw-duration-ms', 5000, 'resource sampling interval (at most 30 days)') },
  startup: {
    concurrency: f('nw-nodes-or-zero', 8, 'nodes starting at once (0 = unlimited; at most 10000)'),
    intervalMs: f('nw-duration-ms-or-zero', 250, 'pause between two node starts (0 = none; at most 30 days)'),
  },
  rollout: {
    gateMs: f(
      'nw-duration-ms',
      300000,
      'longest a rolling restart waits for a node to pass its gate (at most 30 days)',
    ),
  },
  pressure: {
    enabled: f('nw-bool', false, 'pause nodes marked `shed: true` while the host is under pressure'),
    memoryHighPercent: f('nw-percent', 90, 'host memory use that starts shedding'),
    memoryLowPercent: f('nw-percent', 80, 'host memory use below which paused nodes resume'),
    cpuHighPercent: f('nw-percent', 95, 'host CPU use that starts shedding'),
    cpuLowPercent: f('nw-percent', 80, 'host CPU use below which paused nodes resume'),
    samples: f('nw-count', 3, 'samples in a row before acting (at most 1000)'),
    diskLowPercent: f('nw-percent', 5, 'free disk below which low_disk is raised'),
    psiCpuHighPercent: f(
      'nw-percent',
      50,
      'CPU pressure (/proc/pressure/cpu some avg10) that starts shedding; replaces cpuHighPercent where the kernel reports it',
    ),
    psiCpuLowPercent: f('nw-percent', 20, 'CPU pressure below which paused nodes resume'),
    psiMemoryHighPercent: f(
      'nw-percent',
      10,
      'memory pressure (/proc/pressure/memory some avg10) that starts shedding',
    ),
    psiMemoryLowPercent: f('nw-percent', 2, 'memory pressure below which paused nodes resume'),
  },
  alerts: {
    on: f('nw-event-list', [...DEFAULT_ALERT_EVENTS], 'event types that become alerts'),
    throttleSeconds: f(
      'nw-seconds-or-zero',
      900,
      'one alert per node and type in this window (at most 30 days)',
    ),
    email: {
      from: f('nw-string', 'nodewarden@localhost', 'sender address'),
      to: f('nw-string-list', [], 'recipients'),
      smtp: {
        host: f('nw-string-or-null', null, 'SMTP host; none = write .eml files to <stateDir>/outbox'),
        port: f('nw-port-or-null', null, 'SMTP port (default 465 when secure, else 587)'),
        secure: f('nw-bool', false, 'TLS from the start'),
        auth: {
          user: f('nw-any-string-or-null', null, 'SMTP user'),
          pass: f('nw-any-string-or-null', null, 'SMTP password', true),
        },
      },
    },
    webhooks: f('nw-webhooks', [], 'JSON POST targets [{url, headers, timeoutMs (at most 1 hour)}]'),
  },
  retention: {
    eventsDays: f('nw-days', 90, 'days of events kept (at most 3650)'),
    samplesDays: f('nw-days', 30, 'days of samples kept (at most 3650)'),
    maxEvents: f('nw-events', 1_000_000, 'most events kept; the oldest go first (at most 100000000)'),
  },
};

/** Creates a fresh convict instance of the schema, deaf to process.env and argv. */
export function createManagerConvict(): convict.Config<Record<string, unknown>> {
  return convict<Record<string, unknown>>(managerSchema as never, { env: {}, args: [] });
}

/** True when `key` names a group of keys (an object in the schema), not a single setting. */
export function isSchemaBranch(key: string): boolean {
  let node: unknown = managerSchema;
  for (const k of key.split('.')) {
    if (!isPlainObject(node) || 'default' in node || !(k in node)) return false;
    node = node[k];
  }
  return isPlainObject(node) && !('default' in node);
}

/** True when `key` is declared by the schema (a setting or a group). */
export function isSchemaKey(key: string): boolean {
  let node: unknown = managerSchema;
  for (const k of key.split('.')) {
    if (!isPlainObject(node) || 'default' in node || !Object.prototype.hasOwnProperty.call(node, k))
      return false;
    node = node[k];
  }
  return true;
}

/** Every setting's dotted key, longest first (to match convict's `key: message` lines). */
export const SETTING_KEYS: readonly string[] = (() => {
  const out: string[] = [];
  const walk = (node: Record<string, unknown>, prefix: string): void => {
    for (const [k, v] of Object.entries(node)) {
      const key = prefix === '' ? k : `${prefix}.${k}`;
      if (isPlainObject(v) && !('default' in v)) walk(v, key);
      else out.push(key);
    }
  };
  walk(managerSchema, '');
  return out.sort((a, b) => b.length - a.length);
})();
