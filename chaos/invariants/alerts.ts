import fs from 'node:fs';
import type { CheckContext, Invariant, Journal, Violation } from '../journal.js';
import { readStore, type OutboxRowView } from './store-read.js';
import { at, cap } from './timeline.js';
import { sleep, type InvariantOptions } from './options.js';

/**
 * Invariant 5, from the SQLite file and the SMTP sink's file: every mail the
 * outbox accepted (a row of channel `email`) reaches the sink exactly once,
 * matched by its fixed Message-ID. At the end the outbox is given
 * `alertDrainMs` (beyond the last SMTP outage) to deliver what is still
 * pending. A row given up on (`failed`) is a lost alert; a Message-ID the
 * sink got twice is a duplicate, whether or not its row is still stored.
 */

/** One message as the sink recorded it. */
export interface SinkMessage {
  at: number;
  messageId: string;
  subject: string;
}

/** A Message-ID without its angle brackets, so both spellings match. */
export function bareId(id: unknown): string {
  return typeof id === 'string' ? id.trim().replace(/^<|>$/g, '') : '';
}

export function readSink(file: string): SinkMessage[] {
  if (!fs.existsSync(file)) return [];
  const out: SinkMessage[] = [];
  for (const line of fs.readFileSync(file, 'utf8').split('\n')) {
    if (line.trim() === '') continue;
    try {
      const m = JSON.parse(line) as Record<string, unknown>;
      out.push({ at: Number(m.at), messageId: bareId(m.messageId), subject: String(m.subject ?? '') });
    } catch {
      // A line cut short by a crash of the sink is not a message.
    }
  }
  return out;
}

export function alerts(journal: Journal, opts: InvariantOptions): Invariant {
  return {
    id: 5,
    name: 'every alert the outbox accepted reaches the sink exactly once',
    async check(ctx: CheckContext): Promise<Violation[]> {
      if (ctx.phase === 'fault') return [];
      const lastOutage = journal.smtpDown.reduce((t, w) => Math.max(t, w.to ?? Date.now()), 0);
      const deadline = Math.max(Date.now(), lastOutage) + opts.alertDrainMs;
      let rows: OutboxRowView[];
      for (;;) {
        rows = readStore(journal.run.dbPath).outbox.filter((r) => r.channel === 'email');
        if (!rows.some((r) => r.status === 'pending') || Date.now() >= deadline) break;
        await sleep(opts.pollMs);
      }
      return judge(journal, rows, readSink(journal.run.sinkFile));
    },
  };
}

function judge(journal: Journal, rows: readonly OutboxRowView[], sink: readonly SinkMessage[]): Violation[] {
  const out: Violation[] = [];
  const got = new Map<string, SinkMessage[]>();
  for (const m of sink) {
    let list = got.get(m.messageId);
    if (!list) got.set(m.messageId, (list = []));
    list.push(m);
  }
  const show = (r: OutboxRowView): string =>
    `outbox #${r.id} ${r.status} created ${at(journal, r.createdTs)} attempts ${r.attempts} id ${bareId(r.payload.messageId)} "${String(r.payload.subject ?? '')}"${r.lastError ? ` last error: ${r.lastError}` : ''}`;
  const missing: string[] = [];
  const pending: string[] = [];
  const failed: string[] = [];
  for (const r of rows) {
    const id = bareId(r.payload.messageId);
    const n = got.get(id)?.length ?? 0;
    if (r.status === 'pending' && n === 0) pending.push(show(r));
    else if (r.status === 'failed' && n === 0) failed.push(show(r));
    else if (r.status === 'sent' && n === 0) missing.push(show(r));
  }
  if (missing.length > 0)
    out.push({
      invariant: 5,
      message: `${missing.length} alert(s) the outbox marked sent never reached the sink`,
      evidence: cap(missing),
    });
  if (pending.length > 0)
    out.push({
      invariant: 5,
      message: `${pending.length} alert(s) still pending after the drain time`,
      evidence: cap(pending),
    });
  if (failed.length > 0)
    out.push({ invariant: 5, message: `${failed.length} alert(s) given up on: lost`, evidence: cap(failed) });
  const twice: string[] = [];
  for (const [id, list] of got) {
    if (list.length < 2 || id === '') continue;
    twice.push(
      `${id} "${list[0]!.subject}" received ${list.length} times, at ${list.map((m) => at(journal, m.at)).join(', ')}`,
    );
  }
  if (twice.length > 0)
    out.push({
      invariant: 5,
      message: `${twice.length} alert(s) reached the sink more than once`,
      evidence: cap(twice),
    });
  return out;
}
