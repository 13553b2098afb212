/**
 * Splitting the command lines of imported definitions into argv, each by the
 * rules of the program that read them (none of them runs a shell), and
 * telling when a command line was written for a shell.
 */

/** A command line that could not be split (an unclosed quote …). */
export class SplitError extends Error {
  override name = 'SplitError';
}

const C_ESCAPES: Readonly<Record<string, string>> = {
  a: '\x07',
  b: '\b',
  f: '\f',
  n: '\n',
  r: '\r',
  t: '\t',
  v: '\v',
  '\\': '\\',
  '"': '"',
  "'": "'",
  s: ' ',
  ';': ';',
};

/**
 * systemd's word splitting of `ExecStart=` and `Environment=`: whitespace
 * separates words, single and double quotes group, C-style escapes (`\n`,
 * `\t`, `\\`, `\"`, `\xNN` …) are decoded in and out of quotes, and nothing
 * else (no globbing, no variables) happens here.
 */
export function splitSystemd(line: string): string[] {
  const words: string[] = [];
  let cur = '';
  let inWord = false;
  let quote: '"' | "'" | null = null;
  for (let i = 0; i < line.length; i++) {
    const c = line[i]!;
    if (c === '\\') {
      const n = line[i + 1];
      if (n === undefined) throw new SplitError('ends with a lone backslash');
      if (n === 'x' && /^[0-9a-fA-F]{2}$/.test(line.slice(i + 2, i + 4))) {
        cur += String.fromCharCode(parseInt(line.slice(i + 2, i + 4), 16));
        i += 3;
      } else {
        cur += C_ESCAPES[n] ?? n;
        i++;
      }
      inWord = true;
      continue;
    }
    if (quote !== null) {
      if (c === quote) quote = null;
      else cur += c;
      continue;
    }
    if (c === '"' || c === "'") {
      quote = c;
      inWord = true;
      continue;
    }
    if (/\s/.test(c)) {
      if (inWord) words.push(cur);
      cur = '';
      inWord = false;
      continue;
    }
    cur += c;
    inWord = true;
  }
  if (quote !== null) throw new SplitError(`unclosed ${quote} quote`);
  if (inWord) words.push(cur);
  return words;
}

/**
 * POSIX shlex splitting, as supervisord splits `command=` and PM2 a string
 * `args`: quotes group, a backslash escapes the next character outside
 * quotes, and inside double quotes only `\\` and `\"`.
 */
export function splitShlex(line: string): string[] {
  const words: string[] = [];
  let cur = '';
  let inWord = false;
  let quote: '"' | "'" | null = null;
  for (let i = 0; i < line.length; i++) {
    const c = line[i]!;
    if (quote === "'") {
      if (c === "'") quote = null;
      else cur += c;
      continue;
    }
    if (quote === '"') {
      if (c === '"') quote = null;
      else if (c === '\\' && (line[i + 1] === '"' || line[i + 1] === '\\')) cur += line[++i];
      else cur += c;
      continue;
    }
    if (c === '\\') {
      const n = line[i + 1];
      if (n === undefined) throw new SplitError('ends with a lone backslash');
      cur += n;
      i++;
      inWord = true;
      continue;
    }
    if (c === '"' || c === "'") {
      quote = c;
      inWord = true;
      continue;
    }
    if (/\s/.test(c)) {
      if (inWord) words.push(cur);
      cur = '';
      inWord = false;
      continue;
    }
    cur += c;
    inWord = true;
  }
  if (quote !== null) throw new SplitError(`unclosed ${quote} quote`);
  if (inWord) words.push(cur);
  return words;
}

/**
 * Why a command line needs a shell, or null: a pipe, `&&`/`||`, `;`, a
 * redirection, a background `&`, a command substitution or a `$VAR`
 * expansion outside single quotes. Without a shell these would reach the
 * program as literal arguments.
 */
export function needsShell(line: string): string | null {
  let quote: '"' | "'" | null = null;
  for (let i = 0; i < line.length; i++) {
    const c = line[i]!;
    const n = line[i + 1] ?? '';
    if (quote === "'") {
      if (c === "'") quote = null;
      continue;
    }
    if (c === '\\') {
      i++;
      continue;
    }
    if (c === '$' && /[A-Za-z_{(]/.test(n)) return n === '(' ? 'command substitution $(…)' : 'variable $' + n;
    if (c === '`') return 'command substitution `…`';
    if (quote === '"') {
      if (c === '"') quote = null;
      continue;
    }
    if (c === '"' || c === "'") quote = c;
    else if (c === '|') return n === '|' ? 'operator ||' : 'pipe |';
    else if (c === '&') return n === '&' ? 'operator &&' : 'background &';
    else if (c === ';') return 'separator ;';
    else if (c === '>' || c === '<') return `redirection ${c}`;
  }
  return null;
}

/** Escapes text that must reach a node literally through nodewarden's Handlebars interpolation. */
export function literal(text: string): string {
  return text.replaceAll('{{', '\\{{');
}
