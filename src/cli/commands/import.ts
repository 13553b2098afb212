import fs from 'node:fs';
import path from 'node:path';
import { readJsonFile } from '../../config/json-file.js';
import { isPlainObject } from '../../config/merge.js';
import { NodewardenError } from '../../errors.js';
import { checkWith, fileText, refuseExisting, writeAll, type PlannedFile } from '../../import/apply.js';
import { layout } from '../../import/layout.js';
import { shown, type Imported, type Json, type Note } from '../../import/model.js';
import { importPm2 } from '../../import/pm2.js';
import { importSupervisord } from '../../import/supervisord.js';
import { importSystemd } from '../../import/systemd.js';
import { ExitCode, type ExitCodeValue } from '../exit-codes.js';

export const IMPORT_KINDS = ['systemd', 'supervisord', 'pm2'] as const;

export interface ImportOptions {
  dryRun?: boolean;
  instances?: string;
  env?: string;
}

function usage(message: string): NodewardenError {
  return new NodewardenError('E_BAD_REQUEST', `import: ${message}`);
}

function read(kind: string, files: readonly string[], o: ImportOptions): Imported {
  if (o.instances !== undefined && kind !== 'systemd')
    throw usage('--instances is for systemd template units');
  if (o.env !== undefined && kind !== 'pm2') throw usage('--env is for PM2 ecosystems');
  if (kind === 'systemd') return importSystemd(files, { instances: o.instances });
  if (kind === 'supervisord') return importSupervisord(files);
  if (kind === 'pm2') return importPm2(files, { env: o.env });
  throw usage(`unknown kind ${JSON.stringify(kind)} (expected ${IMPORT_KINDS.join(', ')})`);
}

function existingTemplate(configDir: string): Json | null {
  const file = path.join(configDir, 'template.json');
  if (!fs.existsSync(file)) return null;
  const r = readJsonFile(file);
  if (!r.ok || !isPlainObject(r.value))
    throw usage(`${file} is not a JSON object; fix it first (nodewarden config check)`);
  return r.value;
}

function noteLines(title: string, notes: readonly Note[]): string {
  if (notes.length === 0) return '';
  const lines = notes.map(
    (n) => `  ${n.file === 'template.json' ? n.file : shown(n.file)}:${n.line}: ${n.message}`,
  );
  return `${title} (${notes.length}):\n${lines.join('\n')}\n`;
}

function nodeList(nodes: readonly string[]): string {
  return nodes.length > 2 ? `${nodes[0]} … ${nodes.at(-1)}` : nodes.join(', ');
}

/**
 * `nodewarden import systemd|supervisord|pm2 <files…> [--dry-run]`: turns
 * existing definitions into node files (and template.json) in the config
 * dir, after checking the result loads; lists what could not be carried over.
 */
export function importCommand(
  configDir: string,
  kind: string,
  files: string[],
  o: ImportOptions,
): ExitCodeValue {
  const dir = path.resolve(configDir);
  const imported = read(kind, files, o);
  const template = existingTemplate(dir);
  const lay = layout(imported.drafts, template);
  const planned: (PlannedFile & { nodes: string[] | null })[] = [];
  if (lay.template !== null)
    planned.push({ path: path.join(dir, 'template.json'), text: fileText(lay.template), nodes: null });
  for (const f of lay.files)
    planned.push({ path: path.join(dir, 'nodes', `${f.name}.json`), text: fileText(f.body), nodes: f.nodes });

  const notes = [...lay.notes, ...imported.notes].sort((a, b) =>
    a.file === b.file ? a.line - b.line : a.file < b.file ? -1 : 1,
  );
  let out = '';
  if (o.dryRun) {
    for (const f of planned) {
      const what = f.nodes === null ? 'shared by every imported node' : `nodes ${nodeList(f.nodes)}`;
      out += `# ${path.relative(dir, f.path)} (${what})\n${f.text}\n`;
    }
  }
  const unmapped = notes.filter((n) => n.kind === 'unmapped');
  const warnings = notes.filter((n) => n.kind === 'warning');
  const tail = noteLines('not mapped, review by hand', unmapped) + noteLines('warnings', warnings);
  if (o.dryRun) {
    process.stdout.write(out + tail);
    refuseExisting(dir, planned);
    checkWith(dir, planned);
    process.stdout.write(`dry run: nothing written; the result passes config check\n`);
    return ExitCode.OK;
  }
  refuseExisting(dir, planned);
  checkWith(dir, planned);
  writeAll(dir, planned);
  for (const f of planned) {
    const what = f.nodes === null ? 'settings shared by every imported node' : `nodes ${nodeList(f.nodes)}`;
    out += `created ${path.relative(dir, f.path)} (${what})\n`;
  }
  if (template !== null) out += 'template.json exists: it is kept, every setting went into the node files\n';
  process.stdout.write(
    out + tail + 'next: `nodewarden reload` (or start nodewarden) to run the imported nodes\n',
  );
  return ExitCode.OK;
}
