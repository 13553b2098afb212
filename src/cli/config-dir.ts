import fs from 'node:fs';
import path from 'node:path';
import { NodewardenError } from '../errors.js';

/** Where the shipped systemd unit and supervisord program keep the configuration. */
export const SYSTEM_CONFIG_DIR = '/etc/nodewarden';

/**
 * Overrides SYSTEM_CONFIG_DIR (for the tests of the discovery; not a user
 * setting: users pass `--config` or set NODEWARDEN_CONFIG).
 */
export const SYSTEM_CONFIG_ENV = 'NODEWARDEN_SYSTEM_CONFIG';

const HOW = 'pass --config DIR or set NODEWARDEN_CONFIG';

/**
 * The config directory of a verb, made absolute: `--config DIR`, else
 * `$NODEWARDEN_CONFIG`, else `./configs` if it exists, else `/etc/nodewarden`
 * (DESIGN §1, §8). A directory that is not there is a usage error naming
 * every place tried, before any verb looks for a daemon or a file in it.
 */
export function resolveConfigDir(
  flag: string | undefined,
  env: NodeJS.ProcessEnv = process.env,
  cwd: string = process.cwd(),
): string {
  const chosen = flag ?? (env.NODEWARDEN_CONFIG === '' ? undefined : env.NODEWARDEN_CONFIG);
  if (chosen !== undefined) {
    const dir = path.resolve(cwd, chosen);
    if (!isDir(dir)) {
      const from = flag !== undefined ? '' : ' (from NODEWARDEN_CONFIG)';
      throw noConfigDir(`no config directory at ${dir}${from}; ${HOW}`);
    }
    return dir;
  }
  const tried = [path.resolve(cwd, 'configs'), path.resolve(env[SYSTEM_CONFIG_ENV] || SYSTEM_CONFIG_DIR)];
  const found = tried.find(isDir);
  if (found === undefined) throw noConfigDir(`no config directory at ${tried.join(' or ')}; ${HOW}`);
  return found;
}

function isDir(dir: string): boolean {
  try {
    return fs.statSync(dir).isDirectory();
  } catch {
    return false;
  }
}

function noConfigDir(message: string): NodewardenError {
  return new NodewardenError('E_CONFIG_INVALID', message);
}
