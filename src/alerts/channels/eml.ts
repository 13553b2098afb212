import fs from 'node:fs';
import path from 'node:path';
import type { Channel, OutboxPayload, SendContext } from '../types.js';
import { lazyTransport, mailOptions } from './compose.js';

/**
 * Without `alerts.email.smtp`, each mail is written as a complete RFC 5322
 * message (CRLF line ends, Date, Message-ID, text and HTML parts) to
 * `<stateDir>/outbox/<time>-<node>-<type>-<id>.eml`, so a fresh install shows
 * what it would send. Written to a temporary name and renamed: a reader never
 * sees half a file, and a retry rewrites the same name.
 */
export class EmlChannel implements Channel {
  readonly id = 'email';
  readonly kind = 'email';
  readonly label: string;
  private readonly transport = lazyTransport((nodemailer) =>
    nodemailer.createTransport({ streamTransport: true, buffer: true, newline: 'windows' }),
  );

  constructor(readonly dir: string) {
    this.label = `eml ${dir}`;
  }

  async send(payload: OutboxPayload, ctx: SendContext): Promise<string> {
    if (payload.kind !== 'email') throw new Error(`an .eml channel cannot write a ${payload.kind} payload`);
    const info = await (await this.transport.get()).sendMail(mailOptions(payload, ctx));
    const file = path.join(this.dir, fileName(payload, ctx));
    await fs.promises.mkdir(this.dir, { recursive: true, mode: 0o700 });
    const tmp = `${file}.tmp`;
    await fs.promises.writeFile(tmp, info.message as Buffer, { mode: 0o600 });
    await fs.promises.rename(tmp, file);
    return `wrote ${file}`;
  }

  close(): void {
    this.transport.close();
  }
}

function fileName(p: OutboxPayload & { kind: 'email' }, ctx: SendContext): string {
  const stamp = new Date(ctx.createdTs).toISOString().replace(/[:.]/g, '-');
  const unique = /^<[^.]*\.([0-9a-f]+)@/.exec(p.messageId)?.[1] ?? String(ctx.id);
  const node = (p.meta.node ?? 'nodewarden').replace(/[^A-Za-z0-9_.-]/g, '_');
  return `${stamp}-${node}-${p.meta.type}-${unique}.eml`;
}
