import crypto from 'node:crypto';
import os from 'node:os';
import type { Transporter } from 'nodemailer';
import type { SendMailOptions } from 'nodemailer/lib/mailer';
import type { EmailPayload, SendContext } from '../types.js';

/** A fresh Message-ID for a stored alert: `<created.random@nodewarden.host>`. */
export function newMessageId(createdTs: number): string {
  return `<${createdTs}.${crypto.randomBytes(6).toString('hex')}@nodewarden.${os.hostname() || 'localhost'}>`;
}

/**
 * Nodemailer options for a stored mail: text and HTML parts, the alert's own
 * Date (when it was raised, not when a retry finally got through) and its
 * fixed Message-ID, so a receiver can tell a resend from a new alert.
 */
export function mailOptions(p: EmailPayload, ctx: SendContext): SendMailOptions {
  return {
    from: p.from,
    to: [...p.to],
    subject: p.subject,
    text: p.text,
    html: p.html,
    date: new Date(ctx.createdTs),
    messageId: p.messageId,
    headers: {
      'Auto-Submitted': 'auto-generated',
      'X-Nodewarden-Event': p.meta.type,
      ...(p.meta.node ? { 'X-Nodewarden-Node': p.meta.node } : {}),
    },
  };
}

/** The server's own words for a failed send (`535 Authentication failed`), else the error message. */
export function describeSendError(err: unknown): string {
  const e = err as { response?: unknown; message?: unknown; code?: unknown } | null;
  if (e && typeof e.response === 'string' && e.response !== '') return e.response.trim();
  if (e && typeof e.message === 'string') return e.message;
  return String(err);
}

/** The npm package nodemailer's default export (what `import nodemailer from 'nodemailer'` gives). */
export type Nodemailer = (typeof import('nodemailer'))['default'];

/**
 * A mail transport built at the first send: the npm package nodemailer (about
 * 2 MB of heap once loaded) is imported only when a mail actually goes out, so
 * a manager that never alerts never carries it. A failed import is not kept:
 * the next send (an outbox retry) tries again.
 */
export function lazyTransport<T extends Transporter>(
  create: (nodemailer: Nodemailer) => T,
): { get(): Promise<T>; close(): void } {
  let made: Promise<T> | null = null;
  return {
    get: () =>
      (made ??= import('nodemailer').then(
        (mod) => create(mod.default),
        (err: unknown) => {
          made = null;
          throw err;
        },
      )),
    close: () => {
      void made?.then(
        (t) => t.close(),
        () => undefined,
      );
    },
  };
}
