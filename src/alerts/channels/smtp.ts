import os from 'node:os';
import type { Transporter } from 'nodemailer';
import type { SmtpConfig } from '../../config/types.js';
import type { Channel, OutboxPayload, SendContext } from '../types.js';
import { lazyTransport, mailOptions, type Nodemailer } from './compose.js';

/**
 * Mail through the configured SMTP server (`alerts.email.smtp`): implicit TLS
 * when `secure`, otherwise STARTTLS whenever the server offers it (with
 * certificate checks); AUTH when user/pass are set. Short timeouts so a dead
 * server fails a send quickly and the outbox retries later.
 */
export class SmtpChannel implements Channel {
  readonly id = 'email';
  readonly kind = 'email';
  readonly label: string;
  private readonly transport: ReturnType<typeof lazyTransport>;

  constructor(private readonly smtp: SmtpConfig) {
    this.label = `smtp ${smtp.host}:${smtp.port}`;
    this.transport = lazyTransport((nodemailer) => createSmtpTransport(nodemailer, smtp));
  }

  async send(payload: OutboxPayload, ctx: SendContext): Promise<string> {
    if (payload.kind !== 'email') throw new Error(`an SMTP channel cannot send a ${payload.kind} payload`);
    if (payload.to.length === 0) throw new Error('no recipients: alerts.email.to is empty');
    const info = await (await this.transport.get()).sendMail(mailOptions(payload, ctx));
    return `accepted by ${this.smtp.host}:${this.smtp.port}: ${String(info.response ?? '').trim()}`;
  }

  close(): void {
    this.transport.close();
  }
}

function createSmtpTransport(nodemailer: Nodemailer, smtp: SmtpConfig): Transporter {
  return nodemailer.createTransport({
    host: smtp.host,
    port: smtp.port,
    secure: smtp.secure,
    ...(smtp.auth ? { auth: { user: smtp.auth.user, pass: smtp.auth.pass } } : {}),
    name: os.hostname() || 'localhost',
    connectionTimeout: 10_000,
    greetingTimeout: 10_000,
    socketTimeout: 30_000,
  });
}
