/** The columns of the uptime export, in order, as the CSV header and the JSON rows' keys give them. */
export const UPTIME_EXPORT_COLUMNS: readonly string[] = [
  'node',
  'uptimePercent',
  'upSeconds',
  'observedSeconds',
  'from',
  'to',
  'rank',
  'kind',
  'intervals',
  'medianLatencyMs',
  'probeSamples',
  'failedProbes',
  'latencySource',
];
