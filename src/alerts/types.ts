/** What every outbox row says about the alert it carries (for logs and `alert_failed`). */
export interface AlertMeta {
  readonly node: string | null;
  /** The event type the message is about (`crashed`, `in_sync` …; `test` for `alert test`). */
  readonly type: string;
  readonly resolved: boolean;
  readonly suppressed: number;
}

/** A rendered mail, as stored in the outbox before it is sent. */
export interface EmailPayload {
  readonly kind: 'email';
  readonly meta: AlertMeta;
  /** `<…@…>`, fixed when the alert is stored, so every retry carries the same Message-ID. */
  readonly messageId: string;
  readonly from: string;
  readonly to: readonly string[];
  readonly subject: string;
  readonly text: string;
  readonly html: string;
}

/** The JSON body a webhook receives (DESIGN §5). */
export interface WebhookBody {
  readonly event: unknown;
  readonly node: unknown;
  readonly host: unknown;
  readonly subject: string;
  readonly text: string;
  readonly suppressed: number;
  readonly resolved: boolean;
}

export interface WebhookPayload {
  readonly kind: 'webhook';
  readonly meta: AlertMeta;
  readonly body: WebhookBody;
}

/** The `payload` column of an outbox row. */
export type OutboxPayload = EmailPayload | WebhookPayload;

/** Identity of the row being sent: a retry carries the same Message-ID and Date. */
export interface SendContext {
  readonly id: number;
  readonly createdTs: number;
}

/**
 * One way out (SMTP, `.eml` files, one webhook). `send` resolves with a short
 * description of what happened (for logs and `alert test`) or rejects with the
 * server's error.
 */
export interface Channel {
  /** The outbox `channel` column: `email`, or `webhook <url>`. */
  readonly id: string;
  /** How `alert test` names it: `smtp host:port`, `eml <dir>`, `webhook <url>`. */
  readonly label: string;
  readonly kind: OutboxPayload['kind'];
  send(payload: OutboxPayload, ctx: SendContext): Promise<string>;
  close(): void;
}
