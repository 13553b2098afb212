import { NodewardenError } from '../../errors.js';
import type { ControlClient } from '../../protocol/client.js';
import { EXPORT_KINDS, type ExportKind } from '../../protocol/types.js';
import { ExitCode, type ExitCodeValue } from '../exit-codes.js';
import { askOrRead } from '../offline.js';
import { checkSince } from './events.js';

export interface ExportOptions {
  format?: string;
  since?: string;
  node?: string;
  resolution?: string;
  json?: boolean;
}

/**
 * `nodewarden export events|uptime|samples --format csv|json [--since]`: the
 * columns of src/store/EXPORTS.md on stdout, as the daemon wrote them. With
 * the daemon down, the same export from its database (a line on stderr says so).
 */
export async function exportCommand(
  client: ControlClient,
  kind: string,
  opts: ExportOptions,
): Promise<ExitCodeValue> {
  if (!(EXPORT_KINDS as readonly string[]).includes(kind)) {
    throw new NodewardenError(
      'E_BAD_REQUEST',
      `export: expected one of ${EXPORT_KINDS.join(', ')}, got ${JSON.stringify(kind)}`,
    );
  }
  if (opts.json && opts.format !== undefined && opts.format !== 'json') {
    throw new NodewardenError(
      'E_BAD_REQUEST',
      `--json asks for JSON but --format asks for ${JSON.stringify(opts.format)}: give one of them`,
    );
  }
  const format = opts.format ?? (opts.json ? 'json' : 'csv');
  if (format !== 'csv' && format !== 'json') {
    throw new NodewardenError(
      'E_BAD_REQUEST',
      `--format: expected csv or json, got ${JSON.stringify(format)}`,
    );
  }
  const resolution = opts.resolution;
  if (resolution !== undefined && resolution !== 'raw' && resolution !== 'minute') {
    throw new NodewardenError(
      'E_BAD_REQUEST',
      `--resolution: expected raw or minute, got ${JSON.stringify(resolution)}`,
    );
  }
  checkSince(opts.since);
  const q: { format: 'csv' | 'json'; since?: string; node?: string; resolution?: 'raw' | 'minute' } = {
    format,
    ...(opts.since !== undefined ? { since: opts.since } : {}),
    ...(opts.node !== undefined ? { node: opts.node } : {}),
    ...(resolution !== undefined ? { resolution } : {}),
  };
  const { value: text, offline } = await askOrRead(
    client,
    (c) => c.exportData(kind as ExportKind, q),
    (db) => db.exportData(kind as ExportKind, q),
  );
  if (offline) process.stderr.write(`${offline.marker}\n`);
  process.stdout.write(text.endsWith('\n') ? text : `${text}\n`);
  return ExitCode.OK;
}
