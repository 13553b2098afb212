/**
 * The SMTP sink: an SMTP server (the `smtp-server` npm package) on 127.0.0.1
 * that appends every accepted message to a file as one JSON line
 * `{at, messageId, subject, to, text}`. "Down" means the server is closed
 * (connection refused); "up" listens again on the same port.
 */
import fs from 'node:fs';
import net from 'node:net';
import { SMTPServer } from 'smtp-server';

function header(raw: string, name: string): string {
  const head = raw.split(/\r?\n\r?\n/, 1)[0] ?? '';
  const unfolded = head.replace(/\r?\n[ \t]+/g, ' ');
  const m = new RegExp(`^${name}:[ \\t]*(.*)$`, 'im').exec(unfolded);
  return m ? m[1]!.trim() : '';
}

export class SmtpSink {
  private server: SMTPServer | null = null;
  port = 0;
  accepted = 0;

  constructor(public file: string) {}

  get up(): boolean {
    return this.server !== null;
  }

  async start(): Promise<void> {
    const server = new SMTPServer({
      logger: false,
      disabledCommands: ['STARTTLS'],
      authOptional: true,
      closeTimeout: 1000,
      onData: (stream, session, cb) => {
        const chunks: Buffer[] = [];
        stream.on('data', (c: Buffer) => chunks.push(c));
        stream.on('end', () => {
          const raw = Buffer.concat(chunks).toString('utf8');
          const end = /\r?\n\r?\n/.exec(raw);
          const body = end === null ? '' : raw.slice(end.index + end[0].length);
          const line = {
            at: Date.now(),
            messageId: header(raw, 'Message-ID'),
            subject: header(raw, 'Subject'),
            to: session.envelope.rcptTo.map((r) => r.address),
            text: body,
          };
          // Appended before the reply: once the sender sees 250 the message is on file.
          fs.appendFileSync(this.file, JSON.stringify(line) + '\n');
          this.accepted++;
          cb();
        });
      },
    });
    await new Promise<void>((resolve, reject) => {
      server.once('error', reject);
      server.listen(this.port, '127.0.0.1', () => resolve());
    });
    server.on('error', () => {}); // a reset client connection must not end the run
    this.port = (server.server.address() as net.AddressInfo).port;
    this.server = server;
  }

  async stop(): Promise<void> {
    const server = this.server;
    if (server === null) return;
    this.server = null;
    await new Promise<void>((resolve) => server.close(() => resolve()));
  }
}
