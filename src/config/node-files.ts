import fs from 'node:fs';
import path from 'node:path';
import { renderString, TemplateError, type TemplateContext } from './interpolate.js';
import type { Problem } from './shape.js';
import type { RenderedFile, SecretSource } from './types.js';

/** A validated `files[]` entry: `{path, json}` or `{path, template}`. */
export interface FileEntry {
  readonly path: string;
  readonly json?: unknown;
  readonly template?: string;
}

/**
 * Renders a node's `files[]` into final contents: `json` documents as pretty
 * JSON, `template` files from templatesDir through strict Handlebars with the
 * node context plus `node`. `readCache` holds template sources for one load.
 */
export function renderNodeFiles(
  entries: readonly FileEntry[],
  opts: {
    configDir: string;
    templatesDir: string;
    ctx: TemplateContext;
    secrets: SecretSource;
    readCache: Map<string, string | Error>;
  },
): { files: RenderedFile[]; problems: Problem[] } {
  const files: RenderedFile[] = [];
  const problems: Problem[] = [];
  entries.forEach((e, i) => {
    if (typeof e.path !== 'string') return; // already reported by the schema
    const target = path.resolve(opts.configDir, e.path);
    if (e.template === undefined) {
      files.push({ path: target, content: `${JSON.stringify(e.json, null, 2)}\n` });
      return;
    }
    const src = path.resolve(opts.templatesDir, e.template);
    let text = opts.readCache.get(src);
    if (text === undefined) {
      try {
        text = fs.readFileSync(src, 'utf8');
      } catch (err) {
        const code = (err as NodeJS.ErrnoException).code;
        text = new Error(
          code === 'ENOENT' ? `template file ${src} not found` : `cannot read template file ${src}: ${code}`,
        );
      }
      opts.readCache.set(src, text);
    }
    if (text instanceof Error) {
      problems.push({ key: `files.${i}.template`, message: text.message, value: e.template });
      return;
    }
    try {
      files.push({ path: target, content: renderString(text, opts.ctx, opts.secrets) });
    } catch (err) {
      const msg = err instanceof TemplateError ? err.message : String(err);
      problems.push({
        key: `files.${i}.template`,
        message: `template error in ${src}: ${msg}`,
        value: e.template,
      });
    }
  });
  return { files, problems };
}
