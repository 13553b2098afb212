/**
 * What the config validators share: value checks, problems located by dotted
 * key path, and the "unknown key" message with its typo suggestion.
 */

/** A value check: null when fine, else the message (`must be a positive integer`). */
export type Check = (v: unknown) => string | null;

/** One problem found in a tree, located by dotted key path. */
export interface Problem {
  readonly key: string;
  readonly message: string;
  readonly value?: unknown;
}

export function join(a: string, b: string): string {
  return a === '' ? b : b === '' ? a : `${a}.${b}`;
}

function distance(a: string, b: string): number {
  const row = Array.from({ length: b.length + 1 }, (_, j) => j);
  for (let i = 1; i <= a.length; i++) {
    let prev = row[0]!;
    row[0] = i;
    for (let j = 1; j <= b.length; j++) {
      const cur = row[j]!;
      row[j] = Math.min(
        row[j]! + 1,
        row[j - 1]! + 1,
        prev + (a[i - 1]!.toLowerCase() === b[j - 1]!.toLowerCase() ? 0 : 1),
      );
      prev = cur;
    }
  }
  return row[b.length]!;
}

/** `unknown key`, with a suggestion when a known key is a typo away. */
export function unknownKeyMessage(k: string, known: readonly string[]): string {
  const near = known.filter((x) => distance(k, x) <= Math.max(1, Math.min(2, x.length - 2)));
  return near.length > 0 ? `unknown key (did you mean "${near[0]}"?)` : 'unknown key';
}
