import path from 'node:path';
import type { ManagerConfig } from '../../config/types.js';
import type { Channel } from '../types.js';
import { EmlChannel } from './eml.js';
import { SmtpChannel } from './smtp.js';
import { WebhookChannel } from './webhook.js';

/** Where `.eml` files go when no SMTP server is configured (DESIGN §1). */
export function emlDir(stateDir: string): string {
  return path.join(stateDir, 'outbox');
}

/**
 * Every configured way out, in a stable order: mail first (SMTP when
 * `alerts.email.smtp` is set, else `.eml` files in `<stateDir>/outbox/`),
 * then one channel per webhook. With SMTP configured but no recipients, mail
 * is left out (there is nobody to send to).
 */
export function buildChannels(manager: ManagerConfig): Channel[] {
  const { email, webhooks } = manager.alerts;
  const out: Channel[] = [];
  if (email.smtp && email.to.length > 0) out.push(new SmtpChannel(email.smtp));
  else if (!email.smtp) out.push(new EmlChannel(emlDir(manager.stateDir)));
  for (const hook of webhooks) {
    // The same URL twice would send every alert twice from one outbox row: keep one.
    if (!out.some((c) => c.id === `webhook ${hook.url}`)) out.push(new WebhookChannel(hook));
  }
  return out;
}
