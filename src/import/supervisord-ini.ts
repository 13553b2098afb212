/**
 * supervisord's configuration syntax: INI as Python's configparser reads it,
 * `environment=` lists, booleans and byte sizes.
 */
import { badInput, type Entry } from './model.js';

export type { Entry };

export interface Section {
  readonly name: string;
  readonly line: number;
  readonly entries: Entry[];
}

/** INI as Python's configparser reads it: `key = value` or `key: value`, indented lines continue a value. */
export function parseIni(text: string, file: string): Section[] {
  const sections: Section[] = [];
  const lines = text.split(/\r?\n/);
  let current: Section | null = null;
  let last: { key: string; value: string; line: number } | null = null;
  const close = (): void => {
    if (last && current)
      current.entries.push({ section: current.name, ...last, value: last.value.trim(), file });
    last = null;
  };
  for (let i = 0; i < lines.length; i++) {
    const raw = lines[i]!;
    const trimmed = raw.trim();
    if (trimmed === '' || trimmed.startsWith(';') || trimmed.startsWith('#')) continue;
    const body = trimmed.replace(/\s;.*$/, '');
    if (/^\s/.test(raw) && last !== null) {
      last.value += '\n' + body;
      continue;
    }
    close();
    if (body.startsWith('[')) {
      if (!body.endsWith(']')) throw badInput(file, i + 1, `bad section header ${JSON.stringify(body)}`);
      current = { name: body.slice(1, -1).trim(), line: i + 1, entries: [] };
      sections.push(current);
      continue;
    }
    const m = /^([^=:]+?)\s*[=:]\s*(.*)$/.exec(body);
    if (!m) throw badInput(file, i + 1, `expected key = value, got ${JSON.stringify(body)}`);
    if (current === null) throw badInput(file, i + 1, 'key outside of any [section]');
    last = { key: m[1]!.toLowerCase(), value: m[2]!, line: i + 1 };
  }
  close();
  return sections;
}

/** `KEY="val",KEY2=val2` → pairs (quotes may hold commas). */
export function parseEnvironment(value: string, e: Entry): [string, string][] {
  const out: [string, string][] = [];
  let i = 0;
  const s = value.replace(/\n/g, ' ');
  while (i < s.length) {
    while (i < s.length && /[\s,]/.test(s[i]!)) i++;
    if (i >= s.length) break;
    const eq = s.indexOf('=', i);
    if (eq < 0)
      throw badInput(e.file, e.line, `environment: expected KEY=value at ${JSON.stringify(s.slice(i))}`);
    const key = s.slice(i, eq).trim();
    i = eq + 1;
    let v = '';
    const q = s[i];
    if (q === '"' || q === "'") {
      const end = s.indexOf(q, i + 1);
      if (end < 0) throw badInput(e.file, e.line, `environment: unclosed ${q} quote after ${key}=`);
      v = s.slice(i + 1, end);
      i = end + 1;
    } else {
      const end = s.indexOf(',', i);
      v = (end < 0 ? s.slice(i) : s.slice(i, end)).trim();
      i = end < 0 ? s.length : end;
    }
    out.push([key, v]);
  }
  return out;
}

export function bool(v: string): boolean | null {
  const x = v.toLowerCase();
  if (['true', 'yes', 'on', '1'].includes(x)) return true;
  if (['false', 'no', 'off', '0'].includes(x)) return false;
  return null;
}

/** supervisord's byte sizes: `50MB`, `1KB`, `1GB` (powers of 1024) or plain bytes. */
export function byteSize(v: string): number | null {
  const m = /^(\d+)\s*(KB|MB|GB)?$/i.exec(v.trim());
  if (!m) return null;
  const mult = { KB: 1024, MB: 1024 ** 2, GB: 1024 ** 3 }[(m[2] ?? '').toUpperCase()] ?? 1;
  return Number(m[1]) * mult;
}
