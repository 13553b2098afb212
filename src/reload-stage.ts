import fs from 'node:fs';
import path from 'node:path';
import { issue } from './config/issues.js';
import type { ConfigIssue, NodeSpec } from './config/types.js';
import { ensureFifos, fifoPath } from './logs/fifo.js';
import { IdResolver } from './supervisor/exec-prepare.js';
import type { ReloadStaging } from './supervisor/supervisor.js';

/**
 * The host side of a reload's staging step (DESIGN §2 reload, all or nothing):
 * before any running node is touched, make what the new and changed nodes
 * need to start — the log FIFOs of new nodes, their users, their dataDirs and
 * cwd, the directories of their rendered files — and report every problem as
 * an issue naming the node file and key. Everything it created is remembered,
 * so a refused reload removes it again (directories only if still empty).
 * Rendered files themselves are written at the node's next spawn, never here:
 * a changed node still running must not see its new config before its restart.
 */
export class ReloadStage implements ReloadStaging {
  private readonly fifos: string[] = [];
  /** Directories this stage created, in creation order (parents first). */
  private readonly dirs: string[] = [];

  constructor(
    private readonly stateDir: string,
    private readonly ids: IdResolver = new IdResolver(),
  ) {}

  async prepare(added: readonly NodeSpec[], changed: readonly NodeSpec[]): Promise<ConfigIssue[]> {
    const issues: ConfigIssue[] = [];
    await this.prepareFifos(added, issues);
    for (const spec of [...added, ...changed]) await this.prepareNode(spec, issues);
    return issues;
  }

  async rollback(): Promise<void> {
    for (const p of this.fifos.splice(0)) fs.rmSync(p, { force: true });
    for (const d of this.dirs.splice(0).reverse()) {
      try {
        fs.rmdirSync(d);
      } catch {
        // not empty any more (something else wrote there): it stays
      }
    }
  }

  /** One mkfifo for all; if that fails, node by node to tell which ones cannot have a pipe. */
  private async prepareFifos(specs: readonly NodeSpec[], issues: ConfigIssue[]): Promise<void> {
    if (specs.length === 0) return;
    const dir = path.join(this.stateDir, 'fifo');
    try {
      if (!fs.existsSync(dir)) this.mkdirs(dir);
    } catch (err) {
      for (const spec of specs)
        issues.push(issue(spec.file, '', `cannot make the node's log pipe in ${dir}: ${message(err)}`));
      return;
    }
    try {
      this.fifos.push(...(await ensureFifos(specs.map((s) => fifoPath(this.stateDir, s.name)))));
      return;
    } catch {
      // attributed below, node by node
    }
    for (const spec of specs) {
      try {
        this.fifos.push(...(await ensureFifos([fifoPath(this.stateDir, spec.name)])));
      } catch (err) {
        issues.push(issue(spec.file, '', `cannot make the node's log pipe: ${message(err)}`));
      }
    }
  }

  private async prepareNode(spec: NodeSpec, issues: ConfigIssue[]): Promise<void> {
    let ids: { uid?: number; gid?: number };
    try {
      ids = await this.ids.resolve(spec);
    } catch (err) {
      const key = (err as { details?: { key?: string } }).details?.key ?? 'user';
      issues.push(issue(spec.file, key, message(err), key === 'group' ? spec.group : spec.user));
      return;
    }
    const dataDirIssue = this.dirIssue(spec.dataDir, ids);
    if (dataDirIssue) issues.push(issue(spec.file, 'dataDir', dataDirIssue, spec.dataDir));
    else if (spec.cwd !== spec.dataDir && !isDirectory(spec.cwd))
      issues.push(issue(spec.file, 'cwd', 'is not an existing directory', spec.cwd));
    spec.files.forEach((f, i) => {
      const bad = this.dirIssue(path.dirname(f.path), {});
      if (bad) issues.push(issue(spec.file, `files[${i}].path`, `its directory ${bad}`, f.path));
      else if (isDirectory(f.path))
        issues.push(issue(spec.file, `files[${i}].path`, 'is a directory', f.path));
    });
  }

  /** Creates `dir` (chowned to the node's user when created here); what is wrong, or null. */
  private dirIssue(dir: string, ids: { uid?: number; gid?: number }): string | null {
    try {
      const created = this.mkdirs(dir);
      if (created && ids.uid !== undefined) fs.chownSync(dir, ids.uid, ids.gid ?? -1);
      return isDirectory(dir) ? null : 'is not a directory';
    } catch (err) {
      const e = err as NodeJS.ErrnoException;
      return `cannot be created: ${e.code ?? 'error'} (${e.message})`;
    }
  }

  /** mkdir -p, remembering every level it created; true if `dir` itself was created. */
  private mkdirs(dir: string): boolean {
    const first = fs.mkdirSync(dir, { recursive: true });
    if (first === undefined) return false;
    const levels: string[] = [];
    for (let d = dir; d.length >= first.length; d = path.dirname(d)) {
      levels.unshift(d);
      if (d === first) break;
    }
    this.dirs.push(...levels);
    return true;
  }
}

function isDirectory(p: string): boolean {
  try {
    return fs.statSync(p).isDirectory();
  } catch {
    return false;
  }
}

function message(err: unknown): string {
  return err instanceof Error ? err.message : String(err);
}
