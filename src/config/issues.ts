import path from 'node:path';
import { NodewardenError } from '../errors.js';
import type { ConfigIssue } from './types.js';

/** What a sensitive value is shown as in issues and printed configs. */
export const MASK = '********';

const SENSITIVE_LEAF = /(^|[._-])(pass|password|passwd|token|secret|apikey|api_key)$/i;

/** True for key paths whose values must never be printed (`auth.pass`, `control.http.token` …). */
export function isSensitiveKey(key: string): boolean {
  return SENSITIVE_LEAF.test(key.slice(key.lastIndexOf('.') + 1));
}

/** Builds an issue, masking the value when the key is sensitive. */
export function issue(file: string | null, key: string, message: string, value?: unknown): ConfigIssue {
  const out: { file: string | null; key: string; message: string; value?: unknown } = { file, key, message };
  if (value !== undefined) out.value = isSensitiveKey(key) ? MASK : value;
  return out;
}

function showValue(key: string, value: unknown): string {
  if (isSensitiveKey(key)) return MASK;
  const text = JSON.stringify(value) ?? String(value);
  return text.length > 120 ? `${text.slice(0, 117)}...` : text;
}

/** Renders one issue as `nodes/geth.json: stop.graceMs: must be a positive integer (-5)`. */
export function formatIssue(i: ConfigIssue, configDir: string): string {
  const parts: string[] = [];
  if (i.file !== null) {
    const rel = path.relative(configDir, i.file);
    parts.push(rel === '' || rel.startsWith('..') ? i.file : rel);
  }
  if (i.key !== '') parts.push(i.key);
  parts.push(i.message);
  const line = parts.join(': ');
  return i.value === undefined ? line : `${line} (${showValue(i.key, i.value)})`;
}

/** Renders every issue, one per line, files shown relative to the config directory. */
export function formatIssues(issues: readonly ConfigIssue[], configDir: string): string {
  return issues.map((i) => formatIssue(i, configDir)).join('\n');
}

/** The hint of a refused config everywhere but in `config check` itself. */
export const CHECK_HINT = 'run `nodewarden config check` to validate without starting the daemon';

/** The hint of `config check`, which must not send the user to itself. */
export const FIX_HINT = 'fix each file and key listed above, then run this check again';

/**
 * The one error a bad configuration produces: every problem found, not just
 * the first. Loading and reload both throw it; `config check` prints it.
 */
export class ConfigError extends NodewardenError {
  readonly issues: ConfigIssue[];
  readonly configDir: string;

  /**
   * `hint` defaults to pointing at `nodewarden config check` (what `run`,
   * `reload` and `config show` say); `config check` itself passes its own.
   */
  constructor(configDir: string, issues: readonly ConfigIssue[], hint: string = CHECK_HINT) {
    const n = issues.length;
    const lines = formatIssues(issues, configDir)
      .split('\n')
      .map((l) => `  ${l}`)
      .join('\n');
    super(
      'E_CONFIG_INVALID',
      `config ${configDir} is invalid (${n} problem${n === 1 ? '' : 's'}):\n${lines}`,
      {
        hint,
        details: { configDir, issues },
      },
    );
    this.name = 'ConfigError';
    this.issues = Object.freeze([...issues]) as ConfigIssue[];
    this.configDir = configDir;
  }
}
