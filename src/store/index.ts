/** The store's public surface: open it, attach it to the bus, read it, export it. */
export { openStore, DB_FILE, type OpenStoreOptions } from './db.js';
export { Store } from './store.js';
export { attachStore, probeRecorder } from './attach.js';
export { SqliteSecrets } from './secrets.js';
export { computeUptime, type Interval } from './uptime.js';
export { computeRanking } from './rank.js';
export { type ProbeRun, type ProbeStats } from './probes.js';
export { MIGRATIONS, SCHEMA_VERSION } from './migrations.js';
export {
  exportEvents,
  exportUptime,
  exportSamples,
  EVENT_COLUMNS,
  UPTIME_COLUMNS,
  type UptimeExportRow,
  RAW_SAMPLE_COLUMNS,
  MINUTE_SAMPLE_COLUMNS,
  type ExportFormat,
} from './exports.js';
export type * from './types.js';
