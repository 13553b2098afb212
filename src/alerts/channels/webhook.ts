import http from 'node:http';
import https from 'node:https';
import type { WebhookConfig } from '../../config/types.js';
import { VERSION } from '../../version.js';
import type { Channel, OutboxPayload } from '../types.js';

/**
 * One `alerts.webhooks[]` entry: the alert as a JSON POST
 * (`{event, node, host, subject, text, suppressed, resolved}`) with the
 * configured headers. Any 2xx answer is success; another status, a network
 * error or no answer within `timeoutMs` is a failure the outbox retries.
 * No keep-alive: one connection per alert, closed when it is done.
 */
export class WebhookChannel implements Channel {
  readonly id: string;
  readonly kind = 'webhook';
  readonly label: string;

  constructor(private readonly hook: WebhookConfig) {
    this.id = `webhook ${hook.url}`;
    this.label = `webhook ${hook.url}`;
  }

  send(payload: OutboxPayload): Promise<string> {
    if (payload.kind !== 'webhook')
      return Promise.reject(new Error(`a webhook cannot send a ${payload.kind} payload`));
    const body = Buffer.from(JSON.stringify(payload.body));
    const url = new URL(this.hook.url);
    const mod = url.protocol === 'https:' ? https : http;
    return new Promise((resolve, reject) => {
      const req = mod.request(
        url,
        {
          method: 'POST',
          agent: false,
          timeout: this.hook.timeoutMs,
          headers: {
            'user-agent': `nodewarden/${VERSION}`,
            ...this.hook.headers,
            'content-type': 'application/json',
            'content-length': body.length,
          },
        },
        (res) => {
          const chunks: Buffer[] = [];
          let size = 0;
          res.on('data', (c: Buffer) => {
            if (size < 4096) chunks.push(c);
            size += c.length;
          });
          res.on('end', () => {
            const status = res.statusCode ?? 0;
            if (status >= 200 && status < 300) return resolve(`HTTP ${status}`);
            const text = Buffer.concat(chunks).toString('utf8').trim().slice(0, 200);
            reject(new Error(`HTTP ${status} ${res.statusMessage ?? ''}${text ? `: ${text}` : ''}`.trim()));
          });
          res.on('error', reject);
        },
      );
      req.on('timeout', () => req.destroy(new Error(`no answer within ${this.hook.timeoutMs} ms`)));
      req.on('error', reject);
      req.end(body);
    });
  }

  close(): void {}
}
