import { MASK } from './issues.js';

/**
 * Masking of secrets in everything nodewarden prints or sends: events, the
 * manager log, mails and webhooks, `config show`, the status page. A Redactor
 * knows a set of secret values (generated `{{secret}}` values, passwords and
 * tokens from the config) and masks every occurrence of them, also inside
 * longer strings; and it masks what looks secret by its shape whatever the
 * value: the password of a URL (`http://user:pw@host`), secret-named query
 * parameters (`?token=…`), secret-named flags (`--rpcpassword=…`, or
 * `--rpcpassword …` in an argv) and the values of secret-named keys.
 */

/** Known values shorter than this are not masked as substrings (a "1" must not vanish everywhere). */
export const MIN_SECRET_LENGTH = 6;

/** What every consumer of redaction needs: mask a string, or every string of a JSON-like value. */
export interface Redact {
  text(s: string): string;
  value<T>(v: T): T;
}

// Parts of a name that make its value a secret when they appear anywhere in it.
const SECRET_INSIDE = /password|passwd|passphrase|secret|token|apikey|privkey|mnemonic|credential/;
// Whole words (after splitting on _ - . and camelCase) that make a name secret.
const SECRET_WORD =
  /^(?:pass|pw|key|apikey|auth|authorization|bearer|login|private|seed|cookie|jwt|\w+auth)$/;
// A name ending in one of these describes a secret (its file, its user, its length) rather than being one.
const NOT_THE_SECRET = new Set([
  'file', 'files', 'path', 'dir', 'directory', 'filename', 'name', 'user', 'username', 'id',
  'type', 'mode', 'method', 'url', 'host', 'port', 'len', 'length', 'size', 'count', 'enabled',
  'required', 'env', 'header',
]); // prettier-ignore
// Values of secret-named keys that are settings, not secrets.
const PLAIN_VALUES = new Set([
  'true',
  'false',
  'none',
  'null',
  'yes',
  'no',
  'on',
  'off',
  'enabled',
  'disabled',
]);

/**
 * True when a key, variable or flag name says its value is a secret:
 * `RPC_PASSWORD`, `apiToken`, `--rpcpassword`, `auth.pass`, `Authorization`;
 * false for names about a secret (`KEY_FILE`, `auth.user`) and public keys.
 */
export function looksSecretName(name: string): boolean {
  const words = name
    .replace(/([a-z0-9])([A-Z])/g, '$1_$2')
    .toLowerCase()
    .split(/[^a-z0-9]+/)
    .filter(Boolean);
  if (words.length === 0) return false;
  if (NOT_THE_SECRET.has(words.at(-1)!)) return false;
  if (words.some((w) => w === 'public' || w === 'pub' || w.startsWith('pubkey'))) return false;
  return words.some((w) => SECRET_INSIDE.test(w) || SECRET_WORD.test(w));
}

/** True for a value worth remembering as a secret: long enough and not a plain setting. */
function isMaskable(value: string): boolean {
  return value.length >= MIN_SECRET_LENGTH && value !== MASK && !PLAIN_VALUES.has(value.toLowerCase());
}

const URL_PASSWORD = /\b([a-z][a-z0-9+.-]*:\/\/[^\s/?#@:]*):([^\s/?#@]+)@/gi;
const QUERY_PARAM = /([?&;])([^=&#\s"'<>]+)=([^&#\s"'<>]+)/g;
const FLAG_VALUE = /(^|[\s"'(,[])(--?[A-Za-z][\w.-]*)=([^\s"',)\]]+)/g;
const FLAG_ONLY = /^--?([A-Za-z][\w.-]*)$/;

/** Masks secrets by their shape alone: URL passwords, secret-named query parameters and flags. */
function maskShapes(s: string): string {
  if (s.includes('://')) s = s.replace(URL_PASSWORD, (_m, head: string) => `${head}:${MASK}@`);
  if (s.includes('=')) {
    s = s.replace(QUERY_PARAM, (m, sep: string, name: string) =>
      looksSecretName(name) ? `${sep}${name}=${MASK}` : m,
    );
    s = s.replace(FLAG_VALUE, (m, pre: string, flag: string) =>
      looksSecretName(flag) ? `${pre}${flag}=${MASK}` : m,
    );
  }
  return s;
}

/** Values a string shows to be secrets by their shape: URL passwords, values of secret-named query parameters. */
export function secretsByShape(s: string): string[] {
  const out: string[] = [];
  for (const m of s.matchAll(URL_PASSWORD)) out.push(m[2]!);
  for (const m of s.matchAll(QUERY_PARAM)) if (looksSecretName(m[2]!)) out.push(m[3]!);
  return out;
}

/** True for a secret-named flag without `=`, whose value is the next argv element (`--rpcpassword VALUE`). */
export function isSecretFlag(arg: string): boolean {
  const m = FLAG_ONLY.exec(arg);
  return m !== null && looksSecretName(m[1]!);
}

const FILTER_BITS = 1 << 20;

function startHash(s: string, i: number): number {
  return (s.charCodeAt(i) * 961 + s.charCodeAt(i + 1) * 31 + s.charCodeAt(i + 2)) & (FILTER_BITS - 1);
}

/**
 * An immutable set of secret values plus the shape rules. Built from the
 * loaded config and the stored secrets (see sensitive.ts), rebuilt on reload.
 */
export class Redactor implements Redact {
  /** A redactor knowing no values: only the shape rules apply. */
  static readonly shapesOnly = new Redactor([]);

  private readonly values: ReadonlySet<string>;
  // Candidates by their first MIN_SECRET_LENGTH characters, longest first.
  private readonly byPrefix = new Map<string, string[]>();
  // A bit per hash of a candidate's first three characters: most positions of a text are
  // ruled out by one array read, without a substring or a map lookup.
  private readonly starts = new Uint32Array(FILTER_BITS / 32);

  constructor(values: Iterable<string>) {
    const set = new Set<string>();
    for (const v of values) if (isMaskable(v)) set.add(v);
    this.values = set;
    for (const v of set) {
      const h = startHash(v, 0);
      this.starts[h >>> 5]! |= 1 << (h & 31);
      const k = v.slice(0, MIN_SECRET_LENGTH);
      const list = this.byPrefix.get(k);
      if (list) list.push(v);
      else this.byPrefix.set(k, [v]);
    }
    for (const list of this.byPrefix.values()) list.sort((a, b) => b.length - a.length);
  }

  /** How many values it masks. */
  get size(): number {
    return this.values.size;
  }

  /** A redactor knowing these values too (a reload adds; nothing learnt is forgotten while running). */
  with(values: Iterable<string>): Redactor {
    return new Redactor([...this.values, ...values]);
  }

  /** Every known value masked, then the shape rules applied. */
  text(s: string): string {
    return maskShapes(this.maskKnown(s));
  }

  /** An argv with secrets masked, including the value after a secret-named flag. */
  argv(args: readonly string[]): string[] {
    return args.map((a, i) => (i > 0 && isSecretFlag(args[i - 1]!) && a !== '' ? MASK : this.text(a)));
  }

  /**
   * A copy of a JSON-like value with every string redacted: the string of a
   * secret-named key is masked whole, an `argv`/`args`/`command` list as an
   * argv. Non-plain objects (dates, errors) and non-strings are kept as they are.
   */
  value<T>(v: T): T {
    return this.walk(v, '') as T;
  }

  private walk(v: unknown, key: string): unknown {
    if (typeof v === 'string') return key !== '' && v !== '' && looksSecretName(key) ? MASK : this.text(v);
    if (Array.isArray(v)) {
      if ((key === 'argv' || key === 'args' || key === 'command') && v.every((x) => typeof x === 'string'))
        return this.argv(v as string[]);
      return v.map((x) => this.walk(x, ''));
    }
    if (v !== null && typeof v === 'object' && Object.getPrototypeOf(v) === Object.prototype) {
      const out: Record<string, unknown> = {};
      for (const [k, x] of Object.entries(v)) out[k] = this.walk(x, k);
      return out;
    }
    return v;
  }

  private maskKnown(s: string): string {
    if (this.byPrefix.size === 0 || s.length < MIN_SECRET_LENGTH) return s;
    let out = '';
    let copied = 0;
    for (let i = 0; i + MIN_SECRET_LENGTH <= s.length;) {
      const h = startHash(s, i);
      const list =
        (this.starts[h >>> 5]! & (1 << (h & 31))) === 0
          ? undefined
          : this.byPrefix.get(s.slice(i, i + MIN_SECRET_LENGTH));
      const hit = list?.find((v) => s.startsWith(v, i));
      if (hit === undefined) {
        i++;
        continue;
      }
      out += s.slice(copied, i) + MASK;
      i += hit.length;
      copied = i;
    }
    return copied === 0 ? s : out + s.slice(copied);
  }
}

/**
 * The redactor in force, shared by the bus, the logger, the store's reads,
 * alerts and the status page; the daemon swaps in a new one on reload.
 */
export class Redaction implements Redact {
  constructor(private current: Redactor = Redactor.shapesOnly) {}

  /** Add values (the daemon calls it at start and on every reload). */
  learn(values: Iterable<string>): void {
    this.current = this.current.with(values);
  }

  text(s: string): string {
    return this.current.text(s);
  }

  value<T>(v: T): T {
    return this.current.value(v);
  }
}
