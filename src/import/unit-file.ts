/**
 * Reading systemd unit files and drop-ins: sections, `Key=Value` lines with
 * continuation lines, and the order systemd applies them in; time spans.
 */
import fs from 'node:fs';
import path from 'node:path';
import { badInput, readInput, type Entry } from './model.js';

export type { Entry };

/** Parses unit-file text: `[Section]`, `Key=Value`, `#`/`;` comments, `\` continuation lines. */
export function parseUnit(text: string, file: string): Entry[] {
  const out: Entry[] = [];
  const lines = text.split(/\r?\n/);
  let section = '';
  for (let i = 0; i < lines.length; i++) {
    const lineNo = i + 1;
    let line = lines[i]!.trim();
    if (line === '' || line.startsWith('#') || line.startsWith(';')) continue;
    if (line.startsWith('[')) {
      if (!line.endsWith(']')) throw badInput(file, lineNo, `bad section header ${JSON.stringify(line)}`);
      section = line.slice(1, -1);
      continue;
    }
    // A trailing backslash joins the next line (comment lines in between are skipped).
    while (line.endsWith('\\')) {
      line = line.slice(0, -1) + ' ';
      let next: string | undefined;
      while ((next = lines[++i]) !== undefined && /^\s*[#;]/.test(next));
      if (next === undefined) break;
      line += next.trim();
    }
    const eq = line.indexOf('=');
    if (eq <= 0) throw badInput(file, lineNo, `expected Key=Value, got ${JSON.stringify(line)}`);
    if (section === '') throw badInput(file, lineNo, 'assignment outside of any [Section]');
    out.push({
      section,
      key: line.slice(0, eq).trim(),
      value: line.slice(eq + 1).trim(),
      file,
      line: lineNo,
    });
  }
  return out;
}

export function readEntries(file: string): Entry[] {
  return parseUnit(readInput(file), file);
}

/**
 * The drop-ins of a unit: `*.conf` in `<dir>/<name>.d/` for each name (the
 * template's, then the instance's), sorted by file name; a later directory's
 * file of the same name replaces the earlier one.
 */
export function dropIns(dir: string, names: readonly string[]): string[] {
  const byBase = new Map<string, string>();
  for (const name of names) {
    const d = path.join(dir, `${name}.d`);
    let files: string[] = [];
    try {
      files = fs.readdirSync(d).filter((f) => f.endsWith('.conf'));
    } catch {
      continue;
    }
    for (const f of files) byBase.set(f, path.join(d, f));
  }
  return [...byBase.keys()].sort().map((b) => byBase.get(b)!);
}

/** A systemd time span in milliseconds (`90`, `90s`, `1min 30s`, `500ms`), or null. */
export function timeSpanMs(raw: string): number | null {
  const v = raw.trim();
  if (/^\d+(\.\d+)?$/.test(v)) return Math.round(Number(v) * 1000);
  const unit: Record<string, number> = {
    us: 0.001,
    usec: 0.001,
    ms: 1,
    msec: 1,
    s: 1000,
    sec: 1000,
    second: 1000,
    seconds: 1000,
    m: 60_000,
    min: 60_000,
    minute: 60_000,
    minutes: 60_000,
    h: 3_600_000,
    hr: 3_600_000,
    hour: 3_600_000,
    hours: 3_600_000,
    d: 86_400_000,
    day: 86_400_000,
    days: 86_400_000,
  };
  let total = 0;
  let rest = v;
  const part = /^\s*(\d+(?:\.\d+)?)\s*([a-z]+)/;
  if (rest === '') return null;
  while (rest.trim() !== '') {
    const m = part.exec(rest);
    if (!m || unit[m[2]!] === undefined) return null;
    total += Number(m[1]) * unit[m[2]!]!;
    rest = rest.slice(m[0].length);
  }
  return Math.round(total);
}

/** How a unit's name reads: `antnode@.service` → prefix antnode, template. */
export function unitParts(base: string): { prefix: string; instance: string | null } | null {
  const m = /^(.+?)(?:@(.*))?\.service$/.exec(base);
  if (!m) return null;
  return { prefix: m[1]!, instance: m[2] ?? null };
}

/** The effective entries of a list key: an empty assignment drops everything before it. */
export function listOf(entries: readonly Entry[], key: string): Entry[] {
  let out: Entry[] = [];
  for (const e of entries) if (e.key === key) out = e.value === '' ? [] : [...out, e];
  return out;
}

export function lastOf(entries: readonly Entry[], key: string): Entry | undefined {
  return entries.filter((e) => e.key === key).at(-1);
}
