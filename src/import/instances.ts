/**
 * Instances of an imported program as nodewarden's `instances` and
 * `{{index}}`: a contiguous run of numbers becomes an index expression;
 * anything else cannot be one node file.
 */

/** The instances in index order and what the instance number becomes in a node config. */
export interface InstanceToken {
  readonly ordered: string[];
  readonly token: string;
}

/**
 * `1 2 3` → `{{index}}`; `11 … 20` → `{{add index 10}}`; `01 … 09` (one
 * width, zero-padded) → `{{pad index 2}}`. Null when the names are not a
 * contiguous run of numbers.
 */
export function instanceToken(names: readonly string[]): InstanceToken | null {
  if (names.length === 0 || names.some((n) => !/^\d{1,6}$/.test(n))) return null;
  const ordered = [...names].sort((a, b) => Number(a) - Number(b));
  const first = Number(ordered[0]);
  if (ordered.some((n, i) => Number(n) !== first + i)) return null;
  return { ordered, token: indexExpression(first - 1, paddedWidth(ordered)) };
}

/** The zero-padded width all names share, or null when they are not padded. */
function paddedWidth(names: readonly string[]): number | null {
  const padded = names.some((n) => n.length > 1 && n.startsWith('0'));
  if (!padded) return null;
  const w = names[0]!.length;
  return names.every((n) => n.length === w) ? w : null;
}

/** `index + offset`, zero-padded to `width` when given. */
export function indexExpression(offset: number, width: number | null): string {
  const value = offset === 0 ? 'index' : `(add index ${offset})`;
  if (width !== null) return `{{pad ${value} ${width}}}`;
  return offset === 0 ? '{{index}}' : `{{add index ${offset}}}`;
}
