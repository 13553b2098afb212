import fs from 'node:fs';
import path from 'node:path';
import Handlebars from 'handlebars';
import type { Logger } from '../logger.js';
import { BUILTIN_TEMPLATES } from './builtin.js';
import { HELPERS } from './helpers.js';

export type TemplatePart = 'subject' | 'text' | 'html';
const PARTS: readonly TemplatePart[] = ['subject', 'text', 'html'];

/** A rendered alert; `problems` lists the templates that failed and were replaced by a fallback. */
export interface RenderedMessage {
  readonly subject: string;
  readonly text: string;
  readonly html: string;
  readonly problems: readonly string[];
}

type Compiled = (ctx: unknown) => string;

/**
 * The alert templates of one templates directory (DESIGN §5): for each part,
 * `<type>.<part>.hbs`, else `default.<part>.hbs`, else the built-in one.
 * Rendering is strict (an unknown variable is an error) on an isolated
 * Handlebars instance with nodewarden's helpers and the partials of
 * `<dir>/partials/` (`{{> name}}` for `partials/name.hbs`). HTML parts are
 * escaped, partials included; subject and text are not. A
 * template that fails (syntax or render error) is logged and counted, and
 * the next fallback renders the part: an alert is never lost to a template.
 */
export class TemplateSet {
  /** Template failures so far (each replaced by a fallback). */
  errors = 0;
  // Two isolated instances: a partial is compiled once, with the options of the
  // first template that uses it, so text (unescaped) and HTML (escaped) must not share one.
  private readonly plain = Handlebars.create();
  private readonly html = Handlebars.create();
  private readonly sources = new Map<string, { file: string; source: string }>();
  private readonly compiled = new Map<string, Compiled>();

  constructor(
    readonly dir: string,
    private readonly logger: Logger,
  ) {
    for (const hbs of [this.plain, this.html]) {
      for (const [name, fn] of Object.entries(HELPERS)) hbs.registerHelper(name, fn);
    }
    this.loadDir();
    this.loadPartials();
  }

  /** Render every part for an event type over `ctx`, falling back part by part. */
  render(type: string, ctx: unknown): RenderedMessage {
    const problems: string[] = [];
    const out = {} as Record<TemplatePart, string>;
    for (const part of PARTS) {
      out[part] = this.renderPart(type, part, ctx, problems);
    }
    if (problems.length > 0) {
      this.errors += problems.length;
      for (const p of problems) this.logger.error(`alerts: template failed, used the fallback: ${p}`);
    }
    // A header must be one line.
    const subject = out.subject.replace(/\s*[\r\n]+\s*/g, ' ').trim();
    return { subject, text: out.text, html: out.html, problems };
  }

  /** Which template files exist (`crashed.subject`, `default.text` …), for diagnostics. */
  names(): string[] {
    return [...this.sources.keys()].sort();
  }

  private renderPart(type: string, part: TemplatePart, ctx: unknown, problems: string[]): string {
    for (const name of [`${type}.${part}`, `default.${part}`]) {
      const src = this.sources.get(name);
      if (!src) continue;
      try {
        return this.compile(name, src.source, part)(ctx);
      } catch (err) {
        problems.push(`${src.file}: ${oneLine(err)}`);
      }
    }
    return this.compile(`builtin.${part}`, BUILTIN_TEMPLATES[part], part)(ctx);
  }

  private compile(name: string, source: string, part: TemplatePart): Compiled {
    let fn = this.compiled.get(name);
    if (!fn) {
      // compile() is lazy: syntax errors surface on the first call, inside renderPart's try.
      const hbs = part === 'html' ? this.html : this.plain;
      fn = hbs.compile(source, { strict: true, noEscape: part !== 'html' });
      this.compiled.set(name, fn);
    }
    return fn;
  }

  private loadDir(): void {
    let files: string[];
    try {
      files = fs.readdirSync(this.dir);
    } catch (err) {
      this.logger.warn(
        `alerts: templates directory ${this.dir} is not readable (${oneLine(err)}); using the built-in templates`,
      );
      return;
    }
    for (const f of files) {
      const m = /^([a-z0-9_]+)\.(subject|text|html)\.hbs$/.exec(f);
      if (!m) continue;
      const file = path.join(this.dir, f);
      try {
        this.sources.set(`${m[1]}.${m[2]}`, { file, source: fs.readFileSync(file, 'utf8') });
      } catch (err) {
        this.logger.error(`alerts: cannot read template ${file}: ${oneLine(err)}`);
      }
    }
  }

  private loadPartials(): void {
    const dir = path.join(this.dir, 'partials');
    let files: string[];
    try {
      files = fs.readdirSync(dir);
    } catch {
      return; // partials are optional
    }
    for (const f of files) {
      if (!f.endsWith('.hbs')) continue;
      try {
        const source = fs.readFileSync(path.join(dir, f), 'utf8');
        for (const hbs of [this.plain, this.html]) hbs.registerPartial(f.slice(0, -4), source);
      } catch (err) {
        this.logger.error(`alerts: cannot read partial ${path.join(dir, f)}: ${oneLine(err)}`);
      }
    }
  }
}

function oneLine(err: unknown): string {
  const msg = err instanceof Error ? err.message : String(err);
  return msg.replace(/\s*\n\s*/g, ' | ');
}
