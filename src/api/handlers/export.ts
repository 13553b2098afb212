import { exportEvents, exportSamples, exportUptime } from '../../store/index.js';
import type { ExportKind } from '../../protocol/types.js';
import type { ApiContext } from '../context.js';
import { nodeFilter } from './node-filter.js';
import { sinceOrDefault } from './uptime.js';

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
  const { store } = ctx.daemon;
  const format = q.format ?? 'csv';
  const filter = nodeFilter(ctx, q.node);
  const node = filter !== undefined ? { node: filter } : {};
  let body: string;
  switch (kind) {
    case 'events': {
      const since = q.since !== undefined ? { sinceMs: sinceOrDefault(ctx, q.since) } : {};
      body = exportEvents(store, { ...node, ...since }, format);
      break;
    }
    case 'uptime':
      body = exportUptime(
        store,
        {
          sinceMs: sinceOrDefault(ctx, q.since),
          ...(filter !== undefined ? { nodes: typeof filter === 'string' ? [filter] : filter } : {}),
        },
        format,
      );
      break;
    case 'samples':
      body = exportSamples(
        store,
        { ...node, sinceMs: sinceOrDefault(ctx, q.since), resolution: q.resolution ?? 'minute' },
        format,
      );
      break;
  }
  return {
    contentType: format === 'csv' ? 'text/csv; charset=utf-8' : 'application/json; charset=utf-8',
    body,
  };
}
