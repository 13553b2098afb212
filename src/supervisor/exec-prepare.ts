import fs from 'node:fs';
import path from 'node:path';
import { execFile } from 'node:child_process';
import { promisify } from 'node:util';
import type { NodeSpec } from '../config/types.js';
import { NodewardenError } from '../errors.js';
import { openDir, replaceFile, UnsafeLinkError, type SafeDir } from './safe-fs.js';

/**
 * What the ExecDriver does before and around an exec: resolve the node's user
 * and group, create its dataDir, render its files atomically without following
 * links the node's user may have planted (safe-fs.ts), and turn OS failures
 * into E_SPAWN_FAILED errors that name the node, the config key, the path and the code.
 */

const run = promisify(execFile);

/** Resolves user/group names to ids; a successful lookup is cached for the manager's lifetime. */
export class IdResolver {
  private readonly cache = new Map<string, number>();

  /** uid/gid for spec.user/spec.group; a name is looked up once (`id`, `getent`), then cached. */
  async resolve(spec: NodeSpec): Promise<{ uid?: number; gid?: number }> {
    const out: { uid?: number; gid?: number } = {};
    if (spec.user !== null) out.uid = await this.lookup(spec, 'user', spec.user, ['id', '-u']);
    if (spec.group !== null) out.gid = await this.lookup(spec, 'group', spec.group, ['getent', 'group']);
    else if (typeof spec.user === 'string' && !/^\d+$/.test(spec.user)) {
      out.gid = await this.lookup(spec, 'user', spec.user, ['id', '-g']);
    }
    return out;
  }

  private async lookup(
    spec: NodeSpec,
    key: string,
    value: string | number,
    cmd: [string, string],
  ): Promise<number> {
    if (typeof value === 'number' || /^\d+$/.test(value)) return Number(value);
    const cacheKey = `${cmd.join(' ')} ${value}`;
    const hit = this.cache.get(cacheKey);
    if (hit !== undefined) return hit;
    try {
      const { stdout } = await run(cmd[0], [cmd[1], value]);
      const id = Number(cmd[0] === 'getent' ? stdout.split(':')[2] : stdout.trim());
      if (!Number.isInteger(id)) throw new Error(`unexpected output ${JSON.stringify(stdout)}`);
      this.cache.set(cacheKey, id);
      return id;
    } catch (err) {
      throw new NodewardenError(
        'E_SPAWN_FAILED',
        `node ${spec.name}: ${key} ${JSON.stringify(value)} does not exist on this host`,
        {
          cause: err,
          hint: `check \`${key}\` in ${spec.file}`,
          details: { node: spec.name, file: spec.file, key, value },
        },
      );
    }
  }
}

/** Mode of a dataDir nodewarden creates, and of directories it creates inside one. */
const NODE_DIR_MODE = 0o750;
/** Mode of parent directories nodewarden creates above a dataDir (or for files[] outside it): manager-owned. */
const PARENT_DIR_MODE = 0o755;
/** Mode of rendered files[]. */
const FILE_MODE = 0o600;

/**
 * Opens the node's dataDir by a safe walk (safe-fs.ts), creating what is
 * missing: parents owned by the manager (0755), the dataDir itself and
 * directories inside it owned by the node's user (0750), set on the opened fd.
 * A link on the way that another user could have planted is refused.
 */
function openDataDir(spec: NodeSpec, uid?: number, gid?: number): SafeDir {
  try {
    return openDir(spec.dataDir, {
      create: (last) => (last ? { mode: NODE_DIR_MODE, uid, gid } : { mode: PARENT_DIR_MODE }),
    });
  } catch (err) {
    throw prepareError(spec, 'dataDir', spec.dataDir, err);
  }
}

/**
 * Creates dataDir if missing, owned by the node's user if we create it; never
 * follows a link planted on its path. Synchronous on purpose: opening an
 * existing local directory takes microseconds, while a threadpool round trip
 * cost over a millisecond on the crash → replacement path.
 */
export function prepareDataDir(spec: NodeSpec, uid?: number, gid?: number): void {
  openDataDir(spec, uid, gid).close();
}

/** Is `file` lexically inside `dir`? */
function inside(dir: string, file: string): string | null {
  const rel = path.relative(dir, file);
  return rel === '..' || rel.startsWith(`..${path.sep}`) || path.isAbsolute(rel) ? null : rel;
}

/**
 * Writes files[] before a start, each atomically (safe-fs `replaceFile`):
 * owned by the node's user, mode 0600. A file inside the dataDir is reached
 * from the dataDir's own fd and never through a link inside it; a link at a
 * file's own path is refused, never written through or replaced.
 */
export async function renderFiles(spec: NodeSpec, uid?: number, gid?: number): Promise<void> {
  const data = openDataDir(spec, uid, gid);
  try {
    await Promise.all(spec.files.map((f, i) => renderOne(spec, data, i, f.path, f.content, uid, gid)));
  } finally {
    data.close();
  }
}

async function renderOne(
  spec: NodeSpec,
  data: SafeDir,
  i: number,
  file: string,
  content: string,
  uid?: number,
  gid?: number,
): Promise<void> {
  let dir: SafeDir | null = null;
  try {
    const rel = inside(spec.dataDir, path.dirname(file));
    dir =
      rel === null
        ? openDir(path.dirname(file), { create: () => ({ mode: PARENT_DIR_MODE }) })
        : openDir(rel, { create: () => ({ mode: NODE_DIR_MODE, uid, gid }) }, data);
    await replaceFile(dir, path.basename(file), content, { mode: FILE_MODE, uid, gid });
  } catch (err) {
    throw prepareError(spec, `files.${i}.path`, file, err);
  } finally {
    dir?.close();
  }
}

/**
 * E_SPAWN_FAILED for a dataDir or files[] entry that could not be prepared,
 * naming the node, the key in its config file, the path and what went wrong.
 */
function prepareError(spec: NodeSpec, key: string, target: string, err: unknown): NodewardenError {
  if (err instanceof NodewardenError) return err;
  const e = err as NodeJS.ErrnoException;
  const where = `${key} in ${spec.file}`;
  if (err instanceof UnsafeLinkError) {
    return new NodewardenError(
      'E_SPAWN_FAILED',
      `node ${spec.name}: refusing ${where} (${target}): ${e.message}`,
      {
        cause: err,
        hint: `check ${where}: use the real path, or remove the link (it may have been planted by the node's user)`,
        details: { node: spec.name, file: spec.file, key, path: target, link: err.path, code: err.code },
      },
    );
  }
  const at = e.path && e.path !== target ? ` (at ${e.path})` : '';
  return new NodewardenError(
    'E_SPAWN_FAILED',
    `node ${spec.name}: cannot prepare ${key} ${target}: ${e.code ?? e.message}${at}`,
    {
      cause: err,
      hint: `check ${where} and that nodewarden may write there`,
      details: { node: spec.name, file: spec.file, key, path: e.path ?? target, code: e.code ?? null },
    },
  );
}

export function ownNofileHardLimit(): string {
  try {
    const line = fs
      .readFileSync('/proc/self/limits', 'utf8')
      .split('\n')
      .find((l) => l.startsWith('Max open files'));
    return line?.trim().split(/\s+/)[4] ?? 'unknown';
  } catch {
    return 'unknown';
  }
}

export async function cwdMissing(cwd: string): Promise<boolean> {
  return fs.promises.stat(cwd).then(
    (s) => !s.isDirectory(),
    () => true,
  );
}

export function spawnError(spec: NodeSpec, code: string, cause?: unknown, badCwd = false): NodewardenError {
  const what = badCwd
    ? `working directory ${spec.cwd} does not exist`
    : code === 'ENOENT'
      ? 'no such file'
      : code === 'EACCES'
        ? 'permission denied (not executable?)'
        : 'cannot execute';
  return new NodewardenError(
    'E_SPAWN_FAILED',
    `node ${spec.name}: cannot run ${spec.binary}: ${code} (${what})`,
    {
      cause,
      hint: `check \`binary\`${badCwd ? ' and `cwd`' : ''} in ${spec.file}`,
      details: { node: spec.name, binary: spec.binary, cwd: spec.cwd, code },
    },
  );
}
