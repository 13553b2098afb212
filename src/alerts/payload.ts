import type { ManagerConfig } from '../config/types.js';
import { newMessageId } from './channels/compose.js';
import type { AlertContext } from './context.js';
import type { RenderedMessage } from './templates.js';
import type { AlertMeta, Channel, OutboxPayload, WebhookBody } from './types.js';

/**
 * The stored form of one rendered alert for one channel: a complete mail
 * (from, to, parts, a fixed Message-ID) or the webhook's JSON body.
 */
export function buildPayload(
  ch: Channel,
  meta: AlertMeta,
  ctx: AlertContext,
  msg: RenderedMessage,
  email: ManagerConfig['alerts']['email'],
  createdTs: number,
): OutboxPayload {
  if (ch.kind === 'webhook') return { kind: 'webhook', meta, body: webhookBody(ctx, msg) };
  return {
    kind: 'email',
    meta,
    messageId: newMessageId(createdTs),
    from: email.from,
    to: [...email.to],
    subject: msg.subject,
    text: msg.text,
    html: msg.html,
  };
}

/** `{event, node, host, subject, text, suppressed, resolved}` (DESIGN §5). */
export function webhookBody(ctx: AlertContext, msg: RenderedMessage): WebhookBody {
  return {
    event: ctx.event,
    node: ctx.node,
    host: ctx.host,
    subject: msg.subject,
    text: msg.text,
    suppressed: ctx.suppressed,
    resolved: ctx.resolved,
  };
}
