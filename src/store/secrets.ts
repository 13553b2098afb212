import { randomBytes } from 'node:crypto';
import type Database from 'better-sqlite3';
import type { SecretSource } from '../config/types.js';
import { NodewardenError } from '../errors.js';
import type { WriteQueue } from './write-queue.js';

/**
 * The `secret "key"` helper's values: a random 32-byte hex string generated
 * the first time a node asks for a key, stored, and the same ever after
 * (across reloads and restarts). Values are never logged. A value that could
 * not be stored is never handed out: the caller gets E_STORE instead, so a
 * node is never configured with a password that would change next start.
 */
export class SqliteSecrets implements SecretSource {
  private readonly cache = new Map<string, string>();
  private readonly select: Database.Statement;
  private readonly insert: Database.Statement;
  private readonly all: Database.Statement;

  constructor(
    db: Database.Database,
    private readonly queue: WriteQueue,
    private readonly wallNow: () => number,
  ) {
    this.select = db.prepare('SELECT value FROM secrets WHERE node = ? AND key = ?').pluck();
    this.all = db.prepare('SELECT value FROM secrets').pluck();
    this.insert = db.prepare(
      'INSERT INTO secrets (node, key, value, created_ts) VALUES (?, ?, ?, ?) ON CONFLICT (node, key) DO NOTHING',
    );
  }

  /**
   * Every stored value, of every node (also of nodes no longer configured, whose
   * survivors may still be reaped), for the redactor. [] when the database cannot be read.
   */
  values(): string[] {
    try {
      return [...new Set([...(this.all.all() as string[]), ...this.cache.values()])];
    } catch (err) {
      this.queue.reportError(err, 'read the secrets for redaction');
      return [...this.cache.values()];
    }
  }

  get(node: string, key: string): string {
    const id = `${node}\u0000${key}`;
    const cached = this.cache.get(id);
    if (cached !== undefined) return cached;
    try {
      let value = this.select.get(node, key) as string | undefined;
      if (value === undefined) {
        this.insert.run(node, key, randomBytes(32).toString('hex'), this.wallNow());
        value = this.select.get(node, key) as string;
      }
      this.cache.set(id, value);
      return value;
    } catch (err) {
      this.queue.reportError(err, `secret "${key}" of node ${node}`);
      throw new NodewardenError('E_STORE', `cannot read or store secret "${key}" of node ${node}`, {
        cause: err,
        hint: 'the state database is not writable; see the store errors in the nodewarden log',
        details: { node, key },
      });
    }
  }

  /** The stored value, or undefined when there is none yet; never creates one. */
  peek(node: string, key: string): string | undefined {
    const cached = this.cache.get(`${node}\u0000${key}`);
    if (cached !== undefined) return cached;
    try {
      return (this.select.get(node, key) as string | undefined) ?? undefined;
    } catch {
      return undefined;
    }
  }
}

/**
 * The secret source of `reload --dry-run`: stored values as they are, and a
 * placeholder for a secret that does not exist yet, so a preview never
 * writes to the state database.
 */
export class PeekSecrets implements SecretSource {
  constructor(private readonly stored: Pick<SqliteSecrets, 'peek'>) {}

  get(node: string, key: string): string {
    return this.stored.peek(node, key) ?? `(new secret "${key}")`;
  }
}
