/**
 * Turning what a probe read into what nodewarden compares: a dot path into
 * parsed JSON, a block height as a safe integer (numbers, decimal strings and
 * hex strings alike), or an info value (version, peer id) as a scalar.
 * Every function throws a ProbeValueError with the offending value quoted.
 */

/** What a probe read could not be used as asked; the probe counts as failed. */
export class ProbeValueError extends Error {
  override name = 'ProbeValueError';
}

/** A short, quoted rendering of a value for error messages. */
export function quote(v: unknown): string {
  let s: string;
  try {
    s = typeof v === 'bigint' ? `${v}n` : (JSON.stringify(v) ?? String(v));
  } catch {
    s = String(v);
  }
  return s.length > 80 ? `${s.slice(0, 77)}...` : s;
}

/** Follows `path` (`result.height`, `items.0.tip`) into `root`; an empty or absent path is `root`. */
export function pickPath(root: unknown, path: string | undefined): unknown {
  if (path === undefined || path === '') return root;
  let cur: unknown = root;
  for (const seg of path.split('.')) {
    if (Array.isArray(cur)) {
      if (!/^\d+$/.test(seg))
        throw new ProbeValueError(`path "${path}": "${seg}" is not an index into an array`);
      if (Number(seg) >= cur.length) {
        throw new ProbeValueError(
          `path "${path}": index ${seg} is past the end of an array of ${cur.length}`,
        );
      }
      cur = cur[Number(seg)];
    } else if (typeof cur === 'object' && cur !== null) {
      if (!Object.prototype.hasOwnProperty.call(cur, seg)) {
        throw new ProbeValueError(`path "${path}": no key "${seg}" in ${quote(cur)}`);
      }
      cur = (cur as Record<string, unknown>)[seg];
    } else {
      throw new ProbeValueError(`path "${path}": cannot read "${seg}" of ${quote(cur)}`);
    }
  }
  return cur;
}

const MAX = BigInt(Number.MAX_SAFE_INTEGER);

/**
 * A block height as a non-negative safe integer. Accepts numbers, bigints,
 * decimal strings (`"1000"`) and hex strings (`"0x1a"`); rejects anything else
 * (NaN, negatives, fractions, `"1e3"`, empty strings, objects) so that a bad
 * reading is a probe failure and never a height.
 */
export function toHeight(v: unknown): number {
  let big: bigint;
  if (typeof v === 'number') {
    if (!Number.isSafeInteger(v) || v < 0)
      throw new ProbeValueError(`not a height (a non-negative integer): ${quote(v)}`);
    return v;
  } else if (typeof v === 'bigint') {
    big = v;
  } else if (typeof v === 'string') {
    const s = v.trim();
    if (/^\d+$/.test(s)) big = BigInt(s);
    else if (/^0[xX][0-9a-fA-F]+$/.test(s)) big = BigInt(s);
    else throw new ProbeValueError(`not a height (decimal or 0x-hex integer): ${quote(v)}`);
  } else {
    throw new ProbeValueError(`not a height (a number or an integer string): ${quote(v)}`);
  }
  if (big < 0n || big > MAX) throw new ProbeValueError(`height out of range: ${quote(v)}`);
  return Number(big);
}

/** An info value (version, peer id, peer count) as a string or a finite number. */
export function toInfo(v: unknown): string | number {
  if (typeof v === 'string') return v.trim();
  if (typeof v === 'number' && Number.isFinite(v)) return v;
  if (typeof v === 'boolean' || typeof v === 'bigint') return String(v);
  throw new ProbeValueError(`not a scalar value (set "path" to pick one): ${quote(v)}`);
}

/**
 * A peer count: an integer as a height is read (number, decimal or 0x-hex
 * string, e.g. `net_peerCount`'s `"0x19"`), or a list of peers, counted.
 */
export function toPeers(v: unknown): number {
  if (Array.isArray(v)) return v.length;
  try {
    return toHeight(v);
  } catch {
    throw new ProbeValueError(`not a peer count (an integer or a list of peers): ${quote(v)}`);
  }
}

/** Parses a body as JSON; when `required` is false a non-JSON body is returned trimmed as text. */
export function parseBody(text: string, required: boolean): unknown {
  try {
    return JSON.parse(text);
  } catch {
    if (required) throw new ProbeValueError(`response is not JSON: ${quote(text.slice(0, 60))}`);
    return text.trim();
  }
}
