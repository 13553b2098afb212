/**
 * Table rendering shared by the exports: one column list drives both the CSV
 * header and the JSON keys, so the two formats cannot drift apart.
 */

/** One exported column: its name (CSV header and JSON key) and how to read it from a row. */
export interface Column<R> {
  readonly name: string;
  readonly get: (row: R) => CellValue;
}

/** A cell: objects are JSON text in CSV and nested values in JSON. */
export type CellValue = string | number | boolean | null | Readonly<Record<string, unknown>>;

/**
 * An RFC 4180 field: quoted when it holds a comma, quote, CR or LF, quotes
 * doubled; null is empty; an object is written as its JSON text.
 */
export function csvField(v: CellValue): string {
  if (v === null) return '';
  const s = typeof v === 'object' ? JSON.stringify(v) : String(v);
  return /[",\r\n]/.test(s) ? `"${s.replace(/"/g, '""')}"` : s;
}

/** RFC 4180 CSV: a header row, then one CRLF-terminated record per row. */
export function toCsv<R>(columns: readonly Column<R>[], rows: Iterable<R>): string {
  const lines = [columns.map((c) => csvField(c.name)).join(',')];
  for (const row of rows) lines.push(columns.map((c) => csvField(c.get(row))).join(','));
  return lines.join('\r\n') + '\r\n';
}

/** A JSON array of objects keyed by column name, one object per line. */
export function toJson<R>(columns: readonly Column<R>[], rows: Iterable<R>): string {
  const out: string[] = [];
  for (const row of rows)
    out.push(JSON.stringify(Object.fromEntries(columns.map((c) => [c.name, c.get(row)]))));
  return out.length === 0 ? '[]\n' : `[\n${out.join(',\n')}\n]\n`;
}
