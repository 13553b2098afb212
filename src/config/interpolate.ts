import Handlebars from 'handlebars';
import { isPlainObject } from './merge.js';
import { join } from './shape.js';
import type { SecretSource } from './types.js';

/**
 * Node-config interpolation (DESIGN §1): every string of a merged node config
 * is a strict Handlebars template. One isolated Handlebars instance carries the
 * helpers; the secret source travels in each render's data frame, so compiled
 * templates are shared between loads and cached per source string.
 */

/** What a node-config template sees. `dataDir` is absent while dataDir itself is rendered. */
export interface TemplateContext {
  readonly name: string;
  readonly index: number;
  readonly dataDir?: string;
  readonly configDir: string;
  readonly env: Readonly<Record<string, string>>;
  /** Only for `files[].template`: the node's interpolated config. */
  readonly node?: unknown;
}

/** A template failed to compile or render; the message is ready for a config issue. */
export class TemplateError extends Error {
  override name = 'TemplateError';
}

const hb = Handlebars.create();

function toNumber(helper: string, v: unknown, pos: number): number {
  const n = typeof v === 'number' ? v : typeof v === 'string' && v.trim() !== '' ? Number(v) : NaN;
  if (!Number.isFinite(n)) {
    const shown = v === undefined ? 'undefined (unknown variable?)' : JSON.stringify(v);
    throw new TemplateError(`${helper}: argument ${pos} is not a number: ${shown}`);
  }
  return n;
}

hb.registerHelper('add', (...args: unknown[]) => {
  const params = args.slice(0, -1);
  return params.reduce<number>((sum, v, i) => sum + toNumber('add', v, i + 1), 0);
});

hb.registerHelper('pad', (value: unknown, width: unknown, options?: unknown) => {
  if (options === undefined) throw new TemplateError('pad: needs a value and a width, e.g. {{pad index 3}}');
  if (value === undefined || value === null)
    throw new TemplateError('pad: value is undefined (unknown variable?)');
  const w = toNumber('pad', width, 2);
  if (!Number.isInteger(w) || w < 1 || w > 64)
    throw new TemplateError(`pad: width must be an integer 1-64: ${w}`);
  return String(value).padStart(w, '0');
});

hb.registerHelper('secret', (key: unknown, options?: Handlebars.HelperOptions) => {
  if (typeof key !== 'string' || key === '' || options === undefined) {
    throw new TemplateError('secret: needs one non-empty string key, e.g. {{secret "rpcpassword"}}');
  }
  const data = options.data as { secrets?: SecretSource; root?: { name?: string } };
  if (!data.secrets || typeof data.root?.name !== 'string')
    throw new TemplateError('secret: no secret source here');
  return data.secrets.get(data.root.name, key);
});

const MAX_CACHED = 20_000;
const cache = new Map<string, Handlebars.TemplateDelegate>();

function compiled(source: string): Handlebars.TemplateDelegate {
  let t = cache.get(source);
  if (t === undefined) {
    if (cache.size >= MAX_CACHED) cache.clear();
    t = hb.compile(source, { strict: true, noEscape: true });
    cache.set(source, t);
  }
  return t;
}

/** Turns Handlebars' messages into one readable line. */
function describe(err: unknown): string {
  const msg = err instanceof Error ? err.message : String(err);
  const undef = /^"(.+)" not defined in .* - (\d+):(\d+)$/s.exec(msg);
  if (undef)
    return `unknown variable or helper "${undef[1]}" at line ${undef[2]}, column ${Number(undef[3]) + 1}`;
  const parse = /^Parse error on line (\d+):\n(.*)\n.*\nExpecting (.*), got (.*)$/.exec(msg);
  if (parse) {
    const expected = parse[3]!.split(', ');
    const want = expected.length <= 3 ? `expected ${expected.join(' or ')}, ` : '';
    return `syntax error on line ${parse[1]} near "${parse[2]}": ${want}got ${parse[4]}`;
  }
  return msg.split('\n')[0]!;
}

/** True when a string contains template syntax (plain strings skip Handlebars entirely). */
export function isTemplate(s: string): boolean {
  return s.includes('{{');
}

/** Renders one template string strictly; throws TemplateError. */
export function renderString(source: string, ctx: TemplateContext, secrets: SecretSource): string {
  if (!isTemplate(source)) return source;
  try {
    return compiled(source)(ctx, { data: { secrets } });
  } catch (err) {
    throw new TemplateError(describe(err));
  }
}

/** Where interpolating a tree failed: dotted key path (`args.2`) and the template message. */
export interface TemplateProblem {
  readonly key: string;
  readonly message: string;
  readonly source: string;
}

/**
 * Renders every string of a JSON tree into a new tree. Failed strings are kept
 * as written and reported; `templated` maps the key paths of strings that held
 * template syntax to their source (a number key may take its value from one,
 * e.g. a port, and an issue must show the source rather than a rendered secret).
 */
export function interpolateTree(
  value: unknown,
  ctx: TemplateContext,
  secrets: SecretSource,
  prefix = '',
): { value: unknown; problems: TemplateProblem[]; templated: Map<string, string> } {
  const problems: TemplateProblem[] = [];
  const templated = new Map<string, string>();
  const walk = (v: unknown, key: string): unknown => {
    if (typeof v === 'string') {
      if (!isTemplate(v)) return v;
      templated.set(key, v);
      try {
        return renderString(v, ctx, secrets);
      } catch (err) {
        problems.push({ key, message: `template error: ${(err as Error).message}`, source: v });
        return v;
      }
    }
    if (Array.isArray(v)) return v.map((x, i) => walk(x, join(key, String(i))));
    if (isPlainObject(v)) {
      const out: Record<string, unknown> = {};
      for (const [k, x] of Object.entries(v)) out[k] = walk(x, join(key, k));
      return out;
    }
    return v;
  };
  return { value: walk(value, prefix), problems, templated };
}
