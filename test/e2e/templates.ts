/**
 * Expected CLI output as templates (pueue's `_templates`): literal text with
 * placeholders for what changes from run to run. Table columns are two or
 * more spaces apart, so a run of two or more spaces matches any such run.
 */

const PLACEHOLDERS: Readonly<Record<string, string>> = {
  '<pid>': '\\d+',
  '<n>': '\\d+',
  '<time>': '\\d{4}-\\d\\d-\\d\\dT\\d\\d:\\d\\d:\\d\\dZ',
  '<dur>': '(?:\\d+[smhd](?: \\d+[smhd])?)',
  '<pct>': '\\d+\\.\\d+%',
  '<json>': '\\{.*\\}',
  '<path>': '\\S+',
  '<any>': '\\S+',
};

function lineRegExp(template: string): RegExp {
  const parts = template.split(/(<[a-z]+>| {2,})/);
  const re = parts
    .map((p) => {
      if (PLACEHOLDERS[p] !== undefined) return PLACEHOLDERS[p];
      if (/^ {2,}$/.test(p)) return ' {2,}';
      return p.replace(/[.*+?^${}()|[\]\\]/g, '\\$&');
    })
    .join('');
  return new RegExp(`^${re}$`);
}

/** Null when `text` (its lines) matches the templates line for line; else what differs. */
export function mismatch(text: string, templates: readonly string[]): string | null {
  const lines = text.endsWith('\n') ? text.slice(0, -1).split('\n') : text === '' ? [] : text.split('\n');
  const problems: string[] = [];
  if (lines.length !== templates.length)
    problems.push(`expected ${templates.length} lines, got ${lines.length}`);
  for (let i = 0; i < Math.max(lines.length, templates.length); i++) {
    const t = templates[i];
    const l = lines[i];
    if (t === undefined || l === undefined || !lineRegExp(t).test(l)) {
      problems.push(`line ${i + 1}:\n  expected: ${t ?? '(none)'}\n  actual:   ${l ?? '(none)'}`);
    }
  }
  return problems.length === 0 ? null : `${problems.join('\n')}\n--- output ---\n${text}`;
}
