import fs from 'node:fs';
import { issue } from './issues.js';
import { jsonErrorOffset } from './json-position.js';
import type { ConfigIssue } from './types.js';

/** The outcome of reading one config file: its parsed value, or why there is none. */
export type JsonRead =
  | { readonly ok: true; readonly value: unknown }
  | { readonly ok: false; readonly missing: boolean; readonly issue: ConfigIssue };

/** 1-based line and column of a character offset in `text`. */
export function lineColumn(text: string, offset: number): { line: number; column: number } {
  const before = text.slice(0, Math.max(0, Math.min(offset, text.length)));
  const lastNl = before.lastIndexOf('\n');
  let line = 1;
  for (let k = before.indexOf('\n'); k !== -1; k = before.indexOf('\n', k + 1)) line++;
  return { line, column: before.length - lastNl };
}

/**
 * Parses JSON text; a syntax error becomes an issue that says where:
 * `invalid JSON at line 3, column 9: Expected ',' or '}' after property value`.
 */
export function parseJson(text: string, file: string): JsonRead {
  const body = text.charCodeAt(0) === 0xfeff ? text.slice(1) : text;
  try {
    return { ok: true, value: JSON.parse(body) };
  } catch (err) {
    const raw = (err as Error).message;
    const m = /at position (\d+)/.exec(raw);
    const offset = m ? Number(m[1]) : jsonErrorOffset(body);
    const { line, column } = lineColumn(body, offset);
    const reason = raw
      .replace(/\s*in JSON at position \d+.*$/s, '')
      .replace(/, ".*" is not valid JSON$/s, '')
      .replace(/ \(line \d+ column \d+\)$/, '');
    return {
      ok: false,
      missing: false,
      issue: issue(file, '', `invalid JSON at line ${line}, column ${column}: ${reason}`),
    };
  }
}

/** Reads and parses a config file; a missing file is reported as `missing`, not as an issue to show. */
export function readJsonFile(file: string): JsonRead {
  let text: string;
  try {
    text = fs.readFileSync(file, 'utf8');
  } catch (err) {
    const code = (err as NodeJS.ErrnoException).code;
    return {
      ok: false,
      missing: code === 'ENOENT',
      issue: issue(file, '', `cannot read file: ${code ?? (err as Error).message}`),
    };
  }
  return parseJson(text, file);
}
