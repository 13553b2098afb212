import type { ManagerConfig } from '../config/types.js';
import { nullLogger, type Logger } from '../logger.js';
import { buildChannels } from './channels/index.js';
import { describeSendError } from './channels/compose.js';
import { buildContext, type ContextSources } from './context.js';
import { buildPayload } from './payload.js';
import { TemplateSet } from './templates.js';

/** One channel's outcome in `nodewarden alert test`. */
export interface TestAlertResult {
  /** `smtp host:port`, `eml <dir>`, `webhook <url>`. */
  readonly channel: string;
  readonly ok: boolean;
  /** What happened (`wrote …`, `HTTP 200`) or the server's error (`535 Authentication failed`). */
  readonly message: string;
}

export interface TestAlertReport {
  readonly results: readonly TestAlertResult[];
  /** Templates that failed to render and were replaced by a fallback. */
  readonly templateProblems: readonly string[];
}

const NO_SOURCES: ContextSources = {
  facts: () => undefined,
  observe: () => undefined,
  recent: () => [],
  logTail: () => Promise.resolve([]),
};

/**
 * Send one test alert through every configured channel directly (no daemon,
 * no outbox, no retry) and report each outcome. Rendered like a real alert
 * from `<templatesDir>/test.*` (else `default.*`), with `test: true`.
 */
export async function sendTestAlerts(
  manager: ManagerConfig,
  logger: Logger = nullLogger,
): Promise<TestAlertReport> {
  const templates = new TemplateSet(manager.templatesDir, logger);
  const now = Date.now();
  const event = {
    ts: now,
    node: null,
    type: 'test',
    severity: 'info' as const,
    reason: 'alert test',
    details: { configDir: manager.configDir },
  };
  const decision = { event, condition: 'test', resolved: false, suppressed: 0, suppressedSince: null };
  const ctx = await buildContext(decision, { ...NO_SOURCES, hostName: () => manager.host.name }, true);
  const msg = templates.render('test', ctx);
  const meta = { node: null, type: 'test', resolved: false, suppressed: 0 };
  const results: TestAlertResult[] = [];
  const { smtp, to } = manager.alerts.email;
  if (smtp && to.length === 0) {
    results.push({
      channel: `smtp ${smtp.host}:${smtp.port}`,
      ok: false,
      message: 'no recipients: alerts.email.to is empty',
    });
  }
  for (const ch of buildChannels(manager)) {
    try {
      const info = await ch.send(buildPayload(ch, meta, ctx, msg, manager.alerts.email, now), {
        id: 0,
        createdTs: now,
      });
      results.push({ channel: ch.label, ok: true, message: info });
    } catch (err) {
      results.push({ channel: ch.label, ok: false, message: describeSendError(err) });
    } finally {
      ch.close();
    }
  }
  return { results, templateProblems: msg.problems };
}
