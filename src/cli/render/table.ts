/**
 * Aligned columns for the read verbs. On a terminal the header is bold and
 * cells may carry colour; elsewhere (pipes, files, tests) plain text only.
 */

/** A cell: its text, and an optional ANSI style for terminals. */
export interface Cell {
  text: string;
  style?: Style;
}

export type Style = 'bold' | 'dim' | 'green' | 'yellow' | 'red';

const ANSI: Readonly<Record<Style, string>> = {
  bold: '\x1b[1m',
  dim: '\x1b[2m',
  green: '\x1b[32m',
  yellow: '\x1b[33m',
  red: '\x1b[31m',
};

/** A cell styled by its value (`running` green …); plain when `styles` has no entry for it. */
export function styled(text: string, styles: Readonly<Record<string, Style>>): Cell {
  const style = styles[text];
  return style ? { text, style } : { text };
}

/** Colour on: a terminal, and NO_COLOR not set (no-color.org). */
export function useColor(stream: NodeJS.WriteStream = process.stdout): boolean {
  return Boolean(stream.isTTY) && !process.env.NO_COLOR;
}

/**
 * Lines of a table: columns padded to their widest cell, two spaces apart,
 * `right` columns (numbers) right-aligned; no trailing spaces.
 */
export function renderTable(
  header: readonly string[],
  rows: ReadonlyArray<ReadonlyArray<Cell | string>>,
  opts: { color?: boolean; right?: ReadonlySet<number> } = {},
): string[] {
  const cells = rows.map((r) => r.map((c) => (typeof c === 'string' ? { text: c } : c)));
  const all: Cell[][] = [header.map((h) => ({ text: h, style: 'bold' as const })), ...cells];
  const widths = header.map((_, i) => Math.max(...all.map((r) => r[i]?.text.length ?? 0)));
  return all.map((r) =>
    r
      .map((c, i) => {
        const pad = ' '.repeat(widths[i]! - c.text.length);
        const text = opts.color && c.style ? `${ANSI[c.style]}${c.text}\x1b[0m` : c.text;
        if (i === r.length - 1 && !opts.right?.has(i)) return text;
        return opts.right?.has(i) ? pad + text : text + pad;
      })
      .join('  ')
      .trimEnd(),
  );
}
