/**
 * A reader for the Prometheus text exposition format (0.0.4): enough of it to
 * find one sample by metric name and labels. Comment and blank lines are
 * skipped; label values may hold escaped quotes, backslashes and newlines.
 */
import { ProbeValueError } from './value.js';

/** One sample line: `name{labels} value [timestamp]`. */
export interface PromSample {
  readonly name: string;
  readonly labels: Readonly<Record<string, string>>;
  /** The value as written (`"1"`, `"2.5e3"`, `"NaN"`, `"+Inf"`). */
  readonly value: string;
}

/** Parses one non-comment line; null for a line that is not a sample. */
export function parseSampleLine(line: string): PromSample | null {
  const m = /^([a-zA-Z_:][a-zA-Z0-9_:]*)/.exec(line);
  if (!m) return null;
  const name = m[1]!;
  let i = name.length;
  const labels: Record<string, string> = {};
  if (line[i] === '{') {
    i++;
    for (;;) {
      while (line[i] === ' ' || line[i] === ',') i++;
      if (line[i] === '}') {
        i++;
        break;
      }
      const lm = /^([a-zA-Z_][a-zA-Z0-9_]*)\s*=\s*"/.exec(line.slice(i));
      if (!lm) return null;
      i += lm[0].length;
      let v = '';
      for (; i < line.length && line[i] !== '"'; i++) {
        if (line[i] === '\\' && i + 1 < line.length) {
          const c = line[++i];
          v += c === 'n' ? '\n' : c;
        } else v += line[i];
      }
      if (line[i] !== '"') return null;
      i++;
      labels[lm[1]!] = v;
    }
  }
  const rest = line.slice(i).trim().split(/\s+/);
  if (rest.length < 1 || rest[0] === '') return null;
  return { name, labels, value: rest[0]! };
}

/** Every sample of `text`, in page order. */
export function parseSamples(text: string): PromSample[] {
  const out: PromSample[] = [];
  for (const raw of text.split('\n')) {
    const line = raw.trim();
    if (line === '' || line.startsWith('#')) continue;
    const s = parseSampleLine(line);
    if (s) out.push(s);
  }
  return out;
}

/**
 * The first sample named `metric` whose labels include every pair of `labels`
 * (a subset match; extra labels on the sample are fine). Throws when none does.
 */
export function findSample(
  text: string,
  metric: string,
  labels: Readonly<Record<string, string>> = {},
): PromSample {
  const want = Object.entries(labels);
  let sameName = 0;
  for (const s of parseSamples(text)) {
    if (s.name !== metric) continue;
    sameName++;
    if (want.every(([k, v]) => s.labels[k] === v)) return s;
  }
  const sel = want.length ? `{${want.map(([k, v]) => `${k}="${v}"`).join(',')}}` : '';
  throw new ProbeValueError(
    sameName === 0
      ? `no metric ${metric} on the page`
      : `no sample ${metric}${sel} among ${sameName} sample(s) of ${metric}`,
  );
}

/** A sample value as a number ("NaN" and "±Inf" are failures: they are no reading). */
export function sampleNumber(s: PromSample): number {
  const n = Number(s.value);
  if (!Number.isFinite(n)) throw new ProbeValueError(`sample ${s.name} has no finite value: "${s.value}"`);
  return n;
}
