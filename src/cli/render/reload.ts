import type { ReloadResponse } from '../../protocol/types.js';

/** `nodewarden reload` after an applied config: the counts, then each list that is not empty. */
export function renderReload(r: ReloadResponse): string[] {
  const lines = [
    `reloaded: ${r.added.length} added, ${r.removed.length} removed, ${r.changed.length} changed, ${r.unchanged.length} unchanged`,
  ];
  const list = (label: string, names: string[]): void => {
    if (names.length > 0) lines.push(`  ${label.padEnd(21)}${names.join(', ')}`);
  };
  list('added (started):', r.added);
  list('removed (stopped):', r.removed);
  list('changed (restarted):', r.changed);
  if (r.needsManagerRestart.length > 0) {
    lines.push(`takes effect only after nodewarden restarts: ${r.needsManagerRestart.join(', ')}`);
  }
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
