import os from 'node:os';
import path from 'node:path';
import { convictIssues, prepare, valueAt } from './convict-bridge.js';
import { issue } from './issues.js';
import { readJsonFile } from './json-file.js';
import { isPlainObject } from './merge.js';
import { createManagerConvict, managerSchema } from './schema.js';
import type { ConfigIssue, ManagerConfig, SmtpConfig, WebhookConfig } from './types.js';

/**
 * Loads nodewarden.json through the convict schema and turns it into the
 * frozen-ready ManagerConfig: paths absolute, derived defaults (socket, SMTP
 * port, webhook fields) filled, and cross-key rules (low < high) checked.
 */

function lowBelowHigh(
  p: Record<string, number>,
  what: 'memory' | 'cpu' | 'psiCpu' | 'psiMemory',
  file: string,
): ConfigIssue[] {
  const low = p[`${what}LowPercent`]!;
  const high = p[`${what}HighPercent`]!;
  if (typeof low !== 'number' || typeof high !== 'number' || low < high) return [];
  return [
    issue(
      file,
      `pressure.${what}LowPercent`,
      `must be lower than pressure.${what}HighPercent, which is ${high}`,
      low,
    ),
  ];
}

/** `alerts.email.smtp`: null unless a host is set; port defaults by `secure`. */
function smtpConfig(
  v: unknown,
  given: unknown,
  file: string,
): { smtp: SmtpConfig | null; issues: ConfigIssue[] } {
  const s = isPlainObject(v) ? v : {};
  if (s.host == null) {
    const partial = isPlainObject(given) && Object.keys(given).length > 0;
    return {
      smtp: null,
      issues: partial ? [issue(file, 'alerts.email.smtp.host', 'is required when smtp is set')] : [],
    };
  }
  const a = isPlainObject(s.auth) ? s.auth : {};
  const issues =
    (a.user == null) !== (a.pass == null)
      ? [issue(file, 'alerts.email.smtp.auth', 'needs both user and pass')]
      : [];
  const secure = s.secure === true;
  return {
    smtp: {
      host: String(s.host),
      port: typeof s.port === 'number' ? s.port : secure ? 465 : 587,
      secure,
      auth: a.user != null && a.pass != null ? { user: String(a.user), pass: String(a.pass) } : null,
    },
    issues,
  };
}

/** `host.name`, or the system host name when it is not set (or the system has none). */
function hostName(v: unknown): string {
  if (typeof v === 'string' && v !== '') return v;
  return os.hostname() || 'localhost';
}

/** Reads `<configDir>/nodewarden.json` (absent = all defaults) and validates it. */
export function loadManagerConfig(configDir: string): { manager: ManagerConfig; issues: ConfigIssue[] } {
  const file = path.join(configDir, 'nodewarden.json');
  const issues: ConfigIssue[] = [];
  let raw: Record<string, unknown> = {};
  const read = readJsonFile(file);
  if (read.ok && isPlainObject(read.value)) raw = read.value;
  else if (read.ok) issues.push(issue(file, '', 'must be a JSON object', read.value));
  else if (!read.missing) issues.push(read.issue);

  // `$schema` points editors at schema/nodewarden.schema.json; nodewarden ignores it.
  if ('$schema' in raw) {
    const { $schema, ...rest } = raw;
    if (typeof $schema !== 'string') issues.push(issue(file, '$schema', 'must be a string', $schema));
    raw = rest;
  }
  const conf = createManagerConvict();
  const prepared = prepare(raw, managerSchema, '', file, issues);
  conf.load(prepared);
  try {
    conf.validate({ allowed: 'strict' });
  } catch (err) {
    issues.push(...convictIssues((err as Error).message, conf.getProperties(), file));
  }
  const p = conf.getProperties();
  // After a failed validation values may be of any type; `get` never throws and the issues decide.
  // eslint-disable-next-line @typescript-eslint/no-explicit-any -- shapes are checked by the schema above
  const get = (key: string): any => valueAt(p, key);
  const abs = (key: string, def: string): string => {
    const v = get(key);
    return path.resolve(configDir, typeof v === 'string' && v !== '' ? v : def);
  };
  if (isPlainObject(get('pressure'))) {
    const pr = get('pressure') as Record<string, number>;
    for (const what of ['memory', 'cpu', 'psiCpu', 'psiMemory'] as const)
      issues.push(...lowBelowHigh(pr, what, file));
  }
  const { smtp, issues: smtpIssues } = smtpConfig(
    get('alerts.email.smtp'),
    valueAt(prepared, 'alerts.email.smtp'),
    file,
  );
  issues.push(...smtpIssues);
  const hooks = get('alerts.webhooks');
  const webhooks: WebhookConfig[] = (Array.isArray(hooks) ? hooks : []).filter(isPlainObject).map((w) => ({
    url: String(w.url),
    headers: isPlainObject(w.headers) ? { ...(w.headers as Record<string, string>) } : {},
    timeoutMs: typeof w.timeoutMs === 'number' ? w.timeoutMs : 10_000,
  }));
  const list = (key: string): string[] => (Array.isArray(get(key)) ? [...(get(key) as string[])] : []);

  const stateDir = abs('stateDir', 'state');
  const socket = get('control.socket');
  const manager: ManagerConfig = {
    configDir,
    stateDir,
    logDir: abs('logDir', 'logs'),
    templatesDir: abs('templatesDir', 'templates'),
    host: { name: hostName(get('host.name')) },
    log: { level: get('log.level'), maxBytes: get('log.maxBytes'), backups: get('log.backups') },
    logs: { timestamps: get('logs.timestamps') },
    control: {
      socket:
        typeof socket === 'string' ? path.resolve(configDir, socket) : path.join(stateDir, 'nodewarden.sock'),
      http: {
        host: get('control.http.host'),
        port: get('control.http.port'),
        token: get('control.http.token'),
        allowedHosts: list('control.http.allowedHosts').map((h) => h.toLowerCase()),
      },
    },
    sampling: { intervalMs: get('sampling.intervalMs') },
    startup: { concurrency: get('startup.concurrency'), intervalMs: get('startup.intervalMs') },
    rollout: { gateMs: get('rollout.gateMs') },
    pressure: {
      enabled: get('pressure.enabled'),
      memoryHighPercent: get('pressure.memoryHighPercent'),
      memoryLowPercent: get('pressure.memoryLowPercent'),
      cpuHighPercent: get('pressure.cpuHighPercent'),
      cpuLowPercent: get('pressure.cpuLowPercent'),
      samples: get('pressure.samples'),
      diskLowPercent: get('pressure.diskLowPercent'),
      psiCpuHighPercent: get('pressure.psiCpuHighPercent'),
      psiCpuLowPercent: get('pressure.psiCpuLowPercent'),
      psiMemoryHighPercent: get('pressure.psiMemoryHighPercent'),
      psiMemoryLowPercent: get('pressure.psiMemoryLowPercent'),
    },
    alerts: {
      on: list('alerts.on'),
      throttleSeconds: get('alerts.throttleSeconds'),
      email: { from: get('alerts.email.from'), to: list('alerts.email.to'), smtp },
      webhooks,
    },
    retention: {
      eventsDays: get('retention.eventsDays'),
      samplesDays: get('retention.samplesDays'),
      maxEvents: get('retention.maxEvents'),
    },
  };
  return { manager, issues };
}
