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

type Quote = '"' | "'" | null;

/**
 * A splitter's escape rule at `line[i]` inside `quote` (null: outside
 * quotes): the text the escape stands for and the index of its last
 * character, or null when `line[i]` is not an escape there.
 */
type Escape = (line: string, i: number, quote: Quote) => { text: string; last: number } | null;

/**
 * Word splitting shared by the splitters below: whitespace outside quotes
 * separates words, single and double quotes group (an empty pair still
 * makes a word), and `escape` says what a backslash means where it is.
 */
function splitWords(line: string, escape: Escape): string[] {
  const words: string[] = [];
  let cur = '';
  let inWord = false;
  let quote: Quote = null;
  for (let i = 0; i < line.length; i++) {
    const c = line[i]!;
    const esc = escape(line, i, quote);
    if (esc !== null) {
      cur += esc.text;
      i = esc.last;
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

/** The character after a backslash at `i`; a backslash ending the line is an error. */
function escaped(line: string, i: number): string {
  const n = line[i + 1];
  if (n === undefined) throw new SplitError('ends with a lone backslash');
  return n;
}

/**
 * systemd's word splitting of `ExecStart=` and `Environment=`: whitespace
 * separates words, single and double quotes group, C-style escapes (`\n`,
 * `\t`, `\\`, `\"`, `\xNN` …) are decoded in and out of quotes, and nothing
 * else (no globbing, no variables) happens here.
 */
export function splitSystemd(line: string): string[] {
  return splitWords(line, (l, i) => {
    if (l[i] !== '\\') return null;
    const n = escaped(l, i);
    const hex = l.slice(i + 2, i + 4);
    if (n === 'x' && /^[0-9a-fA-F]{2}$/.test(hex))
      return { text: String.fromCharCode(parseInt(hex, 16)), last: i + 3 };
    return { text: C_ESCAPES[n] ?? n, last: i + 1 };
  });
}

/**
 * POSIX shlex splitting, as supervisord splits `command=` and PM2 a string
 * `args`: quotes group, a backslash escapes the next character outside
 * quotes, and inside double quotes only `\\` and `\"`.
 */
export function splitShlex(line: string): string[] {
  return splitWords(line, (l, i, quote) => {
    if (l[i] !== '\\' || quote === "'") return null;
    if (quote === '"') return l[i + 1] === '"' || l[i + 1] === '\\' ? { text: l[i + 1]!, last: i + 1 } : null;
    return { text: escaped(l, i), last: i + 1 };
  });
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
