import type { ReloadResponse } from '../../protocol/types.js';

/** `nodewarden reload` after an applied config: the counts, then each list that is not empty. */
export function renderReload(r: ReloadResponse): string[] {
  const lines = [
    `reloaded: ${r.added.length} added, ${r.removed.length} removed, ${r.changed.length} changed, ${r.live.length} applied live, ${r.unchanged.length} unchanged`,
  ];
  const list = (label: string, names: string[]): void => {
    if (names.length > 0) lines.push(`  ${label.padEnd(21)}${names.join(', ')}`);
  };
  list('added (started):', r.added);
  list('removed (stopped):', r.removed);
  list('changed (restarted):', r.changed);
  list('applied live:', r.live);
  const t = r.targets;
  if (t && t.added.length + t.removed.length + t.changed.length + t.unchanged.length > 0) {
    lines.push(
      `targets: ${t.added.length} added, ${t.removed.length} removed, ${t.changed.length} changed, ${t.unchanged.length} unchanged`,
    );
    list('added (watched):', t.added);
    list('removed (unwatched):', t.removed);
    list('changed (re-probed):', t.changed);
  }
  if (r.needsManagerRestart.length > 0) {
    lines.push(`takes effect only after nodewarden restarts: ${r.needsManagerRestart.join(', ')}`);
  }
  return lines;
}

/**
 * `nodewarden reload --dry-run`: one line per node, what the reload would do
 * and, for a restart or a live change, which keys differ (names only, so no
 * secret shows).
 */
export function renderReloadPlan(r: ReloadResponse): string[] {
  const rows: [string, string, string][] = [];
  const keys = (name: string): string => (r.keys[name] ?? []).join(', ');
  for (const n of r.added) rows.push([n, 'add (start)', '']);
  for (const n of r.removed) rows.push([n, 'remove (stop)', '']);
  for (const n of r.changed) rows.push([n, 'restart', keys(n)]);
  for (const n of r.live) rows.push([n, 'apply live', keys(n)]);
  for (const n of r.unchanged) rows.push([n, 'unchanged', '']);
  rows.sort((a, b) => a[0].localeCompare(b[0]));
  const width = Math.max(4, ...rows.map((row) => row[0].length)) + 2;
  const lines = [
    `dry run, nothing changed: ${r.added.length} to add, ${r.removed.length} to remove, ${r.changed.length} to restart, ${r.live.length} to apply live, ${r.unchanged.length} unchanged`,
    ...rows.map(([n, what, k]) => `  ${n.padEnd(width)}${k ? `${what.padEnd(12)}${k}` : what}`),
  ];
  const t = r.targets;
  if (t && t.added.length + t.removed.length + t.changed.length + t.unchanged.length > 0) {
    const trows: [string, string, string][] = [
      ...t.added.map((n): [string, string, string] => [n, 'add (watch)', '']),
      ...t.removed.map((n): [string, string, string] => [n, 'remove (unwatch)', '']),
      ...t.changed.map((n): [string, string, string] => [n, 're-probe', (t.keys[n] ?? []).join(', ')]),
      ...t.unchanged.map((n): [string, string, string] => [n, 'unchanged', '']),
    ].sort((a, b) => a[0].localeCompare(b[0]));
    const tw = Math.max(4, ...trows.map((row) => row[0].length)) + 2;
    lines.push(
      `targets: ${t.added.length} to add, ${t.removed.length} to remove, ${t.changed.length} to re-probe, ${t.unchanged.length} unchanged`,
      ...trows.map(([n, what, k]) => `  ${n.padEnd(tw)}${k ? `${what.padEnd(12)}${k}` : what}`),
    );
  }
  if (r.needsManagerRestart.length > 0)
    lines.push(`would take effect only after nodewarden restarts: ${r.needsManagerRestart.join(', ')}`);
  return lines;
}

/** A refused config: every problem, and that nothing changed. */
export function renderReloadRefused(r: ReloadResponse): string[] {
  const n = r.problems.length;
  return [
    `nodewarden: reload refused, nothing changed (${n} problem${n === 1 ? '' : 's'}):`,
    ...r.problems.map((p) => `  ${p}`),
    'hint: fix the files and run `nodewarden reload` again (`nodewarden config check` validates offline)',
  ];
}
