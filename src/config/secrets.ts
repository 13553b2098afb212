import { randomBytes } from 'node:crypto';
import { MASK } from './issues.js';
import type { SecretSource } from './types.js';

/**
 * The secret source of `config check` and `config show`: every `{{secret "key"}}`
 * renders as a mask, so printing a config never reveals (or creates) a secret.
 */
export class MaskedSecrets implements SecretSource {
  get(_node: string, _key: string): string {
    return MASK;
  }
}

/**
 * Secrets kept in memory only: a random 32-hex value generated the first time
 * a node asks for a key and returned unchanged afterwards. For tests and for
 * runs without a state DB; the persistent source lives with the store.
 */
export class MemorySecrets implements SecretSource {
  private readonly values = new Map<string, string>();
  // One getrandom call per 256 secrets rather than one per secret (200 nodes load at once).
  private pool = Buffer.alloc(0);
  private used = 0;

  get(node: string, key: string): string {
    const id = `${node}\u0000${key}`;
    let v = this.values.get(id);
    if (v === undefined) {
      if (this.used + 16 > this.pool.length) {
        this.pool = randomBytes(4096);
        this.used = 0;
      }
      v = this.pool.toString('hex', this.used, this.used + 16);
      this.used += 16;
      this.values.set(id, v);
    }
    return v;
  }
}
