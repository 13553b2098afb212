import fs from 'node:fs';
import path from 'node:path';
import { execFile } from 'node:child_process';
import { promisify } from 'node:util';
import type { NodeSpec } from '../config/types.js';
import { NodewardenError } from '../errors.js';

/**
 * What the ExecDriver does before and around an exec: resolve the node's user
 * and group, create its dataDir, render its files atomically, and turn OS
 * failures into E_SPAWN_FAILED errors that name the node, the path and the code.
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

/** Creates dataDir, owned by the node's user if we create it. */
export function prepareDataDir(spec: NodeSpec, uid?: number, gid?: number): void {
  // Synchronous on purpose: a mkdir of an existing local directory takes
  // microseconds, while a threadpool round trip cost over a millisecond on the
  // crash → replacement path.
  const created = fs.mkdirSync(spec.dataDir, { recursive: true });
  if (created !== undefined && uid !== undefined) fs.chownSync(spec.dataDir, uid, gid ?? -1);
}

/** Writes files[] (each atomically). */
export async function renderFiles(spec: NodeSpec, uid?: number, gid?: number): Promise<void> {
  await Promise.all(spec.files.map((f) => writeAtomic(f.path, f.content, uid, gid)));
}

let tmpSeq = 0;
/** Writes a rendered file via temp + rename, so a node never reads half a config. */
async function writeAtomic(file: string, content: string, uid?: number, gid?: number): Promise<void> {
  await fs.promises.mkdir(path.dirname(file), { recursive: true });
  const tmp = `${file}.nw-tmp-${process.pid}-${++tmpSeq}`;
  await fs.promises.writeFile(tmp, content, { mode: 0o600 });
  if (uid !== undefined) await fs.promises.chown(tmp, uid, gid ?? -1);
  await fs.promises.rename(tmp, file);
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
