import fs from 'node:fs';
import path from 'node:path';

/**
 * Finds a node's executable the way the driver will run it (no shell): a name
 * with a slash is a path (relative to the config directory), a bare name is
 * looked up in PATH. Results are cached per load; 200 instances share one stat.
 */

/** The resolved absolute path, or why there is none. */
export type BinaryResult = { readonly path: string } | { readonly error: string; readonly path?: string };

function check(file: string): string | null {
  let st: fs.Stats;
  try {
    st = fs.statSync(file);
  } catch {
    return 'not found';
  }
  if (!st.isFile()) return 'is not a regular file';
  try {
    fs.accessSync(file, fs.constants.X_OK);
  } catch {
    return `is not executable (mode ${(st.mode & 0o777).toString(8)})`;
  }
  return null;
}

/** Resolves `binary` against `configDir` or `$PATH`; `cache` is shared by one load. */
export function resolveBinary(
  binary: string,
  configDir: string,
  pathVar: string | undefined,
  cache: Map<string, BinaryResult>,
): BinaryResult {
  const cached = cache.get(binary);
  if (cached) return cached;
  let result: BinaryResult;
  if (binary.includes('/')) {
    const abs = path.resolve(configDir, binary);
    const err = check(abs);
    result = err === null ? { path: abs } : { error: `${err}: ${abs}`, path: abs };
  } else {
    const dirs = (pathVar ?? '').split(path.delimiter).filter((d) => d !== '');
    result = { error: `not found in PATH (${dirs.join(path.delimiter) || 'PATH is empty'})` };
    for (const dir of dirs) {
      const abs = path.resolve(dir, binary);
      const err = check(abs);
      if (err === null) {
        result = { path: abs };
        break;
      }
    }
  }
  cache.set(binary, result);
  return result;
}
