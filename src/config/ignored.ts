import fs from 'node:fs';
import path from 'node:path';
import { issue } from './issues.js';
import type { ConfigIssue } from './types.js';

/**
 * Entries of `nodes/` the loader does not read, as warnings: a `kmd.yaml`, a
 * `kmd.json~` or `kmd.json.bak` left by an editor, a subdirectory. Dotfiles
 * (`.kmd.json` to park a node, `.kmd.json.swp`, `.gitkeep`) are hidden on
 * purpose and pass in silence.
 */
export function ignoredNodeFiles(nodesDir: string): ConfigIssue[] {
  let entries: fs.Dirent[];
  try {
    entries = fs.readdirSync(nodesDir, { withFileTypes: true });
  } catch {
    return []; // a missing or unreadable nodes/ is the loader's to report
  }
  const out: ConfigIssue[] = [];
  for (const e of entries.sort((a, b) => (a.name < b.name ? -1 : a.name > b.name ? 1 : 0))) {
    if (e.name.startsWith('.')) continue;
    const file = path.join(nodesDir, e.name);
    let dir = e.isDirectory();
    if (e.isSymbolicLink()) {
      try {
        dir = fs.statSync(file).isDirectory();
      } catch {
        dir = false; // a dangling link: the loader reports it if it ends in .json
      }
    }
    if (dir) out.push(issue(file, '', 'ignored (a directory: node files are read from nodes/ itself)'));
    else if (!e.name.endsWith('.json')) out.push(issue(file, '', 'ignored (node files end in .json)'));
  }
  return out;
}
