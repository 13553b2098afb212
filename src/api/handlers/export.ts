import { exportEvents, exportSamples, exportUptime } from '../../store/index.js';
import type { ExportKind } from '../../protocol/types.js';
import type { StoreReader } from '../../store/types.js';
import type { ApiContext } from '../context.js';
import { daemonNames, nodeFilter, type ConfiguredNames } from './node-filter.js';
import { sinceAt } from './uptime.js';

/** Query of `GET /api/export/:kind`. */
export interface ExportInput {
  format?: 'csv' | 'json';
  /** Default: all events; the last 24 h of uptime and samples. */
  since?: string;
  /** A name, a glob over the configured names, or `all`. */
  node?: string;
  /** Samples only: `raw` (kept a day) or `minute` (the default). */
  resolution?: 'raw' | 'minute';
}

/** `GET /api/export/:kind`: the columns of src/store/EXPORTS.md as CSV (default) or JSON. */
export function handleExport(
  ctx: ApiContext,
  kind: ExportKind,
  q: ExportInput,
): { contentType: string; body: string } {
  return readExport(ctx.daemon.store, daemonNames(ctx.daemon), ctx.daemon.clock.wallNow(), kind, q);
}

/**
 * An export from any store reader (the daemon's, or a stopped daemon's
 * database); a glob in `node` is resolved against `configured`.
 */
export function readExport(
  store: StoreReader,
  configured: ConfiguredNames,
  now: number,
  kind: ExportKind,
  q: ExportInput,
): { contentType: string; body: string } {
  const format = q.format ?? 'csv';
  const filter = nodeFilter(configured, q.node);
  const node = filter !== undefined ? { node: filter } : {};
  let body: string;
  switch (kind) {
    case 'events': {
      const since = q.since !== undefined ? { sinceMs: sinceAt(now, q.since) } : {};
      body = exportEvents(store, { ...node, ...since }, format);
      break;
    }
    case 'uptime':
      body = exportUptime(
        store,
        {
          sinceMs: sinceAt(now, q.since),
          ...(filter !== undefined ? { nodes: typeof filter === 'string' ? [filter] : filter } : {}),
        },
        format,
      );
      break;
    case 'samples':
      body = exportSamples(
        store,
        { ...node, sinceMs: sinceAt(now, q.since), resolution: q.resolution ?? 'minute' },
        format,
      );
      break;
  }
  return {
    contentType: format === 'csv' ? 'text/csv; charset=utf-8' : 'application/json; charset=utf-8',
    body,
  };
}
